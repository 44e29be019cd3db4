"""2-D projections of latent codes or raw pixels, cached on disk, with progress and honest
time estimates.

The methods (PCA, t-SNE, UMAP) are objects of :mod:`vae_core.analysis.projection_methods`;
this module runs them. ``umap`` is imported only when a UMAP projection is computed (the
import alone takes ~12 s and its first fit compiles with numba); results are cached under
``<cache>/projections`` keyed by (hash of the inputs, method, parameters), so a repeat is a
file read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vae_core.analysis.projection_methods import METHODS, ProjectionMethod, get_method
from vae_core.data.paths import cache_dir

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]  # (fraction done in [0, 1], what is happening)
TRUST_SAMPLE = 2000  # points scored for trustworthiness (the exact score is O(N^2) memory)


def _noop(fraction: float, message: str) -> None:
    pass


def _known_options() -> set[str]:
    return {o.name for method in METHODS.values() for o in method.options}


class Projector:
    """A scikit-learn-style 2-D projector: ``Projector("tsne", perplexity=20).fit(X).embedding_``.

    ``method`` names a registered method (:mod:`vae_core.analysis.projection_methods`: PCA,
    t-SNE, UMAP); ``params`` are its options (another method's options are ignored, so one set
    of page settings serves every method).
    """

    def __init__(self, method: str = "tsne", random_state: int = 0, **params):
        self.method = method
        self.random_state = random_state
        self.params = params

    @property
    def method_(self) -> ProjectionMethod:
        return get_method(self.method)

    def get_params(self) -> dict:
        """The parameters that change this method's result (the cache key uses them)."""
        unknown = sorted(set(self.params) - _known_options())
        if unknown:
            raise ValueError(f"unknown projection options: {', '.join(unknown)}")
        method = self.method_
        return {"method": method.name, "random_state": self.random_state} | method.params(
            self.params
        )

    def _validate(self, n_points: int) -> dict:
        params = self.get_params()
        if n_points < 3:
            raise ValueError("a projection needs at least 3 points")
        self.method_.check(params, n_points)
        return params

    def fit(self, X, progress: Progress | None = None) -> Projector:
        """Project X [N, D]. ``progress(fraction, message)`` is called about four times a second
        from the calling thread, the fraction following the time this machine took before."""
        progress = progress or _noop
        X = np.asarray(X, np.float32).reshape(len(X), -1)
        if not np.isfinite(X).all():
            raise ValueError("inputs contain NaN or infinite values")
        params, method = self._validate(len(X)), self.method_
        warm = method.ready()
        start = time.perf_counter()
        embedding = run_with_progress(
            lambda: method.embed(X, params, self.random_state),
            expected_seconds(method.name, len(X), warm),
            progress,
            lambda: method.describe(len(X)),
        )
        self.embedding_ = np.asarray(embedding, np.float32)
        self.seconds_ = time.perf_counter() - start
        if warm:  # a first UMAP also compiles; that time is recorded by the warm-up
            record_timing(method.name, len(X), self.seconds_)
        progress(0.95, "measuring trustworthiness")
        self.trustworthiness_ = trustworthiness_score(
            X, self.embedding_, random_state=self.random_state
        )
        progress(1.0, "done")
        return self

    def fit_transform(self, X, progress: Progress | None = None) -> np.ndarray:
        return self.fit(X, progress).embedding_


def progress_fraction(elapsed: float, estimate: float) -> float:
    """How far along a run is, from the clock: in step with the estimate up to 85 % when the
    estimate is reached, then on towards 95 % (never there) for a run that takes longer, so
    the bar keeps moving whatever the machine."""
    if elapsed <= estimate:
        return 0.85 * elapsed / estimate
    return 0.85 + 0.1 * (1.0 - math.exp(-(elapsed - estimate) / estimate))


