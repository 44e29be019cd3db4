"""What every session shares, computed once per server: Streamlit caches around the library.

Heavy objects (models, the training pool, finished figures) are ``st.cache_resource`` and
must be treated as read-only; plain results (codes, extents, mosaics, file URLs) are
``st.cache_data``, copied to each caller. The first view of a map needs no torch: codes
come from the checkpoint's codes.npz and the browser runs the model, so functions that
need a network import the modules that load torch when they are first called.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.canvas import publish, publish_figure
from explorer.catalog import Catalog
from vae_core.analysis.geometry import Extent, square_extent
from vae_core.data.datasets import CLASS_NAMES, load_arrays
from vae_core.data.images import text_thumbnail
from vae_core.store.checkpoints import WEIGHTS_FILE, CheckpointError, read_checkpoint_info, resolve_checkpoint
from vae_core.store.codes import EncodedSplit, read_codes
from vae_core.viz import latent_map, mosaic_source

HOVER_IMAGE_LIMIT = 5000  # points beyond which hover drawings would make a figure too heavy to send
MIN_MAP_SPAN = 4.4  # a map is never narrower than the prior's 2-sigma disc
BROWSER_LIMIT_MB = float(os.environ.get("VAE_EXPLORER_BROWSER_MB", "16"))  # larger models are decoded on the server


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
    return CLASS_NAMES[dataset]


def test_images(dataset: str) -> np.ndarray:
    """The test split's images, uint8 [N, 28, 28] (read once per process, no torch)."""
    return load_arrays(dataset, "test")[0]


@st.cache_data(max_entries=4, show_spinner=False)
def thumbnails(dataset: str, count: int) -> list[str]:
    """Hover-label drawings of the first ``count`` test images."""
    return [text_thumbnail(image / 255.0) for image in test_images(dataset)[:count]]


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
def map_extent(*names: str) -> Extent:
    """The plotted square: where the test codes of these models lie (one square for all,
    so their maps compare), never smaller than the prior's 2-sigma disc."""
    return square_extent(*(encoded(name).mu for name in names), min_span=MIN_MAP_SPAN)


@st.cache_data(max_entries=48, show_spinner="Decoding the latent grid…")
def grid_mosaic(name: str, extent: Extent, n: int, label: int | None = None) -> str:
    """The decoded manifold under a map, decoded on the server (a PNG data URI)."""
    from vae_core.analysis.latent import decode_grid

    return mosaic_source(decode_grid(get_model(name), extent, n, label).mosaic)


@st.cache_data(max_entries=24, show_spinner="Finding the regions far from any training code…")
def empty_cells(name: str, extent: Extent, n: int) -> np.ndarray:
    from vae_core.analysis.metrics import coverage_map

    return coverage_map(encoded(name, "train").mu, extent, n)["empty"]


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


@st.cache_data(max_entries=64, show_spinner=False)
def _browser_model(name: str, stamp: tuple) -> BrowserModel:
    from vae_core.store.export import browser_spec, checkpoint_state, export_weights, run_program

    folder = resolve_checkpoint(name)
    config = read_checkpoint_info(folder).model_config
    try:
        state = checkpoint_state(folder)
        decoder = export_weights(state, config, parts=("decoder",))
        encoder = export_weights(state, config, parts=("encoder",))
        spec = browser_spec(config)
        run_program(spec["decoder"], state, np.zeros(config.latent_dim), 0)  # both networks fit their tensors
        run_program(spec["encoder"], state, np.zeros(784), 0)
    except (KeyError, ValueError, OSError) as error:
        raise CheckpointError(f"{folder}: its weights do not fit its configuration ({error})") from error
    if len(decoder) > BROWSER_LIMIT_MB * 1e6:
        size = f"{len(decoder) / 1e6:.1f} MB"
        return BrowserModel(None, None, len(decoder), f"its decoder's {size} of weights are more than a browser should "
                            f"load (limit {BROWSER_LIMIT_MB:g} MB)")  # fmt: skip
    return BrowserModel(publish(decoder, "models", ".safetensors"), publish(encoder, "models", ".safetensors"), len(decoder))


