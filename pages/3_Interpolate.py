"""Interpolate: walk from one latent point to another and watch the decoded image morph."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.classroom import membership as classroom
from explorer.comparisons import interpolate_view, interpolation
from explorer.core import caches, sidebar
from explorer.maps import map_settings

shell.ensure_frame()
st.title("Interpolate")
entry = sidebar.require_model(sidebar.current_entry(), min_dim=1)
names = caches.class_names(entry.dataset)
st.caption(
    "Choose two endpoints, A and B. The path between their codes is decoded frame by frame: a "
    "smooth, plausible morph means the latent space is well organised along the way."
)
following = classroom.following()  # the ends, path, frames and α are then the teacher's
interpolate_view.take_clicked_ends(entry, following)
label = map_settings.class_picker(entry, names, key="interp_class")
source = interpolate_view.endpoint_source(entry, following)
ends = interpolate_view.endpoints(entry, names, source)
path = interpolate_view.path(following)
method, steps = path[:2]
walk = None if ends is None else interpolation.walk(entry.name, *ends, steps, method, label)

if entry.latent_dim >= 2:
    room = classroom.canvas_room()
    interpolate_view.path_map(entry, ends, walk, path, label, room, following)
    if following:
        st.stop()  # the frame at α and the strip below are the canvas's, kept current by the room
else:
    st.caption("A one-dimensional latent space: the path is a segment of the line.")
if walk is None:
    st.info("Click two points on the map: A, then B.")
    st.stop()
interpolate_view.frames(entry, ends, walk, path)