def run_with_progress(
    work: Callable[[], np.ndarray],
    estimate: float,
    progress: Progress,
    what: Callable[[], str] | str,
) -> np.ndarray:
    """Run ``work`` on a worker thread while this thread reports progress about four times a
    second (:func:`progress_fraction`); ``what`` names the stage the work is in now."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True, name="projection")
    start = time.perf_counter()
    worker.start()
    while worker.is_alive():
        elapsed = time.perf_counter() - start
        stage = what() if callable(what) else what
        progress(
            progress_fraction(elapsed, estimate),
            f"{stage}: {elapsed:.0f} s of about {estimate:.0f} s",
        )
        worker.join(0.25)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# --- timings measured on this machine ------------------------------------------------

TIMINGS_FILE = "timings.json"
_timings_lock = threading.Lock()


def _timings_path() -> Path:
    return projection_cache_dir() / TIMINGS_FILE


def _read_timings() -> dict:
    try:
        data = json.loads(_timings_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remember(key: str, entry, keep: int = 20) -> None:
    """Append ``entry`` to the timings kept under ``key`` (the last ``keep``); a failed write is
    ignored."""
    with _timings_lock:
        timings = _read_timings()
        timings[key] = [e for e in timings.get(key, []) if isinstance(e, type(entry))][
            -(keep - 1) :
        ] + [entry]
        try:
            path = _timings_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{TIMINGS_FILE}.{uuid.uuid4().hex[:8]}")
            tmp.write_text(json.dumps(timings))
            os.replace(tmp, path)
        except OSError as error:
            logger.warning("could not record projection timings: %s", error)


def record_timing(method: str, n: int, seconds: float) -> None:
    """Keep a run's time (n points, seconds) for later estimates."""
    _remember(method, [int(n), round(float(seconds), 2)])


# What a server expects before it has timings of its own: each method's ``reference_rate``
# (seconds per unit of its cost) and its one-time ``preparation`` (UMAP's compilation or load),
# on the two-core machine of docs/BENCHMARKS.md (`python -m benchmarks.projections --rates`
# prints them for any machine).


@dataclass(frozen=True)
class Estimate:
    seconds: float
    measured_here: bool  # from this server's own runs, or else from the reference machine


def estimate(method: str, n: int, warm: bool = True) -> Estimate:
    """Seconds this machine should take for ``n`` points, scaled by the method's cost from its
        recorded runs (t-SNE as n log n, UMAP as n^1.15) or, before its first run, from the
        reference machine's; a cold UMAP adds its one-time preparation: compiling on this machine's
    first UMAP, loading the compiled code on a later server's (recorded here, or the
    reference's)."""
    cost = get_method(method).cost
    timings = _read_timings()
    runs = [
        r
        for r in timings.get(method, [])
        if isinstance(r, list) and len(r) == 2 and r[0] > 1 and r[1] > 0
    ]
    rate = (
        float(np.median([seconds / cost(m) for m, seconds in runs]))
        if runs
        else get_method(method).reference_rate
    )
    seconds = rate * cost(n)
    if warm or get_method(method).preparation() is None:
        return Estimate(seconds, bool(runs))
    key, reference = get_method(method).preparation()
    preparations = [c for c in timings.get(key, []) if isinstance(c, float)]
    seconds += float(np.median(preparations)) if preparations else reference
    return Estimate(seconds, bool(runs) and bool(preparations))


def expected_seconds(method: str, n: int, warm: bool = True) -> float:
    return estimate(method, n, warm).seconds


def umap_ready() -> bool:
    """True once UMAP is imported and its numba code compiled or loaded in this process."""
    return _warm_up_thread is not None and not _warm_up_thread.is_alive() and "umap" in sys.modules


_warm_up_lock = threading.Lock()
_warm_up_thread: threading.Thread | None = None


def warm_up_umap() -> threading.Thread:
    """Import umap and compile its numba code (or load it from this machine's disk cache) on a
    background thread, once per process, so the first real UMAP a user asks for starts warm.
    Its time is kept as a first compile or a load, for the estimates."""
    global _warm_up_thread
    with _warm_up_lock:
        if _warm_up_thread is None:

            def run() -> None:
                method = get_method("umap")
                key, _ = method.preparation()
                start = time.perf_counter()
                method.prepare_now()
                seconds = time.perf_counter() - start
                _remember(key, round(seconds, 1), keep=10)
                logger.info("UMAP is ready (%.0f s, %s)", seconds, key)

            _warm_up_thread = threading.Thread(target=run, daemon=True, name="umap-warm-up")
            _warm_up_thread.start()
        return _warm_up_thread


