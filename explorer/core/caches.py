"""What every session shares, loaded once per server: the catalogue, models, test data, the
codes of a model, its export for the browser and the classifier.

Heavy objects (models) are ``st.cache_resource`` and must be treated as read-only; plain
results are ``st.cache_data``, copied to each caller. The first view of a map needs no
torch: codes come from the checkpoint's codes.npz and the browser runs the model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core.catalog import Catalog
from explorer.core.served import publish
from vae_core.data.catalog import get as get_dataset
from vae_core.data.datasets import load_arrays
from vae_core.data.images import text_thumbnail
from vae_core.store.checkpoints import (
    WEIGHTS_FILE,
    CheckpointError,
    check_data,
    read_checkpoint_info,
    resolve_checkpoint,
)
from vae_core.store.codes import EncodedSplit, read_codes

HOVER_IMAGE_LIMIT = 5000  # points beyond which hover drawings would make a figure too heavy to send


# larger models are decoded on the server
BROWSER_LIMIT_MB = float(os.environ.get("VAE_EXPLORER_BROWSER_MB", "16"))


@st.cache_data(ttl=5, show_spinner=False)
def catalog() -> Catalog:
    """Every valid checkpoint; refreshed every few seconds so that a finished training
    shows up in every page's picker."""
    return Catalog.from_store()


@st.cache_resource(max_entries=24, show_spinner="Loading model…")
def get_model(name: str):
    """A loaded model, shared read-only by every session."""
    from vae_core.store.checkpoints import load_model

    return load_model(resolve_checkpoint(name))


def class_names(dataset: str) -> tuple[str, ...]:
    """The dataset's class names (empty for an unlabelled set)."""
    return get_dataset(dataset).class_names


def test_images(dataset: str) -> np.ndarray:
    """The test split's images, uint8 [N, H, W(, 3)] (read once per process, no torch)."""
    return load_arrays(dataset, "test")[0]


@st.cache_data(max_entries=4, show_spinner=False)
def thumbnails(dataset: str, count: int) -> list[str]:
    """Hover-label drawings of the first ``count`` test images."""
    return [text_thumbnail(image) for image in test_images(dataset)[:count]]


@st.cache_data(max_entries=24, show_spinner="Encoding the dataset…")
def encoded(name: str, split: str = "test") -> EncodedSplit:
    """Posterior means, log-variances (or None) and labels of a split, for a checkpoint:
    the stored test codes when the checkpoint has them, otherwise encoded now."""
    folder = resolve_checkpoint(name)
    stored = read_codes(folder) if split == "test" else None
    if stored is not None:
        return stored
    from vae_core.store.encoding import encode_dataset

    model = get_model(name)
    return encode_dataset(model, model.train_config.dataset, split)


@st.cache_data(max_entries=24, show_spinner=False)
def replay_codes(name: str) -> np.ndarray | None:
    """The per-epoch codes stored with a checkpoint ([epochs, n, d]), if it has them."""
    from vae_core.store.replay import read_replay

    return read_replay(resolve_checkpoint(name))


@dataclass(frozen=True)
class BrowserModel:
    """A checkpoint as the browser gets it: the URL of its exported model, or why not."""

    url: str | None  # the decoder (what hovering needs)
    encoder_url: str | None  # the encoder (what the drawing pad needs), fetched only then
    size: int  # bytes of the decoder
    reason: str | None = None
    image_shape: tuple[int, int, int] | None = None  # (C, H, W) of the model's images


@st.cache_data(max_entries=64, show_spinner=False)
def _browser_model(name: str, stamp: tuple) -> BrowserModel:
    from vae_core.store.export import browser_spec, checkpoint_state, export_weights, run_program

    folder = resolve_checkpoint(name)
    info = read_checkpoint_info(folder)
    config, data = info.model_config, check_data(info)
    try:
        state = checkpoint_state(folder)
        decoder = export_weights(state, config, data, parts=("decoder",))
        encoder = export_weights(state, config, data, parts=("encoder",))
        spec = browser_spec(config, data)
        # both networks fit their tensors
        run_program(spec["decoder"], state, np.zeros(config.latent_dim), 0)
        run_program(spec["encoder"], state, np.zeros(data.pixels), 0)
    except (KeyError, ValueError, OSError) as error:
        raise CheckpointError(
            f"{folder}: its weights do not fit its configuration ({error})"
        ) from error
    if len(decoder) > BROWSER_LIMIT_MB * 1e6:
        size = f"{len(decoder) / 1e6:.1f} MB"
        return BrowserModel(
            None,
            None,
            len(decoder),
            f"its decoder's {size} of weights are more than a browser should "
            f"load (limit {BROWSER_LIMIT_MB:g} MB)",
            data.shape,
        )
    return BrowserModel(
        publish(decoder, "models", ".safetensors"),
        publish(encoder, "models", ".safetensors"),
        len(decoder),
        image_shape=data.shape,
    )


def browser_model(name: str) -> BrowserModel:
    """The exported model for the canvas (once per checkpoint version). CheckpointError
    when its weights are missing, damaged or do not fit its configuration."""
    weights = resolve_checkpoint(name) / WEIGHTS_FILE
    try:
        stat = weights.stat()
    except OSError as error:
        raise CheckpointError(f"{weights} cannot be read ({error.strerror})") from error
    return _browser_model(name, (stat.st_mtime_ns, stat.st_size))


@st.cache_resource(show_spinner=False)
def classifier(dataset: str):
    """(the shipped classifier of a dataset, None) or (None, why it is missing)."""
    from vae_core.analysis.classifier import ClassifierError, load_classifier

    try:
        return load_classifier(dataset), None
    except ClassifierError as error:
        return None, str(error)


@st.cache_data(max_entries=24, show_spinner=False)
def class_means(name: str) -> np.ndarray:
    """Mean test code of every class under a model: [classes, d] (for an unlabelled dataset,
    the mean of every code: [1, d])."""
    from vae_core.analysis.arithmetic import class_means as means

    codes = encoded(name)
    if not class_names(codes.dataset):
        return codes.mu.mean(axis=0, keepdims=True).astype(np.float32)
    return means(codes.mu, codes.labels, len(class_names(codes.dataset)))
