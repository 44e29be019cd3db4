"""Train live: configure a model, train it in the background, watch it learn."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.core import catalog, links, loaded, sidebar
from explorer.core.catalog import DATASET_LABELS
from explorer.training import train_live as training
from vae_core.viz import (
    batch_losses,
    latent_histogram,
    latent_map,
    loss_curves,
    replay_figure,
    step_map,
)

shell.ensure_frame()
st.title("Train live")
st.caption(
    "Pick an objective and a network, press **Train**, and watch the loss fall and the latent "
    "space "
    "organise itself epoch by epoch. Finished models land in the store and appear in every page's "
    "model picker; a configuration that is already stored opens at once instead of retraining."
)
where, notice = training.where_trainings_run()
st.caption(where)
if notice:
    st.warning(notice)
state = st.session_state

BACKGROUND, STEPS = "In the background", "Step by step"
mode = st.radio(
    "How to train",
    [BACKGROUND, STEPS],
    horizontal=True,
    key="train_mode",
    help=(
        "Step by step: the model learns only when you press Step (1, 10, 100 batches or an epoch), "
        "and the map shows every test code moving. Good for showing a class how training works."
    ),
)
labels = training.kind_labels()
kind = st.selectbox("Model", list(labels), format_func=labels.get, key="train_kind")
settings = training.kind_settings(kind)
st.caption(training.kind_summary(kind))

with st.form("train_form"):
    c1, c2, c3 = st.columns(3)
    dataset = c1.selectbox(
        "Dataset",
        list(DATASET_LABELS),
        format_func=DATASET_LABELS.get,
        key="train_dataset",
        index=list(DATASET_LABELS).index(sidebar.current_dataset()),
    )
    architecture = c1.radio(
        "Architecture",
        ["mlp", "conv"],
        horizontal=True,
        key="train_arch",
        format_func={"mlp": "MLP", "conv": "Convolutional"}.get,
    )
    hidden = c2.text_input("Hidden layer widths", "512,256", key="train_hidden")
    latent_dim = c2.number_input("Latent dimension", 1, 32, 2, key="train_latent_dim")
    chosen = tuple(
        (setting.name, training.setting_input(c2, kind, setting)) for setting in settings
    )
    form = training.TrainForm(
        dataset=dataset,
        kind=kind,
        architecture=architecture,
        hidden=hidden,
        latent_dim=latent_dim,
        settings=chosen,
        epochs=c3.slider("Epochs", 1, 60, 10, key="train_epochs"),
        learning_rate=c3.select_slider(
            "Learning rate", training.LEARNING_RATES, value=1e-3, key="train_lr"
        ),
        batch_size=c3.select_slider(
            "Batch size", training.BATCH_SIZES, value=128, key="train_batch"
        ),
        subset=c3.selectbox("Training images", list(training.SUBSETS), key="train_subset"),
        seed=c3.number_input("Seed", 0, 10_000, 0, key="train_seed"),
    )
    submitted = st.form_submit_button("Train" if mode == BACKGROUND else "Set up", type="primary")

if submitted and mode == STEPS:
    try:
        state["train_stepper"], state["train_last_step"] = (
            training.new_stepper(*training.configs(form)),
            None,
        )
    except ValueError as error:
        state.pop("train_stepper", None)
        st.error(f"Cannot train this configuration: {error}")
elif submitted:
    try:
        state["train_job"] = training.submit(*training.configs(form))
    except ValueError as error:
        state.pop("train_job", None)  # the error replaces the last job's result
        st.error(f"Cannot train this configuration: {error}")


def step_by_step() -> None:
    stepper = state.get("train_stepper")
    if stepper is None:
        st.info(
            "Choose a configuration above and press **Set up**: the model starts untrained and "
            "learns only when you step."
        )
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
    watching = stepper.busy  # a step trains in its own thread: the page looks again until it ends

    @st.fragment(run_every=1.0 if slow else 0.4 if watching else None)
    def stepping() -> None:
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

    stepping()


def show_step(stepper, step) -> None:
    names = loaded.class_names(stepper.trainer.train_config.dataset)
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
    before = stepper.codes if step is None else step.codes_before
    if stepper.codes.shape[1] >= 2:
        st.markdown(
            f"**Latent means of {len(stepper.labels):,} test images; grey lines join each to where "
            "it was before the step**"
        )
        st.plotly_chart(
            step_map(
                before, stepper.codes, stepper.labels, names, training.step_extent(stepper, step)
            ),
            key="train_step_map",
        )
    else:
        st.plotly_chart(
            latent_histogram(stepper.codes, stepper.labels, names), key="train_step_histogram"
        )
    if stepper.history:
        st.plotly_chart(
            batch_losses(stepper.history, len(step.batches) if step else 0), key="train_step_losses"
        )


if mode == STEPS:
    step_by_step()
    st.stop()

job = training.job(state.get("train_job"))
if job is None:
    st.info(
        "Choose a configuration above and press **Train**. A 5,000-image MLP run takes a few "
        "seconds per epoch."
    )
    st.stop()


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


def show_codes(snapshot) -> None:
    live = training.live_codes(snapshot)
    if live is None:
        return
    names = loaded.class_names(job.train_config.dataset)
    left, right = st.columns([3, 2])
    with left:
        count = len(live.labels)
        if (
            live.dims >= 2
            and live.epochs > 1
            and snapshot.status in (training.DONE, training.STOPPED)
        ):
            st.markdown(
                f"**Replay: the latent means of {count:,} test images after each of the "
                f"{live.epochs} epochs**"
            )
            st.plotly_chart(replay_figure(live.frames, live.labels, names), key="train_replay")
        elif live.dims >= 2:
            st.markdown(f"**Latent means of {count:,} test images after epoch {live.epochs}**")
            figure = latent_map(
                live.latest[:, :2], live.labels, names, live.extent, click_grid=0, height=460
            )
            st.plotly_chart(figure, key="train_scatter")
        else:
            st.markdown(
                "**A one-dimensional latent space: how many test codes fall at each position**"
            )
            st.plotly_chart(
                latent_histogram(live.latest, live.labels, names), key="train_histogram"
            )
    with right:
        pictures = training.reconstructions(snapshot)
        if pictures is not None:
            st.markdown("**Test images (top) and their reconstructions (bottom)**")
            st.image(pictures[0], width=56, output_format="PNG")
            st.image(pictures[1], width=56, output_format="PNG")


def show_result(snapshot) -> None:
    name = snapshot.checkpoint_name
    links.download(
        st,
        "Download the checkpoint (zip)",
        lambda: catalog.checkpoint_zip(name),
        f"{name}.zip",
        "application/zip",
        "train_download",
    )
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
                loaded.catalog.clear()
                st.success("Named: pickers show it from now on.")
    if st.button("Explore this model", type="primary", key="train_open"):
        entry = loaded.catalog().find(name)
        if entry is not None:
            sidebar.open_model(entry)
        st.switch_page("pages/2_Latent_map.py")


def show(snapshot) -> None:
    show_status(snapshot)
    if snapshot.history:
        st.plotly_chart(loss_curves(snapshot.history), key="train_curves")
    show_codes(snapshot)
    if snapshot.status in (training.DONE, training.STOPPED) and snapshot.checkpoint_name:
        show_result(snapshot)


@st.fragment(run_every=1.0)
def live() -> None:
    snapshot = job.snapshot()
    running = snapshot.status in (training.QUEUED, training.RUNNING)
    if st.button("Stop (keeps the last finished epoch)", key="train_stop", disabled=not running):
        job.stop()
    show(snapshot)
    if snapshot.status in training.FINISHED:
        loaded.catalog.clear()  # the new checkpoint shows in every picker
        st.rerun(scope="app")


current = job.snapshot()
if current.status in training.FINISHED:
    show(current)
else:
    live()
