"""The Latent map's row of controls: a prior sample, reset, a sheet of samples, the drawing
pad and the classifier lens."""

from __future__ import annotations

import streamlit as st

from explorer.core import session
from explorer.core.catalog import ModelEntry
from explorer.maps import lens as lenses
from explorer.maps import placing, points
from vae_core.data.catalog import get as get_dataset

LENS_HELP = (
    "The decoded map coloured by what a classifier sees in each place: its class, its "
    "confidence as opacity, outlines where it changes its mind or is unsure. Where does a 4 "
    "become a 9?"
)


def forget_other_models_samples(entry: ModelEntry) -> None:
    """A sheet of samples belongs to the model that drew it."""
    state = st.session_state
    if state.get("map_samples_model") not in (None, entry.name):
        state["map_samples"] = None
    state["map_samples_model"] = entry.name


def control_row(container, entry: ModelEntry, names) -> tuple[bool, dict | None]:
    """The buttons in one row at their own widths, wrapping where the page is narrow (a
    projector): no label is ever cut. Returns (the pad is open, the classifier lens)."""
    row = container.container(horizontal=True, vertical_alignment="center")
    wide = entry.latent_dim > 2
    if row.button("Random prior sample", icon=":material/casino:", key="map_random"):
        point = points.prior_point(latent_dim=entry.latent_dim if wide else 2)
        session.move_point(point, "a sample from the prior N(0, I)")
    if row.button("Reset", key="map_reset"):
        session.move_point(None, None)
        st.session_state["map_samples"] = None
    _sample_sheet(row, entry)
    if get_dataset(entry.dataset).colour:
        draw = row.toggle(
            "Draw your own",
            key="map_draw_colour",
            disabled=True,
            value=False,
            help="The drawing pad draws grey ink; this model's images are in colour. Upload a "
            "picture instead.",
        )
    else:
        draw = row.toggle(
            "Draw your own",
            key="map_draw",
            help="A drawing pad beside the map, encoded as you draw.",
        )
    if not row.toggle("Classifier lens", key="map_lens", help=LENS_HELP):
        return draw, None
    lens, no_lens = lenses.lens(entry.dataset, names)
    if no_lens:
        st.info(no_lens)
    return draw, lens


def _sample_sheet(row, entry: ModelEntry) -> None:
    state = st.session_state
    sampler = row.selectbox(
        "Sample a sheet from",
        list(placing.SAMPLERS),
        format_func=placing.SAMPLERS.get,
        key="map_sampler",
        label_visibility="collapsed",
        width=200,
    )
    if row.button("Sample a sheet", icon=":material/grid_view:", key="map_sample"):
        seed = state.get("map_seed", 0)
        state["map_samples"] = (
            placing.SAMPLERS[sampler],
            placing.sample_points(entry.name, sampler, 64, seed),
        )
        state["map_seed"] = seed + 1
