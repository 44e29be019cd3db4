"""Projections for the app: cached look-ups, computations with progress, honest time estimates."""

from __future__ import annotations

import numpy as np

from explorer.core import loaded
from vae_core.analysis.projections import (
    Projection,
    estimate,
    lookup,
    project,
    umap_ready,
    warm_up_umap,
)
from vae_core.data.datasets import load_arrays

METHODS = {"tsne": "t-SNE", "umap": "UMAP", "pca": "PCA"}


def cached(inputs, method: str, **params) -> Projection | None:
    """The disk-cached projection for these settings, or None. Asking for UMAP starts its
    one-time compilation in the background, so the first computation starts warm."""
    result = lookup(inputs, method, **params)
    if result is None and method == "umap":
        warm_up_umap()
    return result


def expected_time(method: str, n: int) -> str:
    """How long it should take: from this server's own earlier runs, or before the first one
    from the reference machine's (and UMAP's compilation, once per server, while it is due)."""
    expected = estimate(method, n, method != "umap" or umap_ready())
    if expected.seconds < 1.5:
        return "about a second"
    where = "on this server" if expected.measured_here else "on a two-core machine"
    return f"about {expected.seconds:.0f} s {where}"


def compute(inputs, method: str, progress, **params) -> Projection:
    return project(inputs, method, progress=progress, **params)


def projection_inputs(dataset: str, name: str | None, count: int) -> tuple[np.ndarray, np.ndarray]:
    """What the Projections page projects: the first ``count`` test images' pixels
    (``name`` None) or their codes under a model, with their labels."""
    images, labels = load_arrays(dataset, "test")
    if name is None:
        return images[:count].reshape(count, -1).astype(np.float32) / 255.0, labels[:count]
    return loaded.encoded(name).mu[:count], labels[:count]
