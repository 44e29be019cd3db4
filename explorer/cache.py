"""What every session shares, computed once per server: Streamlit caches around the library.

Heavy objects (models, datasets, the training pool, finished figures) are
``st.cache_resource`` and must be treated as read-only; plain results (codes, extents,
mosaics) are ``st.cache_data``, copied to each caller.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.catalog import Catalog
from vae_core.data import CLASS_NAMES, load_dataset
from vae_core.geometry import Extent, square_extent
from vae_core.images import text_thumbnail
from vae_core.jobs import JobManager
from vae_core.latent import EncodedSplit, decode_grid, encode_dataset
from vae_core.metrics import coverage_map
from vae_core.replay import read_replay
from vae_core.store import load_model, resolve_checkpoint
from vae_core.viz import latent_map, mosaic_source

HOVER_IMAGE_LIMIT = 5000  # points beyond which hover drawings would make the map too heavy to send
MIN_MAP_SPAN = 4.4  # a map is never narrower than the prior's 2-sigma disc


@st.cache_data(ttl=5, show_spinner=False)
def catalog() -> Catalog:
    """Every valid checkpoint; refreshed every few seconds so that a finished training
    shows up in every page's picker."""
    return Catalog.from_store()


@st.cache_resource(max_entries=24, show_spinner="Loading model…")
def get_model(name: str):
    """A loaded model, shared read-only by every session."""
    return load_model(resolve_checkpoint(name))


@st.cache_resource(show_spinner="Loading dataset…")
def get_dataset(name: str, split: str):
    return load_dataset(name, split)


def class_names(dataset: str) -> tuple[str, ...]:
    return CLASS_NAMES[dataset]


@st.cache_data(max_entries=24, show_spinner="Encoding the dataset…")
def encoded(name: str, split: str = "test") -> EncodedSplit:
    """Posterior means, log-variances (or None) and labels of a split, for a checkpoint."""
    model = get_model(name)
    return encode_dataset(model, get_dataset(model.train_config.dataset, split))


@st.cache_data(max_entries=24, show_spinner=False)
def map_extent(*names: str) -> Extent:
    """The plotted square: where the test codes of these models lie (one square for all,
    so their maps compare), never smaller than the prior's 2-sigma disc."""
    return square_extent(*(encoded(name).mu for name in names), min_span=MIN_MAP_SPAN)


@st.cache_data(max_entries=48, show_spinner="Decoding the latent grid…")
def grid_mosaic(name: str, extent: Extent, n: int, label: int | None = None) -> str:
    """The decoded manifold under a map, ready to draw (a PNG data URI)."""
    return mosaic_source(decode_grid(get_model(name), extent, n, label).mosaic)


@st.cache_data(max_entries=24, show_spinner=False)
def empty_cells(name: str, extent: Extent, n: int) -> np.ndarray:
    return coverage_map(encoded(name, "train").mu, extent, n)["empty"]


@st.cache_data(max_entries=24, show_spinner=False)
def replay_codes(name: str) -> np.ndarray | None:
    """The per-epoch codes stored with a checkpoint ([epochs, n, d]), if it has them."""
    return read_replay(resolve_checkpoint(name))


@st.cache_data(max_entries=4, show_spinner=False)
def thumbnails(dataset: str, count: int) -> list[str]:
    """Hover-label drawings of the first ``count`` test images."""
    images = get_dataset(dataset, "test").images[:count, 0].numpy()
    return [text_thumbnail(image) for image in images]


@st.cache_resource(max_entries=32, show_spinner=False)
def map_figure(
    name: str,
    n_points: int,
    grid_n: int,
    *,
    mosaic: bool = True,
    label: int | None = None,
    shade_empty: bool = False,
    prior_circles: bool = False,
    hover_images: bool = True,
    density: bool = False,
    ellipses: tuple[tuple[float, float, float, float], ...] = (),
    selected: tuple[float, float] | None = None,
):
    """The Latent map page's figure for a model and its display options.

    Built once and shared by every session: a click reruns the page's fragment, and
    rebuilding this figure (thousands of points with hover drawings) was most of a
    click's server time. Callers must not modify it; ``st.plotly_chart`` copies it."""
    codes = encoded(name)
    dataset = codes.dataset
    extent = map_extent(name)
    return latent_map(
        codes.mu[:n_points, :2],
        codes.labels[:n_points],
        class_names(dataset),
        extent,
        mosaic=grid_mosaic(name, extent, grid_n, label) if mosaic else None,
        empty_cells=empty_cells(name, extent, grid_n) if shade_empty else None,
        prior_circles=prior_circles,
        thumbnails=thumbnails(dataset, n_points) if hover_images and n_points <= HOVER_IMAGE_LIMIT else None,
        selected=selected,
        ellipses=list(ellipses),
        density=density,
    )


@st.cache_resource
def job_manager() -> JobManager:
    """The one training pool of this server, shared by every session."""
    return JobManager()
