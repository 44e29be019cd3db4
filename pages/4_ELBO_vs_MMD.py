"""ELBO vs MMD: the two objectives on the same data and the same axes."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.classroom import membership as classroom
from explorer.comparisons import compare_view
from explorer.core import caches, sidebar

shell.ensure_frame()
st.title("ELBO vs MMD")
dataset = sidebar.current_dataset()
st.caption(
    "Left: a VAE trained on the ELBO, whose KL term pulls every image's code towards N(0, I). "
    "Right: an MMD-VAE, which only asks that the cloud of all codes matches N(0, I). Dotted and "
    "dashed circles mark the prior's 1σ and 2σ. Move over either map: the same z is decoded by "
    "both models as you go; click to pin it. Drag a box or lasso (toolbar) on either map to "
    "select images: the same images light up on the other map; double-click to clear."
)
pair = compare_view.pick_pair(dataset)
if pair is None:
    st.stop()
compare_view.take_event()
following = classroom.following()
if pair.view == compare_view.SIDE_BY_SIDE:
    compare_view.side_by_side(pair, following, classroom.canvas_room())
else:
    compare_view.joined(pair, caches.class_names(dataset))
compare_view.both_decoders(pair, following)
compare_view.numbers(pair, dataset)
