"""Projections for the app: cached look-ups, computations with progress, honest time estimates."""

from __future__ import annotations

from vae_core.projections import Projection, expected_seconds, lookup, project, umap_ready, warm_up_umap

METHODS = {"tsne": "t-SNE", "umap": "UMAP", "pca": "PCA"}


def cached(inputs, method: str, **params) -> Projection | None:
    """The disk-cached projection for these settings, or None. Asking for UMAP starts its
    one-time compilation in the background, so the first computation starts warm."""
    result = lookup(inputs, method, **params)
    if result is None and method == "umap":
        warm_up_umap()
    return result


def expected_time(method: str, n: int) -> str:
    """How long it should take, from this server's own earlier runs."""
    seconds = expected_seconds(method, n, method != "umap" or umap_ready())
    if seconds is None:
        return "first run on this server: up to a minute" if method != "pca" else "a second or two"
    return f"about {seconds:.0f} s on this server" if seconds >= 1.5 else "about a second"


def compute(inputs, method: str, progress, **params) -> Projection:
    return project(inputs, method, progress=progress, **params)
