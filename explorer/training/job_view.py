"""A training in the background as the Train live page shows it: its progress, its loss
curves and codes as they change, and, once it ends, the checkpoint to download, name and
explore."""

from __future__ import annotations

import streamlit as st

from explorer.core import caches, catalog, links, sidebar
from explorer.training import train_live as training
from vae_core.viz import latent_histogram, latent_map, loss_curves, replay_figure

NO_JOB = (
    "Choose a configuration above and press **Train**. A 5,000-image MLP run takes a few seconds "
    "per epoch."
)


def job_section() -> None:
    """This session's last job, followed every second until it ends."""
    job = training.job(st.session_state.get("train_job"))
    if job is None:
        st.info(NO_JOB)
        return
    current = job.snapshot()
    if current.status in training.FINISHED:
        show(job, current)
    else:
        live(job)


@st.fragment(run_every=1.0)
def live(job) -> None:
    snapshot = job.snapshot()
    running = snapshot.status in (training.QUEUED, training.RUNNING)
    if st.button("Stop (keeps the last finished epoch)", key="train_stop", disabled=not running):
        job.stop()
    show(job, snapshot)
    if snapshot.status in training.FINISHED:
        caches.catalog.clear()  # the new checkpoint shows in every picker
        st.rerun(scope="app")


def show(job, snapshot) -> None:
    show_status(snapshot)
    if snapshot.history:
        st.plotly_chart(loss_curves(snapshot.history), key="train_curves")
    show_codes(job, snapshot)
    if snapshot.status in (training.DONE, training.STOPPED) and snapshot.checkpoint_name:
        show_result(snapshot)


def show_status(snapshot) -> None:
    if snapshot.status == training.QUEUED:
        st.warning(f"Waiting for a free trainer: {snapshot.where}.")
    elif snapshot.status == training.RUNNING:
        eta = "estimating…" if snapshot.eta is None else f"about {snapshot.eta:.0f} s left"
        st.progress(
            snapshot.fraction, text=f"Epoch {snapshot.epochs_done}/{snapshot.epochs} · {eta}"
        )
        if snapshot.where:
            st.caption(snapshot.where[0].upper() + snapshot.where[1:] + ".")
    elif snapshot.status == training.DONE:
        st.success(training.outcome(snapshot))
    elif snapshot.status == training.STOPPED:
        st.warning(training.outcome(snapshot))
    elif snapshot.status == training.FAILED:
        st.error(snapshot.message)


def show_codes(job, snapshot) -> None:
    """The test codes after the last epoch (a replay once the run ends) beside reconstructions."""
    live_codes = training.live_codes(snapshot)
    if live_codes is None:
        return
    names = caches.class_names(job.train_config.dataset)
    left, right = st.columns([3, 2])
    with left:
        _codes(live_codes, names, snapshot.status in (training.DONE, training.STOPPED))
    with right:
        pictures = training.reconstructions(snapshot)
        if pictures is not None:
            st.markdown("**Test images (top) and their reconstructions (bottom)**")
            st.image(pictures[0], width=56, output_format="PNG")
            st.image(pictures[1], width=56, output_format="PNG")


def _codes(codes: training.LiveCodes, names, ended: bool) -> None:
    count = len(codes.labels)
    if codes.dims >= 2 and codes.epochs > 1 and ended:
        st.markdown(
            f"**Replay: the latent means of {count:,} test images after each of the "
            f"{codes.epochs} epochs**"
        )
        st.plotly_chart(replay_figure(codes.frames, codes.labels, names), key="train_replay")
    elif codes.dims >= 2:
        st.markdown(f"**Latent means of {count:,} test images after epoch {codes.epochs}**")
        figure = latent_map(
            codes.latest[:, :2], codes.labels, names, codes.extent, click_grid=0, height=460
        )
        st.plotly_chart(figure, key="train_scatter")
    else:
        st.markdown("**A one-dimensional latent space: how many test codes fall at each position**")
        st.plotly_chart(latent_histogram(codes.latest, codes.labels, names), key="train_histogram")


def show_result(snapshot) -> None:
    """The finished checkpoint: download it, name it, open it on the Latent map."""
    name = snapshot.checkpoint_name
    links.download(
        st,
        "Download the checkpoint (zip)",
        lambda: catalog.checkpoint_zip(name),
        f"{name}.zip",
        "application/zip",
        "train_download",
    )
    _name_form(name)
    if st.button("Explore this model", type="primary", key="train_open"):
        entry = caches.catalog().find(name)
        if entry is not None:
            sidebar.open_model(entry)
        st.switch_page("pages/2_Latent_map.py")


def _name_form(name: str) -> None:
    with st.form("train_name_form", border=False):
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        given = c1.text_input(
            "Name it (shown in every picker)",
            training.model_name(name) or "",
            max_chars=60,
            key="train_name",
            placeholder="e.g. my first VAE",
        )
        if c2.form_submit_button("Save the name"):
            try:
                training.name_model(name, given)
            except ValueError as error:
                st.error(str(error))
            else:
                caches.catalog.clear()
                st.success("Named: pickers show it from now on.")
