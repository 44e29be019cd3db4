"""Projections for the app: cached look-ups, computations with progress, honest time estimates."""

from __future__ import annotations

from vae_core.analysis.projections import Projection, estimate, lookup, project, umap_ready, warm_up_umap

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
