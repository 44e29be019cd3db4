"""The Train live form: how to train, the model kind and its own settings, the network and
the run; pressing the button starts a background job or sets up a model to step by hand."""

from __future__ import annotations

import streamlit as st

from explorer.core import sidebar
from explorer.core.catalog import dataset_label, dataset_names
from explorer.training import train_live as training

BACKGROUND, STEPS = "In the background", "Step by step"
STEPS_HELP = (
    "Step by step: the model learns only when you press Step (1, 10, 100 batches or an epoch), "
    "and the map shows every test code moving. Good for showing a class how training works."
)
ARCHITECTURES = {"auto": "From the image size", "mlp": "MLP", "conv": "Convolutional"}


def where_and_mode() -> str:
    """Where trainings run (and any warning about it), then how to train."""
    where, notice = training.where_trainings_run()
    st.caption(where)
    if notice:
        st.warning(notice)
    return st.radio(
        "How to train", [BACKGROUND, STEPS], horizontal=True, key="train_mode", help=STEPS_HELP
    )


def kind_picker() -> str:
    """The model kind, with what it is (its settings join the form below)."""
    labels = training.kind_labels()
    kind = st.selectbox("Model", list(labels), format_func=labels.get, key="train_kind")
    st.caption(training.kind_summary(kind))
    return kind


def _index(choices, chosen) -> int:
    return list(choices).index(chosen) if chosen in choices else 0


def train_form(kind: str, mode: str) -> tuple[training.TrainForm, bool]:
    """The form's values and whether its button was pressed."""
    with st.form("train_form"):
        c1, c2, c3 = st.columns(3)
        dataset = c1.selectbox(
            "Dataset",
            list(dataset_names()),
            format_func=dataset_label,
            key="train_dataset",
            index=_index(dataset_names(), sidebar.current_dataset()),
        )
        architecture = c1.radio(
            "Architecture",
            list(ARCHITECTURES),
            horizontal=True,
            key="train_arch",
            format_func=ARCHITECTURES.get,
        )
        hidden = c2.text_input("Hidden layer widths", "512,256", key="train_hidden")
        latent_dim = c2.number_input("Latent dimension", 1, 32, 2, key="train_latent_dim")
        chosen = tuple(
            (setting.name, training.setting_input(c2, kind, setting))
            for setting in training.kind_settings(kind)
        )
        form = training.TrainForm(
            dataset, kind, architecture, hidden, latent_dim, chosen, **_run_settings(c3)
        )
        label = "Train" if mode == BACKGROUND else "Set up"
        return form, st.form_submit_button(label, type="primary")


def _run_settings(column) -> dict:
    return {
        "epochs": column.slider("Epochs", 1, 60, 10, key="train_epochs"),
        "learning_rate": column.select_slider(
            "Learning rate", training.LEARNING_RATES, value=1e-3, key="train_lr"
        ),
        "batch_size": column.select_slider(
            "Batch size", training.BATCH_SIZES, value=128, key="train_batch"
        ),
        "subset": column.selectbox("Training images", list(training.SUBSETS), key="train_subset"),
        "seed": column.number_input("Seed", 0, 10_000, 0, key="train_seed"),
    }


def start(form: training.TrainForm, mode: str) -> None:
    """A pressed button: a stepper to step by hand, or a job in the background; a sentence for
    a configuration that cannot train (it replaces the last one's result)."""
    state = st.session_state
    try:
        model_config, train_config = training.configs(form)
        if mode == STEPS:
            state["train_stepper"] = training.new_stepper(model_config, train_config)
        else:
            state["train_job"] = training.submit(model_config, train_config)
    except ValueError as error:
        state.pop("train_stepper" if mode == STEPS else "train_job", None)
        st.error(f"Cannot train this configuration: {error}")
