import importlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from vae_core.analysis.projection_methods import (
    METHODS,
    ProjectionMethod,
    get_method,
    register,
    unregister,
)
from vae_core.analysis.projection_methods import umap as umap_method
from vae_core.analysis.projections import Projector, project, trustworthiness_score
from vae_core.models.kinds import Setting

projections_module = importlib.import_module("vae_core.analysis.projections")


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 8, (4, 6))
    return np.concatenate([rng.normal(c, 1.0, (60, 6)) for c in centres]).astype(np.float32)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projection_shape_seed_and_trust(method, blobs):
    a = Projector(method, perplexity=20, random_state=1).fit(blobs)
    b = Projector(method, perplexity=20, random_state=1).fit(blobs)
    assert a.embedding_.shape == (240, 2)
    assert np.allclose(a.embedding_, b.embedding_)
    assert 0.8 < a.trustworthiness_ <= 1.0


def test_second_call_reads_the_cache(blobs, monkeypatch):
    first = project(blobs, "tsne", perplexity=15)
    assert not first.cached

    def must_not_run(self, X, progress=None):
        raise AssertionError("recomputed")

    monkeypatch.setattr(projections_module.Projector, "fit", must_not_run)
    second = project(blobs, "tsne", perplexity=15)
    assert second.cached and np.array_equal(first.embedding, second.embedding)
    assert second.trustworthiness == first.trustworthiness
    with pytest.raises(AssertionError, match="recomputed"):
        project(blobs, "tsne", perplexity=16)  # other parameters: another cache entry
    with pytest.raises(AssertionError, match="recomputed"):
        project(blobs + 1, "tsne", perplexity=15)  # other inputs: another cache entry


def test_the_same_projection_asked_for_at_once_is_computed_once(blobs, monkeypatch):
    """A class pressing Compute together: one fit, the others wait and read its result."""
    import threading

    fits, started, release = [], threading.Event(), threading.Event()
    fit = projections_module.Projector.fit

    def slow_fit(self, X, progress=None):
        fits.append(1)
        started.set()
        release.wait(30)
        return fit(self, X, progress)

    monkeypatch.setattr(projections_module.Projector, "fit", slow_fit)
    results, messages = [], []
    first = threading.Thread(target=lambda: results.append(project(blobs, "pca")))
    first.start()
    assert started.wait(30)
    second = threading.Thread(
        target=lambda: results.append(
            project(blobs, "pca", progress=lambda f, m: messages.append(m))
        )
    )
    second.start()
    release.set()
    first.join(30)
    second.join(30)
    assert len(fits) == 1 and len(results) == 2 and sum(r.cached for r in results) == 1
    assert np.array_equal(results[0].embedding, results[1].embedding)
    assert messages[-1] == "loaded from cache"


def test_unwritable_cache_still_returns_the_result(blobs, tmp_path, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(blocker))
    result = project(blobs, "pca")
    assert result.embedding.shape == (240, 2) and not result.cached


def test_corrupt_cache_file_is_recomputed(blobs):
    first = project(blobs, "pca")
    (path,) = list(projections_module.projection_cache_dir().glob("pca-*.npz"))
    path.write_bytes(b"garbage")
    again = project(blobs, "pca")
    assert not again.cached and np.allclose(again.embedding, first.embedding)


def test_progress_is_reported(blobs):
    seen = []
    project(
        blobs,
        "tsne",
        cache=False,
        progress=lambda fraction, message: seen.append((fraction, message)),
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("t-SNE" in m for _, m in seen)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"method": "isomap"}, "unknown projection"),
        ({"method": "tsne", "perplexity": 500}, "perplexity"),
        ({"method": "umap", "n_neighbors": 1}, "n_neighbors"),
        ({"method": "umap", "min_dist": 2.0}, "min_dist"),
        ({"method": "tsne", "perplexity": "many"}, "perplexity must be a number"),
        ({"method": "tsne", "neighbours": 5}, "unknown projection options: neighbours"),
    ],
)
def test_invalid_parameters(kwargs, message, blobs):
    with pytest.raises(ValueError, match=message):
        Projector(**kwargs).fit(blobs)


def test_nan_inputs_are_refused(blobs):
    blobs[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        project(blobs, "pca")


def test_trustworthiness_of_identity_is_one(blobs):
    assert trustworthiness_score(blobs[:, :2], blobs[:, :2]) == pytest.approx(1.0)


def test_umap_is_not_imported_with_the_package():
    code = (
        "import sys, vae_core, vae_core.analysis.projections, vae_core.analysis.latent, "
        "vae_core.analysis.metrics; print('umap' in sys.modules)"
    )
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "False"
    )


@pytest.mark.slow
def test_umap_projection_is_seeded(blobs):
    a = project(blobs, "umap", n_neighbors=10, random_state=3, cache=False)
    b = project(blobs, "umap", n_neighbors=10, random_state=3, cache=False)
    assert a.embedding.shape == (240, 2)
    assert np.allclose(a.embedding, b.embedding)
    assert a.trustworthiness > 0.8


