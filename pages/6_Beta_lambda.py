"""β / λ: slide along a family of models that differ only in the weight of the regulariser."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.core import loaded, sidebar
from explorer.core.catalog import DATASET_LABELS
from explorer.maps import map_figures, points
from explorer.training import families
from explorer.training import train_live as training
from vae_core.viz import family_terms, latent_map

shell.ensure_frame()
st.title("β / λ sweep")
state = st.session_state
dataset = sidebar.current_dataset()
names = loaded.class_names(dataset)
st.caption(
    "The same network trained with a different weight on its regulariser. A small β lets the VAE "
    "ignore the prior (sharp reconstructions, a spread-out, holey space); a large β pulls every "
    "code to N(0, I) (blurry, overlapping). λ does the same for the MMD-VAE's match between the "
    "cloud of codes and the prior. Every member is a 784-256-128-2 network (smaller than the "
    f"other shipped models) trained for {families.FAMILY_EPOCHS} epochs; the MNIST families ship "
    "with the explorer, others are trained on demand and stored, so each is trained once per "
    "server."
)
_, notice = training.where_trainings_run()
if notice:
    st.warning(notice)

family = families.FAMILIES[
    st.radio(
        "Family",
        list(families.FAMILIES),
        format_func=lambda k: families.FAMILIES[k].title,
        horizontal=True,
        key="sweep_family",
    )
]
value = st.select_slider(
    f"{family.symbol}", family.values, value=family.values[2], key=f"sweep_{family.key}_value"
)

members = families.family_members(family, dataset)
missing = [v for v, name in members.items() if name is None]
jobs = state.setdefault("sweep_jobs", {})
running = {
    v
    for v, job_id in jobs.items()
    if (job := training.job(job_id)) is not None and job.status not in training.FINISHED
}

c1, c2 = st.columns([1, 3])
if members[value] is None and value not in running:
    if c1.button(f"Train {family.symbol} = {value:g}", type="primary", key="sweep_train_one"):
        jobs[value] = families.submit_member(family, dataset, value)
        st.rerun()
if missing and c2.button(f"Train every missing member ({len(missing)})", key="sweep_train_all"):
    for v in missing:
        if v not in running:
            jobs[v] = families.submit_member(family, dataset, v)
    st.rerun()


@st.fragment(run_every=2.0 if running else None)
def progress() -> None:
    pending = {
        v: s
        for v, job_id in jobs.items()
        if (job := training.job(job_id)) and (s := job.snapshot()).status not in training.FINISHED
    }
    for v, snapshot in sorted(pending.items()):
        where = (
            f"queued, position {snapshot.queue_position}"
            if snapshot.status == training.QUEUED
            else f"epoch {snapshot.epochs_done}/{snapshot.epochs}"
        )
        st.progress(snapshot.fraction, text=f"{family.symbol} = {v:g}: {where}")
    if running and not pending:
        loaded.catalog.clear()
        st.rerun(scope="app")


progress()

name = members[value]
if name is None and value in running:
    st.info(f"{family.symbol} = {value:g} is training: its map appears here when it is done.")
elif name is None:
    st.info(
        f"{family.symbol} = {value:g} is not trained yet on {DATASET_LABELS[dataset]}: press "
        "the button above."
    )
else:
    codes = loaded.encoded(name)
    shared = st.toggle(
        f"The same axes for every {family.symbol}",
        value=False,
        key="sweep_shared_axes",
        help=(
            f"On: compare sizes across {family.symbol} (small clouds stay small). Off: each map "
            "fills its axes, so the shape of every cloud can be seen."
        ),
    )
    extent = families.family_extent(members) if shared else map_figures.map_extent(name)
    axes = (
        f"the same axes for every {family.symbol}"
        if shared
        else "axes fitted to this model's codes"
    )
    left, right = st.columns([3, 2])
    with left:
        figure = latent_map(
            codes.mu[:3000],
            codes.labels[:3000],
            names,
            extent,
            prior_circles=True,
            click_grid=0,
            title=f"{family.symbol} = {value:g} ({axes})",
            height=560,
        )
        st.plotly_chart(figure, key="sweep_map")
    with right:
        st.markdown("**Decoded grid over [-2.5, 2.5]²**")
        st.image(
            points.decoded_grid(name, (-2.5, 2.5, -2.5, 2.5), n=12, size=336),
            width=336,
            output_format="PNG",
        )

terms = families.family_terms(family, members)
if terms is not None:
    st.markdown("**How the terms change along the family** (test split, per image)")
    st.plotly_chart(family_terms(terms.values, terms.terms, family.symbol), key="sweep_terms")
    st.dataframe(terms.table, width="stretch")