def trustworthiness_score(
    X, embedding, n_neighbors: int = 5, sample_size: int = TRUST_SAMPLE, random_state: int = 0
) -> float:
    """How well the projection keeps neighbourhoods (Venna & Kaski 2001; scikit-learn's
    ``trustworthiness``): 1 = every 2-D neighbour was a neighbour in the input space.
    Scored on a random sample of ``sample_size`` points."""
    from sklearn.manifold import trustworthiness

    X = np.asarray(X, np.float32).reshape(len(X), -1)
    embedding = np.asarray(embedding, np.float32)
    if len(X) > sample_size:
        index = np.random.default_rng(random_state).choice(len(X), sample_size, replace=False)
        X, embedding = X[index], embedding[index]
    k = min(n_neighbors, len(X) // 2 - 1)
    return float(trustworthiness(X, embedding, n_neighbors=max(k, 1)))


@dataclass(frozen=True)
class Projection:
    embedding: np.ndarray  # float32 [N, 2]
    trustworthiness: float
    seconds: float  # compute time when it was first made
    cached: bool  # True when read from the disk cache
    params: dict


def inputs_hash(X) -> str:
    """Content hash of an array (shape, dtype and bytes)."""
    X = np.ascontiguousarray(X)
    digest = hashlib.sha256(f"{X.shape}|{X.dtype}".encode())
    digest.update(X.tobytes())
    return digest.hexdigest()[:20]


def projection_cache_dir() -> Path:
    return cache_dir() / "projections"


def _cache_path(X: np.ndarray, projector: Projector) -> Path:
    key = hashlib.sha256(
        (inputs_hash(X) + json.dumps(projector.get_params(), sort_keys=True)).encode()
    ).hexdigest()[:24]
    return projection_cache_dir() / f"{projector.method_.name}-{key}.npz"


def _read_cached(path: Path, n_points: int, params: dict) -> Projection | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            embedding = stored["embedding"]
            trust, seconds = float(stored["trustworthiness"]), float(stored["seconds"])
    except (OSError, ValueError, KeyError) as error:
        logger.warning("ignoring unreadable projection cache %s (%s)", path, error)
        return None
    if embedding.shape != (n_points, 2):
        return None
    return Projection(embedding, trust, seconds, True, params)


def lookup(X, method: str = "tsne", **params) -> Projection | None:
    """The cached projection for these inputs and parameters, or None (never computes)."""
    X = np.asarray(X, np.float32).reshape(len(X), -1)
    projector = Projector(method, **params)
    return _read_cached(_cache_path(X, projector), len(X), projector.get_params())


_computing: dict[Path, threading.Lock] = {}  # one lock per cached projection being computed
_computing_lock = threading.Lock()


def _computation_lock(path: Path) -> threading.Lock:
    with _computing_lock:
        return _computing.setdefault(path, threading.Lock())


def project(
    X, method: str = "tsne", cache: bool = True, progress: Progress | None = None, **params
) -> Projection:
    """Project X [N, D] to 2-D, reading and writing the on-disk cache.

    ``params`` are :class:`Projector` arguments. Callers asking for the same projection at
    once (a class pressing Compute together) compute it once: the others wait for it and
    read the cache. A failed cache write (read-only or full disk) is logged and the fresh
    result is still returned.
    """
    progress = progress or _noop
    X = np.asarray(X, np.float32).reshape(len(X), -1)
    projector = Projector(method, **params)
    key_params = projector.get_params()
    if not cache:
        return _fit(projector, X, progress)
    path = _cache_path(X, projector)
    lock = _computation_lock(path)
    if not lock.acquire(blocking=False):
        progress(0.0, "being computed for another page; waiting for it…")
        lock.acquire()
    try:
        stored = _read_cached(path, len(X), key_params)
        if stored is not None:
            progress(1.0, "loaded from cache")
            return stored
        result = _fit(projector, X, progress)
        _store(path, result)
        return result
    finally:
        lock.release()


def _fit(projector: Projector, X: np.ndarray, progress: Progress) -> Projection:
    projector.fit(X, progress)
    return Projection(
        projector.embedding_,
        projector.trustworthiness_,
        projector.seconds_,
        False,
        projector.get_params(),
    )


def _store(path: Path, result: Projection) -> None:
    tmp = path.with_name(f".{path.stem}-{uuid.uuid4().hex[:8]}.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            tmp,
            embedding=result.embedding,
            trustworthiness=result.trustworthiness,
            seconds=result.seconds,
        )
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            tmp.unlink()
        logger.warning("could not cache projection at %s: %s", path, error)
