"""Every comparison with its spread: the shipped 2-D models trained again with more seeds.

``python -m vae_core study`` trains the shipped ELBO VAE, MMD-VAE and plain autoencoder
on both datasets with several seeds (the shipped seed 0 is the shipped checkpoint,
re-evaluated), plus the ELBO VAE on dynamically binarized MNIST (the protocol of the
likelihood literature), evaluates each (IWAE with K = 500), projects the raw test pixels
with t-SNE and UMAP, and writes the raw results as JSON. :func:`summary` and
:func:`paired` turn them into means ± standard deviations and paired confidence
intervals; a difference is called better or worse only when its interval excludes zero.
Trained runs are kept in a store of their own, so an interrupted study resumes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vae_core.data.paths import cache_dir
from vae_core.experiments.pretrain import AE_ROLE, MMD_ROLE, VAE_ROLE
from vae_core.models.config import ModelConfig, TrainConfig, config_key

STUDY_ROLES = (VAE_ROLE, MMD_ROLE, AE_ROLE)  # the 2-D main models, retrained over several seeds
BINARIZED = f"{VAE_ROLE}-binarized"  # the ELBO VAE on dynamically binarized MNIST
SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Metric:
    section: str  # of evaluate()'s result
    key: str
    higher_is_better: bool
    digits: int


METRICS = {
    "-ELBO (nats)": Metric("test", "neg_elbo", False, 2),
    "IWAE NLL (nats)": Metric("test", "iwae_nll", False, 2),
    "recon BCE (nats)": Metric("test", "recon_bce", False, 2),
    "recon MSE": Metric("test", "recon_mse", False, 2),
    "5-NN accuracy": Metric("latent", "knn5_accuracy", True, 3),
    "NMI": Metric("latent", "nmi_kmeans10", True, 3),
    "MMD to prior": Metric("latent", "mmd_to_prior", False, 4),
    "prior holes": Metric("latent", "prior_holes", False, 3),
}
# Runs measured since prior holes are calibrated against the prior (analysis.metrics.prior_holes)
# say so; older runs counted prior samples farther than 0.25 from every code of a 2-D model.
HOLES_MEASURE = "calibrated"
OLDER_HOLES = "prior holes (older: beyond 0.25)"


OLDER_MEASURE = "beyond 0.25"  # what a run measured with the older holes records


def older_prior_holes(train_mu, n_samples: int = 5000, seed: int = 0) -> float:
    """The older hole measure, kept so that a resumed study measures every run alike: the share
    of ``n_samples`` N(0, I) samples whose nearest training code is farther than 0.25·√(d/2)."""
    from sklearn.neighbors import NearestNeighbors

    train_mu = np.asarray(train_mu, np.float32)
    d = train_mu.shape[1]
    prior = np.random.default_rng(seed).standard_normal((n_samples, d)).astype(np.float32)
    distances, _ = NearestNeighbors(n_neighbors=1).fit(train_mu).kneighbors(prior)
    return float((distances[:, 0] > 0.25 * np.sqrt(d / 2)).mean())


def one_hole_measure(results: dict, model_of) -> list[dict]:
    """While any run holds the older hole measure, runs measured the calibrated way are measured
    again the older way (``model_of(run)``: its model, or None when it is not at hand), so that
    no comparison sets one measure against the other. The runs changed."""
    from vae_core.store.encoding import encode_dataset

    runs = results.get("runs", [])
    if all(r.get("holes_measure") == HOLES_MEASURE for r in runs):
        return []
    changed = []
    for run in runs:
        model = model_of(run) if run.get("holes_measure") == HOLES_MEASURE else None
        if model is not None:
            train = encode_dataset(model, run["dataset"], "train")
            run["metrics"]["prior holes"] = older_prior_holes(train.mu)
            run["holes_measure"] = OLDER_MEASURE
            changed.append(run)
    return changed


def metric_title(results: dict, title: str) -> str:
    """The name a table gives a study metric: the older hole measure keeps a name of its own."""
    runs = results.get("runs", [])
    if title == "prior holes" and any(r.get("holes_measure") != HOLES_MEASURE for r in runs):
        return OLDER_HOLES
    return title


# Published numbers, each with its source (test split; log-likelihoods on dynamically binarized
# MNIST).
LITERATURE = {
    "log_likelihood": [  # (what, -log p(x) in nats, its standard deviation, runs, source)
        (
            "2-D Gaussian VAE (N-VAE)",
            135.73,
            0.83,
            10,
            "Davidson et al. 2018, Hyperspherical Variational Auto-Encoders, Table 1",
        ),
        (
            "2-D hyperspherical VAE (S-VAE)",
            132.50,
            0.73,
            10,
            "Davidson et al. 2018, Hyperspherical Variational Auto-Encoders, Table 1",
        ),
    ],
    "knn5": [  # (method, MNIST, Fashion-MNIST, source)
        (
            "2-D VAE codes",
            0.765,
            0.716,
            "Sainburg et al. 2021, Parametric UMAP embeddings, Table 2 (5-NN accuracy)",
        ),
        (
            "UMAP of pixels",
            0.954,
            0.761,
            "Sainburg et al. 2021, Parametric UMAP embeddings, Table 2",
        ),
        (
            "t-SNE of pixels",
            0.950,
            0.804,
            "Sainburg et al. 2021, Parametric UMAP embeddings, Table 2",
        ),
    ],
}


@dataclass(frozen=True)
class Scale:
    """How much of each run: the full study, or a quick one (tests, a first look)."""

    epochs: float = 1.0  # share of each model's shipped epochs
    train_subset: int = 0  # training images (0: all)
    projection_points: int = 10_000  # test images projected with t-SNE and UMAP
    iwae_k: int = 500


QUICK = Scale(epochs=0.05, train_subset=2_000, projection_points=400, iwae_k=8)


def study_configs(
    datasets, seeds, scale: Scale
) -> list[tuple[str, str, int, ModelConfig, TrainConfig]]:
    """(dataset, role, seed, model config, train config) of every run of the study."""
    from vae_core.experiments.pretrain import CATALOG

    runs = []
    for entry in CATALOG:
        if entry.dataset not in datasets or entry.role not in STUDY_ROLES:
            continue
        variants = [(entry.role, {})] + (
            [(BINARIZED, {"binarize": True})]
            if entry.role == VAE_ROLE and entry.dataset == "mnist"
            else []
        )
        for role, extra in variants:
            epochs = max(1, round(entry.train_config.epochs * scale.epochs))
            for seed in seeds:
                train = dataclasses.replace(
                    entry.train_config,
                    seed=seed,
                    epochs=epochs,
                    train_subset=scale.train_subset,
                    **extra,
                )
                runs.append((entry.dataset, role, seed, entry.model_config, train))
    return runs


def _model_for(model_config: ModelConfig, train_config: TrainConfig, store: Path):
    """The shipped checkpoint when these are exactly its configs, else the study store's (trained
    once)."""
    from vae_core.data.paths import shipped_checkpoints_dir
    from vae_core.store.checkpoints import find_checkpoint, load_model
    from vae_core.training.pipeline import get_or_train

    shipped = find_checkpoint(model_config, train_config, [shipped_checkpoints_dir()])
    if shipped is not None:
        return load_model(shipped), "shipped"
    stored = get_or_train(model_config, train_config, root=store, roots=[store])
    return stored.model, "trained" if stored.trained else "study store"


def evaluate_run(
    dataset, role, seed, model_config, train_config, scale: Scale, store: Path
) -> dict:
    from vae_core.analysis.metrics import evaluate

    start = time.perf_counter()
    model, origin = _model_for(model_config, train_config, store)
    metrics = evaluate(model, dataset, iwae_k=scale.iwae_k if model_config.has_elbo else 0)
    return {
        "dataset": dataset,
        "role": role,
        "seed": seed,
        "key": config_key(model_config, train_config),
        "origin": origin,
        "epochs": train_config.epochs,
        "train_subset": train_config.train_subset,
        "binarized": train_config.binarize,
        "metrics": {name: metrics[m.section].get(m.key) for name, m in METRICS.items()},
        "holes_measure": HOLES_MEASURE,
        "seconds": round(time.perf_counter() - start, 1),
    }


def five_nn_cross_validated(
    points: np.ndarray, labels: np.ndarray, folds: int = 5, seed: int = 0
) -> float:
    """5-NN accuracy of 2-D points by k-fold cross-validation within one set (for projections,
    which embed only the test images)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return float(cross_val_score(KNeighborsClassifier(5), points, labels, cv=splitter).mean())


