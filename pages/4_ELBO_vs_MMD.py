"""ELBO vs MMD: the two objectives on the same data and the same axes."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.canvas import component as canvas
from explorer.classroom import membership as classroom
from explorer.comparisons import elbo_mmd
from explorer.core import links, loaded, session, sidebar
from explorer.core.catalog import DATASET_LABELS, comparison_table
from explorer.maps import map_figures, points
from vae_core.viz import paired_map

shell.ensure_frame()
st.title("ELBO vs MMD")
state = st.session_state
dataset = sidebar.current_dataset()
names = loaded.class_names(dataset)
st.caption(
    "Left: a VAE trained on the ELBO, whose KL term pulls every image's code towards N(0, I). "
    "Right: an MMD-VAE, which only asks that the cloud of all codes matches N(0, I). Dotted and "
    "dashed circles mark the prior's 1σ and 2σ. Move over either map: the same z is decoded by "
    "both models as you go; click to pin it. Drag a box or lasso (toolbar) on either map to "
    "select images: the same images light up on the other map; double-click to clear."
)

catalog = loaded.catalog()
vaes, mmds = catalog.elbo_and_mmd(dataset)
if not vaes or not mmds:
    missing = "an ELBO VAE" if not vaes else "an MMD-VAE"
    st.info(
        f"This comparison needs a 2-D {missing} trained on {DATASET_LABELS[dataset]}: train one on "
        "the **Train live** page."
    )
    st.stop()

c1, c2 = st.columns(2)
left_name = c1.selectbox(
    "ELBO model", [e.name for e in vaes], format_func=lambda n: catalog.find(n).title, key="cmp_vae"
)
right_name = c2.selectbox(
    "MMD model", [e.name for e in mmds], format_func=lambda n: catalog.find(n).title, key="cmp_mmd"
)
entries = [
    sidebar.require_model(catalog.find(left_name), 2),
    sidebar.require_model(catalog.find(right_name), 2),
]
options = st.container(horizontal=True, vertical_alignment="center", gap="large")
view = options.radio(
    "View",
    ["Side by side", "One map, each image joined to its two places"],
    horizontal=True,
    key="cmp_view",
    label_visibility="collapsed",
)
show_mosaic = options.toggle("Decoded manifold underneath", value=False, key="cmp_mosaic")

extent = map_figures.map_extent(left_name, right_name)
if state.get("cmp_pair") not in (None, (left_name, right_name)):
    session.update(point=None, selection=None)  # another pair of models: forget the old point
state["cmp_pair"] = (left_name, right_name)

SHOWN = 4000  # test images on each map; the same images on both
try:
    event = canvas.take_event("cmp_canvas")
except canvas.CanvasInputError as error:
    st.warning(f"Ignored a message from the maps: {error}.")
    event = None
if event is not None and event.kind == "pin":
    session.update(point=tuple(event.point), point_source="click")
elif event is not None and event.kind == "select":
    session.update(selection=tuple(r for r in event.rows if r < SHOWN) or None)
highlight = session.view().selection


def shown_point():
    """The view's point where these 2-D maps can show it (a wider model's point is not theirs)."""
    point = session.view().point
    return point if point is None or len(point) <= 2 else None


def side_by_side() -> None:
    point = shown_point()
    follower = classroom.following()  # a follower's canvas applies the teacher's selection itself
    maps = [
        points.map_view(
            entry.name,
            entry.label,
            SHOWN,
            extent=extent,
            mosaic_n=16 if show_mosaic else 0,
            prior_circles=True,
            highlight=None if follower else highlight,
        )
        for entry in entries
    ]
    overlay = canvas.Overlay(
        pinned=None if point is None else tuple(point[:2]),
        pinned_by=f"server-{point}",
        selection=highlight if follower else None,
    )
    canvas.latent_canvas(
        maps,
        key="cmp_canvas",
        mode="compare",
        overlay=overlay,
        height=480,
        room=classroom.canvas_room(),
    )
    if highlight is not None and not follower:
        st.caption(f"{len(highlight)} images selected.")
        if st.button("Clear the selection", key="cmp_clear"):
            session.update(selection=None)
            st.rerun()


def joined() -> None:
    codes_a, codes_b, labels = elbo_mmd.paired_codes(left_name, right_name, highlight)
    st.plotly_chart(
        paired_map(codes_a, codes_b, labels, names, extent, entries[0].label, entries[1].label),
        key="cmp_paired",
    )
    st.caption(
        f"{len(labels)} {'selected' if highlight is not None else 'random'} test images: a circle "
        "where the ELBO VAE puts each, "
        "a cross where the MMD-VAE puts it, and a grey line between the two."
    )


if view == "Side by side":
    side_by_side()
else:
    joined()

point = shown_point()
links.share_control(**({"z": links.format_point(point)} if point is not None else {}))
if classroom.following():
    st.caption(
        "Following the teacher: the maps show the teacher's point and selection as they change, "
        "both decoders beside them. Turn off **Follow the teacher** to explore on your own."
    )
elif point is None:
    st.info("Click a point on either map to decode it with both models.")
else:
    st.markdown(f"**Both decoders at z = ({point[0]:.2f}, {point[1]:.2f})**")
    for column, entry in zip(st.columns(4), entries):
        column.image(
            points.decode_point(entry.name, point, size=168).png,
            caption=entry.label,
            width=168,
            output_format="PNG",
        )

st.subheader("What the numbers say")
st.caption(
    "One training run of each model (one seed): a gap here may be seed noise. *Over several seeds* "
    "below says which gaps hold across seeds."
)
st.table(comparison_table(entries))

spread = elbo_mmd.seed_spread(dataset)
st.subheader("Over several seeds")
if spread is None:
    st.info(
        "No seed study for this dataset yet: `python -m vae_core study` trains the shipped models "
        "with three seeds."
    )
else:
    seeds = ", ".join(str(s) for s in spread.seeds)
    st.caption(
        f"The shipped ELBO VAE and MMD-VAE trained again with seeds {seeds} (`python -m vae_core "
        "study`): mean ± standard deviation over the seeds, and the paired difference with its raw "
        f"95 % interval and its p adjusted by Holm's method over the study's {spread.comparisons} "
        "comparisons. A difference is called better or worse only where the adjusted p is below "
        f"0.05: with {len(spread.seeds)} seeds it must be about {spread.threshold:.0f} times its "
        "standard error. † marks a clear verdict that rests on pairing the seeds by number."
    )
    st.table(spread.table)
    if spread.clear:
        st.markdown(
            "**Clear differences** (after Holm's correction): "
            + ", ".join(spread.clear)
            + f". Every other difference is not resolved with {len(spread.seeds)} seeds."
        )
    else:
        st.markdown(
            "**No clear difference** on any metric after Holm's correction: no gap above is "
            f"resolved with {len(spread.seeds)} seeds."
        )
