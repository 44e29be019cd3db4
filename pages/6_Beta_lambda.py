"""β / λ: slide along a family of models that differ only in the weight of the regulariser."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.core import sidebar
from explorer.training import families, family_view
from explorer.training import train_live as training

shell.ensure_frame()
st.title("β / λ sweep")
dataset = sidebar.current_dataset()
st.caption(
    "The same network trained with a different weight on its regulariser. A small β lets the VAE "
    "ignore the prior (sharp reconstructions, a spread-out, holey space); a large β pulls every "
    "code to N(0, I) (blurry, overlapping). λ does the same for the MMD-VAE's match between the "
    "cloud of codes and the prior. Every member is a network with hidden widths 256 and 128 "
    f"(smaller than the other shipped models) trained for {families.FAMILY_EPOCHS} epochs; the "
    "MNIST families ship with the explorer, others are trained on demand and stored, so each is "
    "trained once per server."
)
_, notice = training.where_trainings_run()
if notice:
    st.warning(notice)
family, value = family_view.pick_member()
members = families.family_members(family, dataset)
running = family_view.running_jobs()
family_view.train_buttons(family, dataset, value, members, running)
family_view.progress(family, running)
family_view.member_view(family, dataset, value, members, running)
family_view.terms_along(family, members)