def projection_runs(dataset: str, scale: Scale, vae_codes: np.ndarray | None) -> list[dict]:
    """t-SNE and UMAP of the raw test pixels, and the VAE's own codes, scored alike."""
    from vae_core.analysis.projections import project
    from vae_core.data.datasets import load_arrays

    images, labels = load_arrays(dataset, "test")
    n = min(scale.projection_points, len(labels))
    pixels = images[:n].reshape(n, -1).astype(np.float32) / 255.0
    rows = []
    for method, name in (("tsne", "t-SNE"), ("umap", "UMAP")):
        result = project(pixels, method)
        rows.append(
            {
                "dataset": dataset,
                "method": f"{name} of pixels (ours, vae_core.analysis.projections)",
                "points": n,
                "seconds": round(result.seconds, 1),
                "knn5_cv": five_nn_cross_validated(result.embedding, labels[:n]),
            }
        )
    if vae_codes is not None:
        rows.append(
            {
                "dataset": dataset,
                "method": "2-D VAE codes, seed 0 (ours)",
                "points": n,
                "seconds": 0.0,
                "knn5_cv": five_nn_cross_validated(vae_codes[:n, :2], labels[:n]),
            }
        )
    return rows


def run_study(
    datasets=("mnist", "fashion-mnist"),
    seeds=SEEDS,
    scale: Scale = Scale(),
    out: Path | None = None,
    on_message: Callable[[str], None] = print,
) -> dict:
    """Run (or resume, from ``out``) the whole study and return its raw results."""
    began = time.perf_counter()
    results = load_results(out) if out is not None and out.is_file() else {}
    done = {(r["key"], r["dataset"]) for r in results.get("runs", [])}
    results.update(
        {
            "seeds": list(seeds),
            "iwae_k": scale.iwae_k,
            "scale": dataclasses.asdict(scale),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        }
    )
    results.setdefault("runs", [])
    store = cache_dir() / "study-store"
    configs = study_configs(datasets, seeds, scale)
    results["runs"] = current_runs(results["runs"], configs, datasets)
    for index, (dataset, role, seed, model_config, train_config) in enumerate(configs, 1):
        if (config_key(model_config, train_config), dataset) in done:
            continue
        on_message(f"[{index}/{len(configs)}] {dataset} {role} seed {seed}")
        results["runs"].append(
            evaluate_run(dataset, role, seed, model_config, train_config, scale, store)
        )
        _save(results, out, began)
    by_key = {(config_key(c[3], c[4]), c[0]): c for c in configs}

    def model_of(run: dict):
        config = by_key.get((run["key"], run["dataset"]))
        return None if config is None else _model_for(config[3], config[4], store)[0]

    if one_hole_measure(results, model_of):
        on_message("measured the newer runs' prior holes the way the older runs were")
        _save(results, out, began)
    results["projections"] = [
        row for d in datasets for row in projection_runs(d, scale, _seed0_codes(d, configs, store))
    ]
    _save(results, out, began)
    on_message(f"study done in {results['seconds'] / 60:.0f} min")
    return results


