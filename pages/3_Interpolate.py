"""Interpolate: walk from one latent point to another and watch the decoded image morph."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.canvas import component as canvas
from explorer.classroom import membership as classroom
from explorer.comparisons import interpolation
from explorer.core import links, loaded, session, sidebar
from explorer.core.view import ViewError
from explorer.maps import points

shell.ensure_frame()
st.title("Interpolate")
entry = sidebar.require_model(sidebar.current_entry(), min_dim=1)
names = loaded.class_names(entry.dataset)
state = st.session_state
ENDPOINTS = {
    "images": "Two test images",
    "means": "Two class means",
    "clicks": "Two clicks on the latent map",
}

st.caption(
    "Choose two endpoints, A and B. The path between their codes is decoded frame by frame: a "
    "smooth, plausible morph means the latent space is well organised along the way."
)

try:
    event = canvas.take_event("interp_canvas")
except canvas.CanvasInputError as error:
    st.warning(f"Ignored a message from the map: {error}.")
    event = None
# the ends set on the map, kept while other endpoints are shown (per model)
CLICKED = "interp_clicked"
if (
    state.get("interp_clicked_model") != entry.name or classroom.following()
):  # a room's or a link's ends
    state[CLICKED], state["interp_clicked_model"] = session.view().ends, entry.name
if (
    event is not None and event.kind == "ends"
):  # set or dragged on the map: they become the endpoints
    state[CLICKED] = event.ends
    state["interp_source"] = "clicks"

label = None
if entry.conditional:
    label = st.radio(
        "Class to generate (conditional VAE)",
        range(10),
        format_func=lambda i: names[i],
        horizontal=True,
        key="interp_class",
    )

# the ends, path, frames and α are the teacher's: the map shows them as they change
following = classroom.following()
if following or "interp_source" not in state:  # the ends of a room or a link are the view's
    state["interp_source"] = "clicks" if session.view().ends is not None else "images"
if following:
    source = "clicks"
    st.info(
        "Following the teacher: the ends, the path, its frames and α follow the teacher's on the "
        "map, decoded in "
        "your browser beside it. Turn off **Follow the teacher** to choose your own."
    )
else:
    source = st.radio(
        "Endpoints",
        list(ENDPOINTS),
        format_func=ENDPOINTS.get,
        horizontal=True,
        key="interp_source",
        disabled=entry.latent_dim < 2,
        help="Two class means: the walk from the average code of one class to another's.",
    )


def pick_image(column, tag: str, default_class: int) -> int:
    with column:
        chosen_class = st.selectbox(
            f"{tag}: class",
            range(10),
            index=default_class,
            format_func=lambda i: names[i],
            key=f"interp_{tag}_class",
        )
        members = points.class_members(entry.dataset, chosen_class)
        position = st.number_input(
            f"{tag}: which one (0–{len(members) - 1})",
            0,
            len(members) - 1,
            0,
            key=f"interp_{tag}_index",
        )
        index = members[position]
        st.image(
            points.test_image(entry.dataset, index, 84),
            caption=f"test image #{index}",
            width=84,
            output_format="PNG",
        )
        return index


def clicked_endpoints():
    """The two points set on the map (clicks or drags), or None until both are set (another
    model starts without: explorer.core.session.choose)."""
    ends = state.get(CLICKED)
    return None if ends is None else [list(end) for end in ends]


if source == "images":
    col_a, col_b = st.columns(2)
    index_a = pick_image(col_a, "A", 0)
    index_b = pick_image(col_b, "B", 1 if entry.dataset == "mnist" else 7)
    endpoints = points.test_codes(entry.name, [index_a, index_b])
elif source == "means":
    col_a, col_b = st.columns(2)
    first = col_a.selectbox(
        "A: mean of class", range(10), index=1, format_func=lambda i: names[i], key="interp_mean_A"
    )
    second = col_b.selectbox(
        "B: mean of class", range(10), index=7, format_func=lambda i: names[i], key="interp_mean_B"
    )
    endpoints = interpolation.class_mean_ends(entry.name, first, second)
else:
    endpoints = clicked_endpoints()

# the view (a room, a link) carries the ends in use, whichever way they were chosen
session.update(
    ends=None if endpoints is None else tuple(tuple(float(v) for v in end) for end in endpoints)
)
# The path's widgets mirror the view, which a room or a link may have set.
current = session.view()
state["interp_method"], state["interp_steps"], state["interp_alpha"] = (
    current.method,
    current.steps,
    current.alpha,
)


def path_changed() -> None:
    steps = state["interp_steps"]
    try:
        session.update(
            method=state["interp_method"], steps=steps, alpha=min(state["interp_alpha"], steps - 1)
        )
    except (
        ViewError,
        TypeError,
    ):  # values no widget offers (a forged request): the path stays as it was
        pass


def path_widgets() -> tuple[str, int, bool, int]:
    """The path, its frames, the animation switch and α, as widgets."""
    c1, c2, c3 = st.columns(3)
    method = c1.radio(
        "Path",
        ["linear", "slerp"],
        horizontal=True,
        key="interp_method",
        on_change=path_changed,
        help=(
            "slerp turns along a circle around the origin, keeping the distance from the prior's "
            "centre changing smoothly."
        ),
    )
    steps = c2.slider("Frames", 5, 30, key="interp_steps", on_change=path_changed)
    animate = c3.toggle("Play as animation", value=False, key="interp_play")
    alpha_index = st.select_slider(
        "α (position along the path, A → B)",
        range(steps),
        key="interp_alpha",
        format_func=lambda i: f"{i / (steps - 1):.2f}",
        on_change=path_changed,
    )
    return method, steps, animate, alpha_index


# A follower's widgets would go stale as the teacher changes the path: the view's values, shown on
# the map.
method, steps, animate, alpha_index = (
    (current.method, current.steps, False, current.alpha) if following else path_widgets()
)
walk = (
    None if endpoints is None else interpolation.walk(entry.name, *endpoints, steps, method, label)
)

if entry.latent_dim >= 2:
    ends = (
        None if endpoints is None else tuple(tuple(float(v) for v in end[:2]) for end in endpoints)
    )
    at_alpha = None if walk is None else tuple(walk.point(alpha_index)[:2])
    overlay = canvas.Overlay(
        ends=ends, method=method, steps=steps, pinned=at_alpha, pinned_by=f"alpha-{at_alpha}"
    )
    if not following:
        st.caption(
            "Click the map to set A, then B (a third click starts again at A), or drag A and B: "
            "the path and its frames "
            "are decoded in your browser as they move. The star marks the frame at α."
        )
    view = points.map_view(entry.name, entry.label, 3000, class_label=label)
    canvas.latent_canvas(
        [view],
        key="interp_canvas",
        mode="interpolate",
        overlay=overlay,
        label=label,
        height=680,
        room=classroom.canvas_room(),
    )
    if following:
        st.stop()  # the frame at α and the strip below are the canvas's, kept current by the room
else:
    st.caption("A one-dimensional latent space: the path is a segment of the line.")
if walk is None:
    st.info("Click two points on the map: A, then B.")
    st.stop()
for tag, distance in interpolation.far_ends(entry.name, endpoints):
    st.warning(
        f"Point {tag} lies far outside the codes: the nearest test image's code is {distance:.1f} "
        "away. The decoder "
        "was never trained near there, so the frames near it say little about the model."
    )

with st.container(key="interp_frame"):
    if animate:
        st.image(walk.gif(224), width=224)
        st.markdown("**A → B → A**, looping")
    else:
        st.image(walk.frame(alpha_index, 224), width=224, output_format="PNG")
        z = walk.point(alpha_index)
        coordinates = ", ".join(f"{v:.2f}" for v in z[:4]) + (", …" if len(z) > 4 else "")
        st.markdown(f"**α = {alpha_index / (steps - 1):.2f}** · z = ({coordinates})")

st.markdown("**The whole path**")
st.image(walk.strip_png, width="stretch", output_format="PNG")
d1, d2, d3 = st.columns([1, 1, 4])
links.download(
    d1, "Strip (PNG)", walk.strip_png, "interpolation.png", "image/png", "interp_download_png"
)
links.download(
    d2, "Animation (GIF)", walk.gif, "interpolation.gif", "image/gif", "interp_download_gif"
)
links.share_control(d3)
