"""The Interpolate page's parts: where the ends come from (two test images, two class means,
two clicks on the map, or a room's), the path's widgets mirroring the View, the map with the
path drawn, and the frames decoded along it."""

from __future__ import annotations

import streamlit as st

from explorer.canvas import component as canvas
from explorer.comparisons import interpolation
from explorer.core import caches, links, session
from explorer.core.catalog import ModelEntry
from explorer.core.view import ViewError
from explorer.maps import points
from explorer.maps.map_settings import pick_test_image
from vae_core.data.catalog import get as get_dataset

ENDPOINTS = {
    "images": "Two test images",
    "means": "Two class means",
    "clicks": "Two clicks on the latent map",
}
CLICKED = "interp_clicked"  # the ends set on the map, kept while others are shown (per model)
FOLLOWING = (
    "Following the teacher: the ends, the path, its frames and α follow the teacher's on the map, "
    "decoded in your browser beside it. Turn off **Follow the teacher** to choose your own."
)
FAR = (
    "Point {tag} lies far outside the codes: the nearest test image's code is {distance:.1f} "
    "away. The decoder was never trained near there, so the frames near it say little about the "
    "model."
)


def take_clicked_ends(entry: ModelEntry, following: bool) -> None:
    """Ends set or dragged on the map become the endpoints; a room's or a link's ends (or
    another model) replace the ones kept."""
    state = st.session_state
    try:
        event = canvas.take_event("interp_canvas")
    except canvas.CanvasInputError as error:
        st.warning(f"Ignored a message from the map: {error}.")
        event = None
    if state.get("interp_clicked_model") != entry.name or following:
        state[CLICKED], state["interp_clicked_model"] = session.view().ends, entry.name
    if event is not None and event.kind == "ends":
        state[CLICKED] = event.ends
        state["interp_source"] = "clicks"


def endpoint_source(entry: ModelEntry, following: bool) -> str:
    """Which ends: a follower's are the room's clicks; a room's or a link's ends are clicks."""
    state = st.session_state
    if following or "interp_source" not in state:
        state["interp_source"] = "clicks" if session.view().ends is not None else "images"
    if following:
        st.info(FOLLOWING)
        return "clicks"
    classes = len(caches.class_names(entry.dataset))
    choices = [k for k in ENDPOINTS if k != "means" or classes >= 2]
    if state.get("interp_source") not in choices:
        state["interp_source"] = choices[0]
    return st.radio(
        "Endpoints",
        choices,
        format_func=ENDPOINTS.get,
        horizontal=True,
        key="interp_source",
        disabled=entry.latent_dim < 2,
        help="Two class means: the walk from the average code of one class to another's.",
    )


def endpoints(entry: ModelEntry, names, source: str) -> list | None:
    """The two codes the walk joins (None until both clicks are set); the View carries them."""
    if source == "images":
        col_a, col_b = st.columns(2)
        class_a, class_b = get_dataset(entry.dataset).example("pair", 2)
        index_a = _pick_image(col_a, entry, names, "A", class_a)
        index_b = _pick_image(col_b, entry, names, "B", class_b)
        ends = points.test_codes(entry.name, [index_a, index_b])
    elif source == "means":
        col_a, col_b = st.columns(2)
        classes = {"format_func": lambda i: names[i]}
        first = col_a.selectbox(
            "A: mean of class",
            range(len(names)),
            index=min(1, len(names) - 1),
            key="interp_mean_A",
            **classes,
        )
        second = col_b.selectbox(
            "B: mean of class",
            range(len(names)),
            index=min(7, len(names) - 1),
            key="interp_mean_B",
            **classes,
        )
        ends = interpolation.class_mean_ends(entry.name, first, second)
    else:
        clicked = st.session_state.get(CLICKED)
        ends = None if clicked is None else [list(end) for end in clicked]
    shown = None if ends is None else tuple(tuple(float(v) for v in end) for end in ends)
    session.update(ends=shown)
    return ends


def _pick_image(column, entry: ModelEntry, names, tag: str, default_class: int) -> int:
    with column:
        index = pick_test_image(st, entry, names, f"interp_{tag}", default_class)
        st.image(
            points.test_image(entry.dataset, index, 84),
            caption=f"test image #{index}",
            width=84,
            output_format="PNG",
        )
        return index


def path(following: bool) -> tuple[str, int, bool, int]:
    """(path, frames, animate, α's frame). The widgets mirror the View, which a room or a link
    may have set; a follower's would go stale as the teacher changes the path, so a follower
    gets the View's values, shown on the map."""
    current, state = session.view(), st.session_state
    state["interp_method"], state["interp_steps"] = current.method, current.steps
    state["interp_alpha"] = current.alpha
    if following:
        return current.method, current.steps, False, current.alpha
    c1, c2, c3 = st.columns(3)
    method = c1.radio(
        "Path",
        ["linear", "slerp"],
        horizontal=True,
        key="interp_method",
        on_change=_path_changed,
        help="slerp turns along a circle around the origin, keeping the distance from the "
        "prior's centre changing smoothly.",
    )
    steps = c2.slider("Frames", 5, 30, key="interp_steps", on_change=_path_changed)
    animate = c3.toggle("Play as animation", value=False, key="interp_play")
    alpha_index = st.select_slider(
        "α (position along the path, A → B)",
        range(steps),
        key="interp_alpha",
        format_func=lambda i: f"{i / (steps - 1):.2f}",
        on_change=_path_changed,
    )
    return method, steps, animate, alpha_index


def _path_changed() -> None:
    state = st.session_state
    steps = state["interp_steps"]
    alpha = min(state["interp_alpha"], steps - 1)
    try:
        session.update(method=state["interp_method"], steps=steps, alpha=alpha)
    except (ViewError, TypeError):  # values no widget offers (a forged request): kept as it was
        pass


def path_map(entry: ModelEntry, ends, walk, path_values, label, room, following) -> None:
    """The map with A, B and the path decoded in the browser; the star marks the frame at α."""
    method, steps, _, alpha_index = path_values
    shown = None if ends is None else tuple(tuple(float(v) for v in end[:2]) for end in ends)
    at_alpha = None if walk is None else tuple(walk.point(alpha_index)[:2])
    overlay = canvas.Overlay(
        ends=shown, method=method, steps=steps, pinned=at_alpha, pinned_by=f"alpha-{at_alpha}"
    )
    if not following:
        st.caption(
            "Click the map to set A, then B (a third click starts again at A), or drag A and B: "
            "the path and its frames are decoded in your browser as they move. The star marks "
            "the frame at α."
        )
    view = points.map_view(entry.name, entry.label, 3000, class_label=label)
    canvas.latent_canvas(
        [view],
        key="interp_canvas",
        mode="interpolate",
        overlay=overlay,
        label=label,
        height=680,
        room=room,
    )


def frames(entry: ModelEntry, ends, walk, path_values) -> None:
    """The frame at α (or the animation), the whole path as a strip, its files and the link."""
    _, steps, animate, alpha_index = path_values
    for tag, distance in interpolation.far_ends(entry.name, ends):
        st.warning(FAR.format(tag=tag, distance=distance))
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
