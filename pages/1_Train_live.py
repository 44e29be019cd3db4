"""Train live: configure a model, train it in the background, watch it learn."""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae_core import app_support as app
from vae_core.config import ModelConfig, TrainConfig
from vae_core.jobs import DONE, FAILED, FINISHED, QUEUED, RUNNING, STOPPED
from vae_core.latent import data_extent
from vae_core.store import resolve_checkpoint, zip_checkpoint
from vae_core.viz import latent_map, loss_curves, replay_figure, upscale

app.ensure_frame()
st.title("Train live")
st.caption(
    "Pick an objective and a network, press **Train**, and watch the loss fall and the latent space "
    "organise itself epoch by epoch. Finished models land in the store and appear in every page's "
    "model picker; a configuration that is already stored opens at once instead of retraining."
)
state = st.session_state

KINDS = {
    "VAE (ELBO)": "vae",
    "β-VAE": "beta_vae",
    "MMD-VAE (InfoVAE)": "mmd_vae",
    "Autoencoder": "ae",
    "Conditional VAE": "cvae",
}
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
SUBSETS = {"all 60,000": 0, "20,000": 20_000, "5,000 (fast demo)": 5_000}


def parse_widths(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError("hidden layer widths must be positive whole numbers separated by commas, e.g. 512,256")
    return tuple(int(p) for p in parts)


with st.form("train_form"):
    c1, c2, c3 = st.columns(3)
    dataset = c1.selectbox(
        "Dataset",
        list(app.DATASET_LABELS),
        format_func=app.DATASET_LABELS.get,
        key="train_dataset",
        index=list(app.DATASET_LABELS).index(state.get(app.STATE_DATASET, "mnist")),
    )
    kind_label = c1.selectbox("Model", list(KINDS), key="train_kind")
    architecture = c1.radio(
        "Architecture",
        ["mlp", "conv"],
        horizontal=True,
        key="train_arch",
        format_func={"mlp": "MLP", "conv": "Convolutional"}.get,
    )
    hidden_text = c2.text_input("Hidden layer widths", "512,256", key="train_hidden")
    latent_dim = c2.number_input("Latent dimension", 1, 32, 2, key="train_latent_dim")
    beta = c2.number_input("β (KL weight; β-VAE)", 0.0, 100.0, 4.0, step=0.25, key="train_beta")
    mmd_weight = c2.number_input("λ (MMD weight; MMD-VAE)", 0.0, 100_000.0, 1000.0, step=100.0, key="train_lambda")
    kernel = c2.selectbox(
        "MMD kernel", ["imq", "rbf"], key="train_kernel", format_func={"imq": "inverse multiquadric", "rbf": "Gaussian (RBF)"}.get
    )
    epochs = c3.slider("Epochs", 1, 60, 10, key="train_epochs")
    learning_rate = c3.select_slider("Learning rate", LEARNING_RATES, value=1e-3, key="train_lr")
    batch_size = c3.select_slider("Batch size", [32, 64, 128, 256, 512], value=128, key="train_batch")
    subset_label = c3.selectbox("Training images", list(SUBSETS), key="train_subset")
    seed = c3.number_input("Seed", 0, 10_000, 0, key="train_seed")
    submitted = st.form_submit_button("Train", type="primary")

if submitted:
    kind = KINDS[kind_label]
    try:
        model_config = ModelConfig(
            model="vae" if kind == "beta_vae" else kind,
            architecture=architecture,
            hidden_sizes=parse_widths(hidden_text),
            latent_dim=int(latent_dim),
            beta=float(beta) if kind == "beta_vae" else 1.0,
            mmd_weight=float(mmd_weight),
            mmd_kernel=kernel,
        )
        subset = SUBSETS[subset_label]
        train_config = TrainConfig(
            dataset=dataset,
            epochs=int(epochs),
            batch_size=int(batch_size),
            learning_rate=float(learning_rate),
            train_subset=subset,
            seed=int(seed),
            lr_schedule="cosine",
        )
        if subset and batch_size > subset:
            raise ValueError(f"batch size {batch_size} is larger than the {subset} training images")
    except ValueError as error:
        st.error(f"Cannot train this configuration: {error}")
    else:
        job = app.job_manager().submit(model_config, train_config)
        state["train_job"] = job.job_id

job = app.job_manager().get(state["train_job"]) if state.get("train_job") else None
if job is None:
    st.info("Choose a configuration above and press **Train**. A 5,000-image MLP run takes a few seconds per epoch.")
    st.stop()


def show(snapshot) -> None:
    status = snapshot.status
    if status == QUEUED:
        st.warning(f"Waiting for a free trainer: position {snapshot.queue_position} in the queue.")
    elif status == RUNNING:
        eta = "estimating…" if snapshot.eta is None else f"about {snapshot.eta:.0f} s left"
        st.progress(snapshot.fraction, text=f"Epoch {snapshot.epochs_done}/{snapshot.epochs} · {eta}")
    elif status == DONE:
        st.success(snapshot.message)
    elif status == STOPPED:
        st.warning(snapshot.message)
    elif status == FAILED:
        st.error(snapshot.message)
    if snapshot.history:
        st.plotly_chart(loss_curves(snapshot.history), key="train_curves")
    if snapshot.live_codes:
        left, right = st.columns([3, 2])
        codes = snapshot.live_codes[-1]
        names = app.class_names(job.train_config.dataset)
        with left:
            if codes.shape[1] >= 2 and len(snapshot.live_codes) > 1 and status in (DONE, STOPPED):
                st.markdown(
                    f"**Replay: the latent means of {len(codes):,} test images after each of the {len(snapshot.live_codes)} epochs**"
                )
                st.plotly_chart(replay_figure(np.stack(snapshot.live_codes), snapshot.live_labels, names), key="train_replay")
            elif codes.shape[1] >= 2:
                st.markdown(f"**Latent means of {len(codes):,} test images after epoch {len(snapshot.live_codes)}**")
                x_min, x_max, y_min, y_max = data_extent(codes)
                half = max(x_max - x_min, y_max - y_min) / 2
                cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
                figure = latent_map(
                    codes[:, :2],
                    snapshot.live_labels,
                    names,
                    (cx - half, cx + half, cy - half, cy + half),
                    click_grid=0,
                    height=460,
                )
                st.plotly_chart(figure, key="train_scatter")
            else:
                st.markdown("**A one-dimensional latent space: how many test codes fall at each position**")
                counts, edges = np.histogram(codes[:, 0], bins=40)
                st.bar_chart({"test images": counts}, x_label="z", y_label="count")
        with right:
            if snapshot.reconstructions is not None:
                st.markdown("**Test images (top) and their reconstructions (bottom)**")
                originals, recon = snapshot.reconstructions
                st.image([upscale(i, 56) for i in originals], width=56)
                st.image([upscale(i, 56) for i in recon], width=56)
    if status in (DONE, STOPPED) and snapshot.checkpoint_name:
        name = snapshot.checkpoint_name
        st.download_button(
            "Download the checkpoint (zip)",
            data=lambda: zip_checkpoint(resolve_checkpoint(name)),
            file_name=f"{name}.zip",
            mime="application/zip",
            on_click="ignore",
            key="train_download",
            icon=":material/download:",
        )
        if st.button("Explore this model", type="primary", key="train_open"):
            entry = app.find_entry(snapshot.checkpoint_name)
            if entry is not None:
                state[app.STATE_DATASET], state[app.STATE_MODEL] = entry.dataset, entry.name
            st.switch_page("pages/2_Latent_map.py")


@st.fragment(run_every=1.0)
def live() -> None:
    snapshot = job.snapshot()
    if st.button("Stop (keeps the last finished epoch)", key="train_stop", disabled=snapshot.status not in (QUEUED, RUNNING)):
        job.stop()
    show(snapshot)
    if snapshot.status in FINISHED:
        app.model_entries.clear()  # the new checkpoint shows in every picker
        st.rerun(scope="app")


current = job.snapshot()
if current.status in FINISHED:
    show(current)
else:
    live()
