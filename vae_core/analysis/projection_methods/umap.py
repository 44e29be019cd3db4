"""UMAP (McInnes, Healy & Melville, 2018), umap-learn seeded (which makes it single-threaded).

``umap`` is imported only when a UMAP is computed, and its numba code is compiled once per
machine: umap-learn asks numba to keep few of its functions on disk, so :func:`import_umap`
imports it with numba's disk cache on for every function (in the project's cache folder), and
the neighbour graph comes from scikit-learn's exact search rather than pynndescent, whose
search numba cannot cache (it takes functions as default arguments). A server still imports
and loads it once in the background (:func:`vae_core.analysis.projections.warm_up_umap`).
"""

from __future__ import annotations

import sys
import threading
import warnings
from pathlib import Path

import numpy as np

from vae_core.analysis.projection_methods.base import PCA_DIMS, ProjectionMethod, reduce_first
from vae_core.data.paths import cache_dir
from vae_core.models.kinds import Setting

_import_lock = threading.Lock()
# UMAP's one-time cost in a new process on the reference two-core machine (docs/BENCHMARKS.md;
# `python -m benchmarks.projections --rates` measures them on any machine)
REFERENCE_COMPILE = 41.0  # a machine's first: import and compile into numba's disk cache
REFERENCE_LOAD = 4.0  # every later server's: import and load the compiled code


def numba_cache() -> Path:
    """Where numba keeps UMAP's compiled code on this machine."""
    return cache_dir() / "numba"


def compiled_before() -> bool:
    """True when this machine's numba cache already holds compiled code (the next import and
    first fit load it instead of compiling)."""
    folder = numba_cache()
    return folder.is_dir() and any(folder.rglob("*.nbi"))


def _kept_on_disk(decorator):
    """numba's ``njit`` / ``jit`` with ``cache=True`` unless a call says otherwise."""

    def decorate(*args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:  # used bare: @numba.njit
            return decorator(cache=True)(args[0])
        kwargs.setdefault("cache", True)
        return decorator(*args, **kwargs)

    return decorate


def import_umap():
    """The ``umap`` module, its functions compiled into (or loaded from) the disk cache."""
    with _import_lock:
        if "umap" in sys.modules:
            return sys.modules["umap"]
        import numba

        numba.config.CACHE_DIR = str(numba_cache())
        plain = numba.njit, numba.jit
        numba.njit, numba.jit = _kept_on_disk(numba.njit), _kept_on_disk(numba.jit)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # no TensorFlow: ParametricUMAP is not used
                import umap
        finally:
            numba.njit, numba.jit = plain
        return umap


def fit_umap(X, n_neighbors: int, random_state: int, **options) -> np.ndarray:
    """UMAP of X [N, D] -> [N, 2] on its exact k-nearest-neighbour graph."""
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(X, np.float32)
    distances, indices = NearestNeighbors(n_neighbors=n_neighbors).fit(X).kneighbors(X)
    umap = import_umap()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seeded (single thread); no index for new points
        reducer = umap.UMAP(
            n_neighbors=n_neighbors,
            random_state=random_state,
            precomputed_knn=(indices, distances.astype(np.float32), None),
            **options,
        )
        return reducer.fit_transform(X)


class UMAPMethod(ProjectionMethod):
    def cost(self, n_points):
        return n_points**1.15

    def check(self, params, n_points):
        if not params["n_neighbors"] < n_points:
            raise ValueError(
                f"n_neighbors must be between 2 and {n_points - 1}; got {params['n_neighbors']}"
            )

    def ready(self) -> bool:
        from vae_core.analysis.projections import umap_ready

        return umap_ready()

    def prepare(self) -> None:
        from vae_core.analysis.projections import warm_up_umap

        warm_up_umap()

    def preparation(self) -> tuple[str, float]:
        if compiled_before():
            return "umap-load", REFERENCE_LOAD
        return "umap-compile", REFERENCE_COMPILE

    def prepare_now(self) -> None:
        data = np.random.default_rng(0).standard_normal((5000, 10)).astype(np.float32)
        fit_umap(data, 15, 0, n_epochs=10)

    def describe(self, n_points):
        if self.ready():
            return super().describe(n_points)
        if compiled_before():
            return "loading UMAP (once per server), then the projection"
        return "compiling UMAP (once per machine), then the projection"

    def embed(self, X, params, random_state):
        from vae_core.analysis.projections import warm_up_umap

        reduced = reduce_first(X, params["pca_dims"], random_state)
        warm_up_umap().join()  # the first UMAP of a process waits for umap to load
        return fit_umap(reduced, params["n_neighbors"], random_state, min_dist=params["min_dist"])


METHOD = UMAPMethod(
    name="umap",
    label="UMAP",
    summary="Keeps neighbours together and more of the global layout than t-SNE.",
    order=1,
    reference_rate=3.27e-4,
    transforms_new_points=False,  # fitted on a precomputed graph: no index for new points
    options=(
        Setting(
            name="n_neighbors",
            label="n_neighbors",
            help="Larger values favour global structure.",
            default=15,
            low=2,
            form_low=5,
            form_high=100,
        ),
        Setting(
            name="min_dist",
            label="min_dist",
            help="How tightly points may pack.",
            default=0.1,
            low=0.0,
            high=1.0,
            form_high=0.99,
            step=0.01,
        ),
        PCA_DIMS,
    ),
)
