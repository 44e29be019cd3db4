"""Latent map: the test set in latent space; hover to decode any position, click to pin it."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.classroom import quiz_view
from explorer.core import caches, session, sidebar
from explorer.maps import controls, map_canvas, map_settings, pinned, planes, upload
from explorer.standalone import publish_view

shell.ensure_frame()
st.title("Latent map")
entry = sidebar.require_model(sidebar.current_entry(), min_dim=2)
names = caches.class_names(entry.dataset)
room = quiz_view.room_part()
colours = quiz_view.colouring(room["quiz"], names)
st.caption(
    f"Each dot is a test image placed at its encoder mean, {colours}. "
    "Move over the map: the image at that position is decoded as you go. Click **anywhere** to "
    "pin a point (drag the star to move it); the nearest real test images appear below."
)
quiz_view.student_notice(room["quiz"], names)

# On screen: the plane, the buttons, the map, then the options and the upload (the map stays
# high on a projector); in the run, options and upload come first, since the map reads them.
slice_slot, button_row, map_slot = st.container(), st.container(), st.container()
settings = map_settings.display_options(entry)
label = map_settings.class_picker(entry, names)
chosen = None
if entry.latent_dim > 2:  # the map is a plane through the latent space
    with slice_slot:
        chosen = planes.picker(entry, names, session.view().point)
controls.forget_other_models_samples(entry)
upload.upload_section(entry, label)
draw, lens = controls.control_row(button_row, entry, names)

request = map_settings.MapRequest(
    entry, names, settings, label, chosen, draw=draw, lens=lens, **room
)
with map_slot:
    map_canvas.map_fragment(request)
quiz_view.teacher_answers(entry, names)
pinned.replay(request)
publish_view.publish_section(request)