def browser_model(name: str) -> BrowserModel:
    """The exported model for the canvas (once per checkpoint version). CheckpointError
    when its weights are missing, damaged or do not fit its configuration."""
    weights = resolve_checkpoint(name) / WEIGHTS_FILE
    try:
        stat = weights.stat()
    except OSError as error:
        raise CheckpointError(f"{weights} cannot be read ({error.strerror})") from error
    return _browser_model(name, (stat.st_mtime_ns, stat.st_size))


@st.cache_resource(max_entries=32, show_spinner=False)
def map_figure(name: str, n_points: int, *, extent: Extent | None = None, mosaic_n: int = 0, label: int | None = None,
               shade_n: int = 0, prior_circles: bool = False, density: bool = False, ellipses=(), highlight=None,
               title=None, uncoloured: bool = False):  # fmt: skip
    """A latent map of a model's test codes and display options, built once for every
    session (callers must not modify it). ``extent`` defaults to the model's own square;
    ``mosaic_n`` decodes an n x n grid under it on the server (the canvas decodes its own
    when the browser runs the model)."""
    codes = encoded(name)
    extent = extent or map_extent(name)
    return latent_map(
        codes.mu[:n_points, :2], codes.labels[:n_points], class_names(codes.dataset), extent, click_grid=0,
        mosaic=grid_mosaic(name, extent, mosaic_n, label) if mosaic_n else None,
        empty_cells=empty_cells(name, extent, shade_n) if shade_n else None,
        prior_circles=prior_circles, ellipses=list(ellipses), density=density, highlight=highlight, title=title,
        uncoloured=uncoloured,
    )  # fmt: skip


@st.cache_data(max_entries=64, show_spinner=False)
def map_figure_url(name: str, n_points: int, **options) -> str:
    """:func:`map_figure` published for the canvas (written once, fetched once per browser)."""
    return publish_figure(map_figure(name, n_points, **options))


def rooms():
    """The classroom rooms this server reaches (explorer.rooms: in memory, or in Redis)."""
    from explorer.rooms import shared

    return shared()


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
    """Mean test code of every class under a model: [10, d]."""
    from vae_core.analysis.arithmetic import class_means as means

    codes = encoded(name)
    return means(codes.mu, codes.labels)


@st.cache_data(max_entries=4, show_spinner=False)
def classifier_url(dataset: str) -> tuple[str | None, str | None]:
    """(URL of the dataset's classifier exported for the browser, None) or (None, why there is none)."""
    from vae_core.store.export import export_classifier

    judge, problem = classifier(dataset)
    if judge is None:
        return None, problem
    return publish(export_classifier(judge.weights), "models", ".safetensors"), None


@st.cache_data(max_entries=12, show_spinner="Checking every class-to-class shift with the classifier…")
def arithmetic_check(name: str, strength: float = 1.0):
    """How often each class-mean shift decodes to the class it aims at (None without a classifier)."""
    from vae_core.analysis.arithmetic import check_attributes
    from vae_core.analysis.latent import decode

    model = get_model(name)
    judge, _ = classifier(model.train_config.dataset)
    if judge is None:
        return None
    codes = encoded(name)
    return check_attributes(lambda z: decode(model, z), judge, codes.mu, codes.labels, strength=strength)


@st.cache_data(ttl=60, show_spinner=False)
def study_results() -> dict | None:
    """The seed study's raw results (docs/study.json), or None where it is missing or unreadable."""
    from vae_core.data.paths import study_results_path
    from vae_core.experiments.study import load_results

    try:
        results = load_results(study_results_path())
    except (OSError, ValueError, TypeError):
        return None
    return results if isinstance(results, dict) and isinstance(results.get("runs"), list) else None


@st.cache_resource
def job_manager():
    """The one training pool of this server, shared by every session: on the Ray cluster at
    $VAE_EXPLORER_RAY_ADDRESS where one is set and reachable, else on this machine (with a
    notice saying why, when a cluster was asked for)."""
    from vae_core.training.jobs import JobManager
    from vae_core.training.placement import app_executor

    executor, notice = app_executor()
    return JobManager(executor=executor, notice=notice)