def test_estimates_come_from_this_machines_runs(tmp_path, monkeypatch):
    from vae_core.analysis import projections

    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(tmp_path))
    # nothing measured yet: the reference machine's rate
    first = projections.estimate("tsne", 10_000)
    assert not first.measured_here
    assert first.seconds == pytest.approx(
        get_method("tsne").reference_rate * 10_000 * np.log(10_000)
    )
    cold = projections.estimate("umap", 5_000, warm=False)
    assert cold.seconds == pytest.approx(
        get_method("umap").reference_rate * 5_000**1.15 + umap_method.REFERENCE_COMPILE
    )
    projections.record_timing("tsne", 5_000, 10.0)
    ten_thousand = projections.estimate("tsne", 10_000)
    # n log n from 5,000 to 10,000 points
    assert ten_thousand.measured_here and 20.0 < ten_thousand.seconds < 22.5
    projections.record_timing("umap", 10_000, 9.0)
    assert projections.expected_seconds("umap", 10_000) == pytest.approx(9.0)
    assert projections.expected_seconds("umap", 10_000, warm=False) == pytest.approx(
        9.0 + umap_method.REFERENCE_COMPILE
    )
    assert not projections.estimate(
        "umap", 10_000, warm=False
    ).measured_here  # the compilation was never timed here
    projections._remember("umap-compile", 31.5)
    assert projections.expected_seconds("umap", 10_000, warm=False) == pytest.approx(40.5)
    # once this machine has compiled UMAP, a new server only loads the compiled code
    (tmp_path / "numba" / "umap").mkdir(parents=True)
    (tmp_path / "numba" / "umap" / "umap_.fn-1.py311.nbi").write_bytes(b"")
    assert projections.expected_seconds("umap", 10_000, warm=False) == pytest.approx(
        9.0 + umap_method.REFERENCE_LOAD
    )
    projections._remember("umap-load", 4.5)
    assert projections.expected_seconds("umap", 10_000, warm=False) == pytest.approx(13.5)


@pytest.mark.slow
def test_umap_compiles_once_per_machine(tmp_path):
    """The first server on a machine compiles UMAP's numba code into the cache folder; the next
    one loads it, in a fraction of the time."""
    code = (
        "from vae_core.analysis.projections import warm_up_umap, _read_timings\n"
        "warm_up_umap().join()\n"
        "print(_read_timings())\n"
    )
    env = {**os.environ, "VAE_EXPLORER_CACHE": str(tmp_path)}
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr[-2000:]
    timings = json.loads((tmp_path / "projections" / "timings.json").read_text())
    (first,), (second,) = timings["umap-compile"], timings["umap-load"]
    assert second < first / 2, timings
    assert any((tmp_path / "numba").rglob("*.nbi"))


def test_progress_keeps_moving_past_the_estimate():
    from vae_core.analysis.projections import progress_fraction

    steps = [progress_fraction(t, 10.0) for t in (0, 5, 10, 20, 40, 1000)]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)  # always moving forward
    assert steps[0] == 0 and steps[1] == pytest.approx(0.425) and steps[2] == pytest.approx(0.85)
    # never claims to be done (the last 5 % is the trustworthiness measure)
    assert steps[-1] <= 0.95


def test_progress_follows_the_clock_and_the_estimate(tmp_path, monkeypatch):
    import time

    from vae_core.analysis.projections import run_with_progress

    calls = []

    def slow():
        time.sleep(1.2)
        return "done"

    assert (
        run_with_progress(slow, 1.0, lambda f, m: calls.append((f, m)), "t-SNE of 10 points")
        == "done"
    )
    fractions = [f for f, _ in calls]
    assert len(calls) >= 3 and fractions == sorted(fractions) and max(fractions) < 0.95
    assert "t-SNE of 10 points: 1 s of about 1 s" in [m for _, m in calls]
    with pytest.raises(ZeroDivisionError):
        run_with_progress(lambda: 1 / 0, 1.0, lambda f, m: None, "broken")


def test_a_projection_records_its_time(tmp_path, monkeypatch):
    from vae_core.analysis import projections

    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(tmp_path))
    data = np.random.default_rng(0).standard_normal((300, 5)).astype(np.float32)
    projections.project(data, "tsne", perplexity=10.0)
    assert projections.expected_seconds("tsne", 300) is not None


class FirstCoordinates(ProjectionMethod):
    """A toy method defined in this test alone: the first two input coordinates, scaled."""

    def embed(self, X, params, random_state):
        return X[:, :2] * params["scale"]


TOY = FirstCoordinates(
    name="coords",
    label="First coordinates",
    summary="The first two coordinates, as they are.",
    order=9,
    reference_rate=1e-6,
    options=(
        Setting(
            name="scale",
            label="Scale",
            help="Multiplies both coordinates.",
            default=1.0,
            low=0.0,
            low_allowed=False,
            form_high=4.0,
            step=0.5,
        ),
    ),
    transforms_new_points=True,
    instant=True,
)


@pytest.fixture
def toy_method():
    register(TOY)
    yield TOY
    unregister(TOY)


def test_a_new_projection_method_is_one_object_the_library_and_the_page_ask(toy_method, blobs):
    from tests.test_app import open_page

    result = project(blobs, "coords", scale=2.0)
    assert np.allclose(result.embedding, blobs[:, :2] * 2.0) and not result.cached
    assert result.params == {"method": "coords", "random_state": 0, "scale": 2.0}
    assert project(blobs, "coords", scale=2.0).cached and not project(blobs, "coords").cached
    with pytest.raises(ValueError, match="scale must be > 0"):
        project(blobs, "coords", scale=0.0)
    assert projections_module.estimate("coords", 1000).seconds == pytest.approx(1e-3)
    assert list(METHODS)[-1] == "coords"
    with pytest.raises(ValueError, match="registered already"):
        register(FirstCoordinates(**{**TOY.__dict__, "label": "another"}))

    at = open_page("pages/5_Projections.py")
    at.radio(key="proj_method").set_value("coords").run()
    assert not at.exception
    slider = at.slider(key="proj_scale")
    assert slider.label == "Scale" and slider.value == 1.0 and slider.max == 4.0
    assert "The first two coordinates, as they are." in [c.value for c in at.caption]
    assert at.metric[0].label.startswith("Trustworthiness")  # computed at once, as PCA is
