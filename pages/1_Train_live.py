"""Train live: configure a model, train it in the background, watch it learn."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.training import add_images, job_view, step_view, train_form

shell.ensure_frame()
st.title("Train live")
st.caption(
    "Pick an objective and a network, press **Train**, and watch the loss fall and the latent "
    "space organise itself epoch by epoch. Finished models land in the store and appear in every "
    "page's model picker; a configuration that is already stored opens at once instead of "
    "retraining."
)
add_images.add_images_section()
mode = train_form.where_and_mode()
kind = train_form.kind_picker()
form, submitted = train_form.train_form(kind, mode)
if submitted:
    train_form.start(form, mode)
if mode == train_form.STEPS:
    step_view.step_by_step()
else:
    job_view.job_section()
