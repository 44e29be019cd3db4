"""Training step by step: the model learns only when Step is pressed (or once a second in slow
motion), and the page shows every test code moving and each batch's loss."""

from __future__ import annotations

import streamlit as st

from explorer.core import caches
from explorer.training import train_live as training
from vae_core.viz import batch_losses, latent_histogram, step_map

NOT_SET_UP = (
    "Choose a configuration above and press **Set up**: the model starts untrained and learns "
    "only when you step."
)


def step_by_step() -> None:
    """The step row and what the last step did; a step trains in its own thread, so the page
    looks again until it ends."""
    state = st.session_state
    stepper = state.get("train_stepper")
    if stepper is None:
        st.info(NOT_SET_UP)
        return
    if state.pop("train_slow_off", False):  # a diverged slow-motion step turns slow motion off
        state["train_slow"] = False
    # At their own widths, wrapping where the page is narrow: no label is cut.
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
    size = (
        row.segmented_control(
            "Step size", list(training.STEP_SIZES), default="10 batches", key="train_step_size"
        )
        or "1 batch"
    )
    if row.button("Step", type="primary", key="train_step", icon=":material/skip_next:"):
        state["train_step_refused"] = training.start_step(stepper, size)
    slow = row.toggle("Slow motion: one step a second", key="train_slow")
    watching = stepper.busy
    every = 1.0 if slow else 0.4 if watching else None
    st.fragment(_stepping, run_every=every)(stepper, size, slow, watching)


def _stepping(stepper, size: str, slow: bool, watching: bool) -> None:
    state = st.session_state
    if slow and not stepper.busy:
        training.start_step(stepper, size)
    failure = training.step_failure(stepper)
    if failure:
        st.error(failure)
        if slow:
            state["train_slow_off"] = True
            st.rerun(scope="app")
    if stepper.busy:
        st.caption(f"Training {size}… the map and the losses follow when the step ends.")
        if state.get("train_step_refused"):
            st.info(state["train_step_refused"])
    elif watching and not slow:
        state.pop("train_step_refused", None)
        st.rerun(scope="app")  # the step is over: draw it, and stop looking
    show_step(stepper, stepper.last)


def show_step(stepper, step) -> None:
    """How far training has come, the codes before and after the last step, the batch losses."""
    m1, m2, m3 = st.columns(3)
    m1.metric("Batches trained", f"{stepper.batches_done:,}")
    m2.metric(
        "Epochs",
        f"{stepper.epochs_done:.2f}",
        help=f"{stepper.batches_per_epoch} batches make an epoch",
    )
    if step is not None:
        terms = training.step_terms(step)
        m3.metric(
            "Loss in the last step",
            f"{terms['loss']:.1f}",
            help=", ".join(f"{k} {v:.2f}" for k, v in terms.items()),
        )
    _codes(stepper, step)
    if stepper.history:
        st.plotly_chart(
            batch_losses(stepper.history, len(step.batches) if step else 0), key="train_step_losses"
        )


def _codes(stepper, step) -> None:
    names = caches.class_names(stepper.trainer.train_config.dataset)
    if stepper.codes.shape[1] < 2:
        st.plotly_chart(
            latent_histogram(stepper.codes, stepper.labels, names), key="train_step_histogram"
        )
        return
    before = stepper.codes if step is None else step.codes_before
    st.markdown(
        f"**Latent means of {len(stepper.labels):,} test images; grey lines join each to where "
        "it was before the step**"
    )
    extent = training.step_extent(stepper, step)
    st.plotly_chart(
        step_map(before, stepper.codes, stepper.labels, names, extent), key="train_step_map"
    )
