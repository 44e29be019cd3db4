"""β / λ: slide along a family of models that differ only in the weight of the regulariser."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from vae_core import app_support as app
from vae_core.families import FAMILIES, FAMILY_EPOCHS
from vae_core.jobs import FINISHED
from vae_core.latent import decode_grid
from vae_core.viz import latent_map, upscale

app.ensure_frame()
st.title("β / λ sweep")
state = st.session_state
dataset = state.get(app.STATE_DATASET, "mnist")
names = app.class_names(dataset)
st.caption(
    "The same network trained with a different weight on its regulariser. A small β lets the VAE ignore the prior "
    "(sharp reconstructions, a spread-out, holey space); a large β pulls every code to N(0, I) (blurry, overlapping). "
    "λ does the same for the MMD-VAE's match between the cloud of codes and the prior. Members are trained on demand "
    f"({FAMILY_EPOCHS} epochs each) and stored, so each is trained once per server."
)

family = FAMILIES[
    st.radio("Family", list(FAMILIES), format_func=lambda k: FAMILIES[k].title, horizontal=True, key="sweep_family")
]
value = st.select_slider(f"{family.symbol}", family.values, value=family.values[2], key=f"sweep_{family.key}_value")

stored = {v: family.stored_name(dataset, v) for v in family.values}
missing = [v for v in family.values if stored[v] is None]
manager = app.job_manager()
jobs = state.setdefault("sweep_jobs", {})
running = {v: manager.get(j) for v, j in jobs.items() if manager.get(j) is not None and manager.get(j).status not in FINISHED}

c1, c2 = st.columns([1, 3])
if stored[value] is None and value not in running:
    if c1.button(f"Train {family.symbol} = {value:g}", type="primary", key="sweep_train_one"):
        jobs[value] = manager.submit(*family.configs(dataset, value)).job_id
        st.rerun()
if missing and c2.button(f"Train every missing member ({len(missing)})", key="sweep_train_all"):
    for v in missing:
        if v not in running:
            jobs[v] = manager.submit(*family.configs(dataset, v)).job_id
    st.rerun()


@st.fragment(run_every=2.0 if running else None)
def progress() -> None:
    active = {v: manager.get(j).snapshot() for v, j in jobs.items() if manager.get(j) is not None}
    pending = {v: s for v, s in active.items() if s.status not in FINISHED}
    for v, snapshot in sorted(pending.items()):
        where = (
            f"queued, position {snapshot.queue_position}"
            if snapshot.status == "queued"
            else f"epoch {snapshot.epochs_done}/{snapshot.epochs}"
        )
        st.progress(snapshot.fraction, text=f"{family.symbol} = {v:g}: {where}")
    if running and not pending:
        app.model_entries.clear()
        st.rerun(scope="app")


progress()

name = stored[value]
if name is None:
    st.info(f"{family.symbol} = {value:g} is not trained yet on {app.DATASET_LABELS[dataset]}: press the button above.")
else:
    model = app.get_model(name)
    codes = app.encoded(name)
    extent = app.map_extent(name)
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(
            latent_map(
                codes["mu"][:3000],
                codes["labels"][:3000],
                names,
                extent,
                prior_circles=True,
                click_grid=0,
                title=f"{family.symbol} = {value:g}",
                height=520,
            ),
            key="sweep_map",
        )
    with right:
        st.markdown("**Decoded grid over [-2.5, 2.5]²**")
        st.image(upscale(decode_grid(model, (-2.5, 2.5, -2.5, 2.5), n=12).mosaic, 336), width=336)

rows = []
for v in family.values:
    if stored[v] is None:
        continue
    entry = app.find_entry(stored[v])
    test = entry.metrics.get("test", {}) if entry else {}
    rows.append(
        {family.symbol: v, "reconstruction (nats)": test.get("recon"), "KL (nats)": test.get("kl"), "MMD": test.get("mmd")}
    )
if rows:
    table = pd.DataFrame(rows).set_index(family.symbol).dropna(axis=1, how="all")
    st.markdown("**How the terms change along the family** (test split, nats per image)")
    st.line_chart(table, x_label=family.symbol)
    st.dataframe(table, width="stretch")
