"""Projections for the app: cached look-ups, computations with progress, honest time estimates."""

from __future__ import annotations

from vae_core.projections import Projection, lookup, project, warm_up_umap

METHODS = {"tsne": "t-SNE", "umap": "UMAP", "pca": "PCA"}
EXPECTED = {"pca": "under a second", "tsne": "about 15 s for 10,000 points", "umap": "about 9 s, plus up to 30 s once per server"}


def cached(inputs, method: str, **params) -> Projection | None:
    """The disk-cached projection for these settings, or None. Asking for UMAP starts its
    one-time compilation in the background, so the first computation starts warm."""
    result = lookup(inputs, method, **params)
    if result is None and method == "umap":
        warm_up_umap()
    return result


def expected_time(method: str) -> str:
    return EXPECTED[method]


def compute(inputs, method: str, progress, **params) -> Projection:
    return project(inputs, method, progress=progress, **params)
