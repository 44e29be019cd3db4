"""The ELBO vs MMD page's parts: the pair of models, the two maps that share a point and a
selection (or one map joining each image's two places), both decoders at the point, and the
numbers of one run and of the seed study."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from explorer.canvas import component as canvas
from explorer.comparisons import elbo_mmd
from explorer.core import caches, links, session, sidebar
from explorer.core.catalog import ModelEntry, comparison_table, dataset_label
from explorer.maps import map_figures, points

SHOWN = 4000  # test images on each map; the same images on both
SIDE_BY_SIDE, JOINED = "Side by side", "One map, each image joined to its two places"
FOLLOWING = (
    "Following the teacher: the maps show the teacher's point and selection as they change, both "
    "decoders beside them. Turn off **Follow the teacher** to explore on your own."
)


@dataclass(frozen=True)
class Pair:
    """The two models compared, on one extent, and how they are shown."""

    entries: tuple[ModelEntry, ModelEntry]  # the ELBO VAE, then the MMD-VAE
    extent: object  # vae_core.analysis.geometry.Extent holding both models' codes
    view: str = SIDE_BY_SIDE
    mosaic: bool = False  # the decoded manifold under each map


def pick_pair(dataset: str) -> Pair | None:
    """The ELBO and MMD models chosen, with the view's options; None (and why) without both."""
    catalog = caches.catalog()
    vaes, mmds = catalog.elbo_and_mmd(dataset)
    if not vaes or not mmds:
        missing = "an ELBO VAE" if not vaes else "an MMD-VAE"
        st.info(
            f"This comparison needs a 2-D {missing} trained on {dataset_label(dataset)}: train "
            "one on the **Train live** page."
        )
        return None
    c1, c2 = st.columns(2)
    title = {"format_func": lambda n: catalog.find(n).title}
    left = c1.selectbox("ELBO model", [e.name for e in vaes], key="cmp_vae", **title)
    right = c2.selectbox("MMD model", [e.name for e in mmds], key="cmp_mmd", **title)
    entries = tuple(sidebar.require_model(catalog.find(n), 2) for n in (left, right))
    options = st.container(horizontal=True, vertical_alignment="center", gap="large")
    view = options.radio(
        "View",
        [SIDE_BY_SIDE, JOINED],
        horizontal=True,
        key="cmp_view",
        label_visibility="collapsed",
    )
    mosaic = options.toggle("Decoded manifold underneath", value=False, key="cmp_mosaic")
    state = st.session_state
    if state.get("cmp_pair") not in (None, (left, right)):
        session.update(point=None, selection=None)  # another pair of models: forget the point
    state["cmp_pair"] = (left, right)
    return Pair(entries, map_figures.map_extent(left, right), view, mosaic)


def take_event() -> None:
    """A pin or a selection made on either map becomes the View's."""
    try:
        event = canvas.take_event("cmp_canvas")
    except canvas.CanvasInputError as error:
        st.warning(f"Ignored a message from the maps: {error}.")
        return
    if event is not None and event.kind == "pin":
        session.update(point=tuple(event.point), point_source="click")
    elif event is not None and event.kind == "select":
        session.update(selection=tuple(r for r in event.rows if r < SHOWN) or None)


def shown_point():
    """The view's point where these 2-D maps can show it (a wider model's point is not theirs)."""
    point = session.view().point
    return point if point is None or len(point) <= 2 else None


def side_by_side(pair: Pair, following: bool, room) -> None:
    """Both maps on one canvas; a follower's canvas applies the teacher's selection itself."""
    point, highlight = shown_point(), session.view().selection
    maps = [
        points.map_view(
            entry.name,
            entry.label,
            SHOWN,
            extent=pair.extent,
            mosaic_n=16 if pair.mosaic else 0,
            prior_circles=True,
            highlight=None if following else highlight,
        )
        for entry in pair.entries
    ]
    overlay = canvas.Overlay(
        pinned=None if point is None else tuple(point[:2]),
        pinned_by=f"server-{point}",
        selection=highlight if following else None,
    )
    canvas.latent_canvas(
        maps, key="cmp_canvas", mode="compare", overlay=overlay, height=480, room=room
    )
    if highlight is not None and not following:
        st.caption(f"{len(highlight)} images selected.")
        if st.button("Clear the selection", key="cmp_clear"):
            session.update(selection=None)
            st.rerun()


def joined(pair: Pair, names) -> None:
    """One map: where each model puts the same test images, joined by a line."""
    from vae_core.viz import paired_map

    first, second = pair.entries
    highlight = session.view().selection
    codes_a, codes_b, labels = elbo_mmd.paired_codes(first.name, second.name, highlight)
    st.plotly_chart(
        paired_map(codes_a, codes_b, labels, names, pair.extent, first.label, second.label),
        key="cmp_paired",
    )
    st.caption(
        f"{len(labels)} {'selected' if highlight is not None else 'random'} test images: a circle "
        "where the ELBO VAE puts each, a cross where the MMD-VAE puts it, and a grey line between "
        "the two."
    )


def both_decoders(pair: Pair, following: bool) -> None:
    """The share link, then the point decoded by both models."""
    point = shown_point()
    links.share_control(**({"z": links.format_point(point)} if point is not None else {}))
    if following:
        st.caption(FOLLOWING)
    elif point is None:
        st.info("Click a point on either map to decode it with both models.")
    else:
        st.markdown(f"**Both decoders at z = ({point[0]:.2f}, {point[1]:.2f})**")
        for column, entry in zip(st.columns(4), pair.entries):
            column.image(
                points.decode_point(entry.name, point, size=168).png,
                caption=entry.label,
                width=168,
                output_format="PNG",
            )


def numbers(pair: Pair, dataset: str) -> None:
    """One run's metrics side by side, then the seed study's verdicts."""
    st.subheader("What the numbers say")
    st.caption(
        "One training run of each model (one seed): a gap here may be seed noise. *Over several "
        "seeds* below says which gaps hold across seeds."
    )
    st.table(comparison_table(list(pair.entries)))
    st.subheader("Over several seeds")
    spread = elbo_mmd.seed_spread(dataset)
    if spread is None:
        st.info(
            "No seed study for this dataset yet: `python -m vae_core study` trains the shipped "
            "models with three seeds."
        )
        return
    _seed_study(spread)


def _seed_study(spread: elbo_mmd.SeedSpread) -> None:
    seeds, n = ", ".join(str(s) for s in spread.seeds), len(spread.seeds)
    st.caption(
        f"The shipped ELBO VAE and MMD-VAE trained again with seeds {seeds} (`python -m vae_core "
        "study`): mean ± standard deviation over the seeds, and the paired difference with its raw "
        f"95 % interval and its p adjusted by Holm's method over the study's {spread.comparisons} "
        "comparisons. A difference is called better or worse only where the adjusted p is below "
        f"0.05: with {n} seeds it must be about {spread.threshold:.0f} times its standard error. "
        "† marks a clear verdict that rests on pairing the seeds by number."
    )
    st.table(spread.table)
    if spread.clear:
        st.markdown(
            "**Clear differences** (after Holm's correction): "
            + ", ".join(spread.clear)
            + f". Every other difference is not resolved with {n} seeds."
        )
    else:
        st.markdown(
            "**No clear difference** on any metric after Holm's correction: no gap above is "
            f"resolved with {n} seeds."
        )