def current_runs(runs: list[dict], configs, datasets) -> list[dict]:
    """The recorded runs the study still asks for: a run of a dataset being studied whose
    configuration the catalogue no longer ships (a changed setting) is dropped, so a resumed
    study never mixes two settings under one role."""
    wanted = {(config_key(c[3], c[4]), c[0]) for c in configs}
    return [r for r in runs if r["dataset"] not in datasets or (r["key"], r["dataset"]) in wanted]


def _seed0_codes(dataset, configs, store) -> np.ndarray | None:
    from vae_core.store.encoding import encode_dataset

    for d, role, seed, model_config, train_config in configs:
        if d == dataset and role == VAE_ROLE and seed == min(c[2] for c in configs):
            return encode_dataset(
                _model_for(model_config, train_config, store)[0], dataset, "test"
            ).mu
    return None


def _save(results: dict, out: Path | None, began: float) -> None:
    results["seconds"] = round(
        results.get("previous_seconds", 0.0) + time.perf_counter() - began, 1
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        kept = {k: v for k, v in results.items() if k != "previous_seconds"}
        tmp.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n")
        tmp.replace(out)


def load_results(path: Path) -> dict:
    results = json.loads(Path(path).read_text())
    results["previous_seconds"] = results.get("seconds", 0.0)
    return results


# --- statistics ----------------------------------------------------------------------


def mean_std(values) -> tuple[float, float, int]:
    """Mean, sample standard deviation (n - 1) and count of the finite values."""
    values = np.asarray([v for v in values if v is not None and math.isfinite(v)], np.float64)
    if len(values) == 0:
        return math.nan, math.nan, 0
    return (
        float(values.mean()),
        float(values.std(ddof=1)) if len(values) > 1 else math.nan,
        len(values),
    )


def paired_interval(a, b, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """Mean of the paired differences a - b (same seeds) and its Student-t confidence interval:
    (mean, low, high, number of pairs). With one pair the interval is unbounded."""
    from scipy import stats

    differences = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    n = len(differences)
    mean = float(differences.mean())
    if n < 2:
        return mean, -math.inf, math.inf, n
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * differences.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def welch_interval(
    mean_a: float,
    std_a: float,
    n_a: int,
    mean_b: float,
    std_b: float,
    n_b: int,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """mean_a - mean_b and its Welch confidence interval, from two groups' means, standard
    deviations and sizes (no pairing: a published number against ours). (mean, low, high);
    unbounded where a group has fewer than two runs."""
    from scipy import stats

    difference = mean_a - mean_b
    if min(n_a, n_b) < 2:
        return difference, -math.inf, math.inf
    share_a, share_b = std_a**2 / n_a, std_b**2 / n_b
    error = math.sqrt(share_a + share_b)
    if error == 0:
        return difference, difference, difference
    freedom = (share_a + share_b) ** 2 / (share_a**2 / (n_a - 1) + share_b**2 / (n_b - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, freedom)) * error
    return difference, difference - half, difference + half


def verdict(low: float, high: float, higher_is_better: bool) -> str:
    """'better' or 'worse' (for the first of a pair) only when the interval excludes zero."""
    if low > 0:
        return "better" if higher_is_better else "worse"
    if high < 0:
        return "worse" if higher_is_better else "better"
    return "no clear difference"


def values(results: dict, dataset: str, role: str, metric: str) -> dict[int, float]:
    """seed -> value of one metric for one model."""
    return {
        r["seed"]: r["metrics"].get(metric)
        for r in results.get("runs", [])
        if r["dataset"] == dataset and r["role"] == role and r["metrics"].get(metric) is not None
    }


def summary(results: dict, dataset: str, role: str, metric: str) -> tuple[float, float, int]:
    return mean_std(values(results, dataset, role, metric).values())


ALPHA = 0.05  # a difference is called clear when its Holm-adjusted p is below this
# The study's family of paired comparisons: these pairs of models (first − second), on every
# dataset, for every metric both have. Holm's correction runs over all of them at once.
FAMILY_PAIRS = ((MMD_ROLE, VAE_ROLE), (AE_ROLE, VAE_ROLE))
FAMILY_DATASETS = ("mnist", "fashion-mnist")


def paired_p_value(a, b) -> float:
    """Two-sided p of the paired t-test of a - b = 0 (Student t over the pairs): 1 with fewer
    than two pairs."""
    from scipy import stats

    differences = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    if len(differences) < 2:
        return 1.0
    spread = differences.std(ddof=1)
    if spread == 0:
        return 0.0 if differences.mean() != 0 else 1.0
    t = differences.mean() / (spread / math.sqrt(len(differences)))
    return float(2 * stats.t.sf(abs(t), len(differences) - 1))


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p values (Holm 1979, "A simple sequentially rejective multiple
    test procedure"), in the order given: the k-th smallest of m is multiplied by m - k + 1,
    each kept at least as large as the one before, at most 1. A difference whose adjusted p is
    below α is clear with the family-wise error held at α."""
    m = len(p_values)
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _paired_raw(results: dict, dataset: str, first: str, second: str, metric: str) -> dict | None:
    a, b = values(results, dataset, first, metric), values(results, dataset, second, metric)
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return None
    first_values, second_values = [a[s] for s in seeds], [b[s] for s in seeds]
    mean, low, high, n = paired_interval(first_values, second_values)
    return {
        "difference": mean,
        "low": low,
        "high": high,
        "pairs": n,
        "p": paired_p_value(first_values, second_values),
    }


def family(results: dict) -> dict[tuple[str, str, str, str], dict]:
    """Every comparison of the study's family, (dataset, first, second, metric) -> its paired
    difference, raw 95 % interval, raw p, Holm-adjusted p over the whole family, and verdict
    (better or worse for the first only where the adjusted p is below ALPHA)."""
    raw = {
        (dataset, first, second, metric): comparison
        for dataset in FAMILY_DATASETS
        for first, second in FAMILY_PAIRS
        for metric in METRICS
        if (comparison := _paired_raw(results, dataset, first, second, metric)) is not None
    }
    adjusted = holm([c["p"] for c in raw.values()])
    return {
        key: _with_verdict(comparison, p_holm, METRICS[key[3]].higher_is_better)
        for (key, comparison), p_holm in zip(raw.items(), adjusted, strict=True)
    }


def _with_verdict(comparison: dict, p_holm: float, higher_is_better: bool) -> dict:
    clear = p_holm < ALPHA
    ahead = comparison["difference"] > 0
    word = ("better" if ahead == higher_is_better else "worse") if clear else "no clear difference"
    return {**comparison, "p_holm": p_holm, "verdict": word}


def paired(results: dict, dataset: str, first: str, second: str, metric: str) -> dict | None:
    """first - second on the seeds both have: the difference, its raw 95 % interval, raw p,
    Holm-adjusted p (over the study's family when the comparison is one of it, else alone) and
    the verdict that adjusted p allows (None: no common seed)."""
    found = family(results).get((dataset, first, second, metric))
    if found is not None:
        return found
    comparison = _paired_raw(results, dataset, first, second, metric)
    if comparison is None:
        return None
    return _with_verdict(comparison, comparison["p"], METRICS[metric].higher_is_better)


def clear_threshold(pairs: int, tests: int, alpha: float = ALPHA) -> float:
    """How many standard errors a paired difference over ``pairs`` seeds must be to stay clear
    after Holm's correction over ``tests`` comparisons, at best (the smallest p is multiplied
    by ``tests``)."""
    from scipy import stats

    return float(stats.t.isf(alpha / tests / 2, pairs - 1))
