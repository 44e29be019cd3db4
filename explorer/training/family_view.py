"""The β / λ page's parts: the family and the member chosen, the buttons that train missing
members, their progress, the chosen member's map and decoded grid, and the terms along the
family."""

from __future__ import annotations

import streamlit as st

from explorer.core import caches
from explorer.core.catalog import dataset_label
from explorer.maps import map_figures, points
from explorer.training import families
from explorer.training import train_live as training

GRID = (-2.5, 2.5, -2.5, 2.5)  # the decoded grid's square, the same for every member


def pick_member() -> tuple[families.Family, float]:
    """The family (β-VAE or MMD-VAE) and the weight chosen along it."""
    key = st.radio(
        "Family",
        list(families.FAMILIES),
        format_func=lambda k: families.FAMILIES[k].title,
        horizontal=True,
        key="sweep_family",
    )
    family = families.FAMILIES[key]
    value = st.select_slider(
        f"{family.symbol}", family.values, value=family.values[2], key=f"sweep_{family.key}_value"
    )
    return family, value


def _jobs() -> dict:
    """This session's family trainings: weight -> job id."""
    return st.session_state.setdefault("sweep_jobs", {})


def running_jobs() -> set[float]:
    """The members this session asked for whose training has not ended."""
    jobs = _jobs()
    return {
        v
        for v, job_id in jobs.items()
        if (job := training.job(job_id)) is not None and job.status not in training.FINISHED
    }


def train_buttons(family, dataset: str, value: float, members: dict, running: set) -> None:
    """Train the chosen member, or every missing one (each once, however often pressed)."""
    jobs = _jobs()
    missing = [v for v, name in members.items() if name is None]
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


def progress(family, running: set) -> None:
    """Each pending member's progress, looked at every two seconds while any trains."""
    st.fragment(_progress, run_every=2.0 if running else None)(family, running)


def _progress(family, running: set) -> None:
    jobs = _jobs()
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
        caches.catalog.clear()
        st.rerun(scope="app")


def member_view(family, dataset: str, value: float, members: dict, running: set) -> None:
    """The member's map beside its decoded grid, or why there is none yet."""
    name = members[value]
    if name is None and value in running:
        st.info(f"{family.symbol} = {value:g} is training: its map appears here when it is done.")
        return
    if name is None:
        st.info(
            f"{family.symbol} = {value:g} is not trained yet on {dataset_label(dataset)}: press "
            "the button above."
        )
        return
    shared = st.toggle(
        f"The same axes for every {family.symbol}",
        value=False,
        key="sweep_shared_axes",
        help=f"On: compare sizes across {family.symbol} (small clouds stay small). Off: each map "
        "fills its axes, so the shape of every cloud can be seen.",
    )
    left, right = st.columns([3, 2])
    with left:
        figure = _member_map(family, name, value, members, shared, caches.class_names(dataset))
        st.plotly_chart(figure, key="sweep_map")
    with right:
        st.markdown("**Decoded grid over [-2.5, 2.5]²**")
        grid = points.decoded_grid(name, GRID, n=12, size=336)
        st.image(grid, width=336, output_format="PNG")


def _member_map(family, name: str, value: float, members: dict, shared: bool, names):
    from vae_core.viz import latent_map

    codes = caches.encoded(name)
    extent = families.family_extent(members) if shared else map_figures.map_extent(name)
    axes = (
        f"the same axes for every {family.symbol}"
        if shared
        else "axes fitted to this model's codes"
    )
    return latent_map(
        codes.mu[:3000],
        codes.labels[:3000],
        names,
        extent,
        prior_circles=True,
        click_grid=0,
        title=f"{family.symbol} = {value:g} ({axes})",
        height=560,
    )


def terms_along(family, members: dict) -> None:
    """How each term of the objective changes along the family, as a chart and a table."""
    from vae_core.viz import family_terms

    terms = families.family_terms(family, members)
    if terms is None:
        return
    st.markdown("**How the terms change along the family** (test split, per image)")
    st.plotly_chart(family_terms(terms.values, terms.terms, family.symbol), key="sweep_terms")
    st.dataframe(terms.table, width="stretch")
