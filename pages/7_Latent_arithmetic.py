"""Latent arithmetic: attribute vectors from class means, analogies, and where 2-D makes them
fail."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.classroom import membership as classroom
from explorer.comparisons import arithmetic_view
from explorer.core import caches, sidebar

shell.ensure_frame()
st.title("Latent arithmetic")
entry = sidebar.require_model(sidebar.current_entry(), min_dim=2)
if entry.conditional:
    st.info(
        "A conditional VAE takes the class as an input, so its codes carry no class to add or "
        "subtract: pick an unconditional model in the sidebar."
    )
    st.stop()
names = caches.class_names(entry.dataset)
if len(names) < 2:
    st.info("Latent arithmetic moves codes between class means: this dataset has no classes.")
    st.stop()
judge, judge_problem = caches.classifier(entry.dataset)
st.caption(
    "Codes are points, so they can be added. The arrow from one class's mean code to another's is "
    "an *attribute vector*: added to any code, it should carry that image towards the other class. "
    "A classifier trained on the training images says what each decoded image looks like."
)
if judge_problem:
    st.warning(f"Decoded images are shown without a verdict: {judge_problem}.")
event = arithmetic_view.take_event()
mode = st.radio("What to try", list(arithmetic_view.MODES), horizontal=True, key="arith_mode")
if classroom.following():
    st.caption(
        "Following the teacher: the arrows and the answer's star on the map are the teacher's, as "
        "they change; the choices and images below are yours."
    )
arithmetic_view.MODES[mode](entry, names, event, classroom.canvas_room())
