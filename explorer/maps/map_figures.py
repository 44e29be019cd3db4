"""The latent map figures every session shares: a model's extent, decoded mosaics, empty
cells, and the finished figure published for the canvas.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.core import caches
from explorer.core.served import publish_figure
from vae_core.analysis.geometry import Extent, square_extent
from vae_core.data.catalog import get as get_dataset
from vae_core.data.datasets import load_split
from vae_core.viz import latent_map, mosaic_source
from vae_core.viz.latent_map import MIN_MAP_SPAN, FactorColours


@st.cache_data(max_entries=24, show_spinner=False)
def map_extent(*names: str) -> Extent:
    """The plotted square: where the test codes of these models lie (one square for all,
    so their maps compare), never smaller than the prior's 2-sigma disc."""
    return square_extent(*(caches.encoded(name).mu for name in names), min_span=MIN_MAP_SPAN)


@st.cache_data(max_entries=48, show_spinner="Decoding the latent grid…")
def grid_mosaic(name: str, extent: Extent, n: int, label: int | None = None) -> str:
    """The decoded manifold under a map, decoded on the server (a PNG data URI)."""
    from vae_core.analysis.latent import decode_grid

    return mosaic_source(decode_grid(caches.get_model(name), extent, n, label).mosaic)


@st.cache_data(max_entries=24, show_spinner="Finding the regions far from any training code…")
def empty_cells(name: str, extent: Extent, n: int) -> np.ndarray:
    from vae_core.analysis.metrics import coverage_map

    return coverage_map(caches.encoded(name, "train").mu, extent, n)["empty"]


@st.cache_resource(max_entries=32, show_spinner=False)
def map_figure(
    name: str,
    n_points: int,
    *,
    extent: Extent | None = None,
    mosaic_n: int = 0,
    label: int | None = None,
    shade_n: int = 0,
    prior_circles: bool = False,
    density: bool = False,
    ellipses=(),
    highlight=None,
    title=None,
    uncoloured: bool = False,
    colour_by: str | None = None,
):
    """A latent map of a model's test codes and display options, built once for every
    session (callers must not modify it). ``extent`` defaults to the model's own square;
    ``mosaic_n`` decodes an n x n grid under it on the server (the canvas decodes its own
    when the browser runs the model); ``colour_by`` names a factor of the dataset to colour
    the codes by, on a continuous scale, instead of their class."""
    codes = caches.encoded(name)
    extent = extent or map_extent(name)
    return latent_map(
        codes.mu[:n_points, :2],
        codes.labels[:n_points],
        caches.class_names(codes.dataset),
        extent,
        click_grid=0,
        mosaic=grid_mosaic(name, extent, mosaic_n, label) if mosaic_n else None,
        empty_cells=empty_cells(name, extent, shade_n) if shade_n else None,
        prior_circles=prior_circles,
        ellipses=list(ellipses),
        density=density,
        highlight=highlight,
        title=title,
        uncoloured=uncoloured,
        factor=factor_colours(codes.dataset, colour_by, n_points) if colour_by else None,
    )


def factor_colours(dataset: str, name: str, count: int) -> FactorColours:
    """The first ``count`` test images' values of the factor ``name`` (ValueError when the
    dataset has no such factor)."""
    data = get_dataset(dataset)
    found = [i for i, factor in enumerate(data.factors) if factor.name == name]
    if not found:
        raise ValueError(f"{data.label} has no factor called {name!r}")
    factor = data.factors[found[0]]
    indices = load_split(dataset, "test").factors[:count, found[0]]
    values = np.asarray(factor.values, np.float64)
    return FactorColours(
        factor.name,
        values[indices],
        float(values.min()),
        float(values.max()),
        factor.cyclic,
        factor.unit,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def map_figure_url(name: str, n_points: int, **options) -> str:
    """:func:`map_figure` published for the canvas (written once, fetched once per browser)."""
    return publish_figure(map_figure(name, n_points, **options))
