"""The Latent map itself: the canvas with what it draws over the codes, what it reports back
(a pin, a drawing, a dragged anchor, a model it could not run), and the decoded point below.
Runs as a fragment: a click reruns the map alone."""

from __future__ import annotations

import streamlit as st

from explorer.canvas import component as canvas
from explorer.core import session
from explorer.maps import pinned, placing, planes, points
from explorer.maps.map_settings import MapRequest

FOLLOWING = (
    "Following the teacher: the map shows the teacher's point as it moves, decoded beside it. "
    "Turn off **Follow the teacher** to explore on your own, with the nearest test images here."
)


@st.fragment
def map_fragment(request: MapRequest) -> None:
    """The canvas and the decoded point; reruns alone on a click."""
    try:
        event = canvas.take_event("map_canvas")
    except canvas.CanvasInputError as error:
        st.warning(f"Ignored a message from the map: {error}.")
        event = None
    if event is not None:
        answer(request, event)
    point = session.view().point
    view = current_view(request)
    failed = st.session_state.get("map_browser_failed")
    if view.model_url is None or failed:
        st.info(f"Decoded on the server after each click: {view.server_reason or failed}.")
    canvas.latent_canvas(
        [view],
        key="map_canvas",
        overlay=overlay(request, point, view),
        label=request.label,
        draw=request.draw,
        height=860,
        room=request.room,
    )
    if st.session_state.get("map_quiz_message") and request.hidden:
        st.success(st.session_state["map_quiz_message"])
    if request.chosen is not None:
        pinned.traversals(request, point)
    with st.container(key="map_decoded"):
        decoded_point(request, point)


def decoded_point(request: MapRequest, point) -> None:
    if request.following:
        st.caption(FOLLOWING)
    elif point is None:
        st.query_params.pop("z", None)
        st.info("Click anywhere on the map to decode that point.")
    else:
        pinned.show_pinned(request, point)


def answer(request: MapRequest, event) -> None:
    """What the canvas reported: a pinned point, a finished drawing, a dragged anchor of the
    plane through three codes, a model it could not run."""
    chosen, state = request.chosen, st.session_state
    if event.kind == "pin":
        point = chosen.plane.codes(event.point).tolist() if chosen else event.point
        session.update(point=tuple(point), point_source="click")
        if request.hidden and request.answer_quiz is not None:
            state["map_quiz_message"] = request.answer_quiz(event.point)
    elif event.kind == "drawing":
        placed = placing.place_drawing(request.entry.name, event.pixels, request.label)
        state["map_placed"] = placed
        session.move_point(list(placed.mean), "your drawing's posterior mean")
    elif event.kind == "anchor" and chosen is not None and chosen.anchor_codes:
        key = f"map_anchors_{request.entry.name}"
        state[key] = [
            *state[key][: event.anchor],
            tuple(chosen.plane.codes(event.point).tolist()),
            *state[key][event.anchor + 1 :],
        ]
        st.rerun()  # the plane moves through the dragged anchor
    elif event.kind == "fallback":
        state["map_browser_failed"] = event.reason


def current_view(request: MapRequest) -> canvas.MapView:
    """The canvas's map: the chosen plane through a wider space, or the 2-D map."""
    entry, s = request.entry, request.settings
    if request.chosen is not None:
        return planes.plane_view(
            entry.name, entry.label, request.chosen, s.n_points, s.mosaic_n, request.label
        )
    options = request.figure_options(points.test_ellipses(entry.name, s.n_ellipses))
    return points.map_view(
        entry.name,
        entry.label,
        s.n_points,
        mosaic_n=s.mosaic_n,
        class_label=request.label,
        **options,
    )


def overlay(request: MapRequest, point, view) -> canvas.Overlay:
    """What the canvas draws over the map: the pinned point, the upload's posterior, samples,
    the quiz and the classifier lens."""
    state, chosen = st.session_state, request.chosen
    placed, samples = state.get("map_placed"), state.get("map_samples")
    if chosen:
        shown = planes.on_plane(chosen, point)
    else:
        shown = None if point is None else tuple(point[:2])
    on_server = point is not None and view.model_url is None
    return canvas.Overlay(
        pinned=shown,
        pinned_by=f"server-{state.get(session.MAP_PIN, 0)}-{chosen.key() if chosen else ''}",
        pinned_images=[points.server_image(request.entry.name, point, request.label)]
        if on_server
        else None,
        ellipses=[placed.ellipse] if placed is not None and placed.ellipse else [],
        samples=samples[1] if samples else [],
        samples_title=f"64 samples from {samples[0]}" if samples else "",
        quiz=canvas.quiz_overlay(request.quiz, request.names),
        lens=request.lens,
    )
