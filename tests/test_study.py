"""The study's statistics, the binarized training option, and a quick end-to-end run."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from vae_core.data.paths import study_results_path
from vae_core.experiments.study import (
    QUICK,
    family,
    holm,
    mean_std,
    paired,
    paired_interval,
    paired_p_value,
    run_study,
    verdict,
)
from vae_core.models.config import ModelConfig, TrainConfig, config_key


def test_a_paired_interval_on_known_data():
    mean, low, high, n = paired_interval([1.0, 2.0, 3.0], [0.0, 0.0, 0.0])
    half = 4.302652729911275 / math.sqrt(3)  # t(0.975, 2 degrees of freedom) x sd 1 / sqrt(3)
    assert (
        (mean, n) == (2.0, 3) and low == pytest.approx(2 - half) and high == pytest.approx(2 + half)
    )
    # the interval holds 0
    assert verdict(low, high, higher_is_better=True) == "no clear difference"
    mean, low, high, _ = paired_interval([10.0, 11.0, 12.0], [1.0, 2.1, 2.9])
    assert low > 0 and verdict(low, high, True) == "better" and verdict(low, high, False) == "worse"
    assert verdict(-3.0, -1.0, True) == "worse" and verdict(-3.0, -1.0, False) == "better"


def test_equal_samples_make_no_clear_difference():
    mean, low, high, n = paired_interval([0.81, 0.80, 0.82], [0.81, 0.80, 0.82])
    assert (mean, low, high) == (0.0, 0.0, 0.0) and verdict(
        low, high, True
    ) == "no clear difference"
    assert math.isinf(paired_interval([1.0], [0.0])[1])  # one pair cannot bound anything
    assert mean_std([1.0, 3.0, None, float("nan")]) == (2.0, math.sqrt(2.0), 2)


def test_holm_adjusts_step_down_and_keeps_the_order():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.001]) == pytest.approx([0.5, 0.002])
    assert holm([0.6, 0.9]) == [1.0, 1.0] and holm([]) == []


def test_the_paired_p_value_is_scipys_paired_t_test():
    from scipy import stats

    a, b = [0.81, 0.79, 0.84], [0.80, 0.80, 0.81]
    assert paired_p_value(a, b) == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert paired_p_value([1.0], [0.0]) == 1.0 and paired_p_value([2, 3], [1, 2]) == 0.0


def test_no_difference_of_the_shipped_study_survives_holms_correction():
    """With Holm over all 24 comparisons the smallest adjusted p are 0.058 and 0.060 (both
    Fashion-MNIST's MMD to the prior): three seeds resolve none of them."""
    results = json.loads(study_results_path().read_text())
    comparisons = family(results)
    adjusted = sorted(c["p_holm"] for c in comparisons.values())
    assert len(comparisons) == 24 and adjusted[:2] == pytest.approx([0.058, 0.060], abs=0.001)
    assert {c["verdict"] for c in comparisons.values()} == {"no clear difference"}
    assert min(c["low"] for c in comparisons.values() if c["high"] < 0) < 0  # raw intervals stay


def test_the_report_calls_a_difference_clear_only_where_the_correction_does():
    from vae_core.experiments.report import findings
    from vae_core.experiments.study_report import study_section

    results = json.loads(study_results_path().read_text())
    text = "\n".join(study_section(results))
    cells = re.findall(r"\| (better|worse|no clear difference)( †)? \|", text)
    clear = [c for c in family(results).values() if c["verdict"] != "no clear difference"]
    assert len(cells) == 24 and sum(word != "no clear difference" for word, _ in cells) == len(
        clear
    )
    assert "Holm" in text and "Holm p" in text
    by_role = {role: _shipped_metrics(role) for role in ("vae", "mmd-vae")}
    prose = findings("fashion-mnist", by_role, results)
    assert " — better" not in prose and " — worse" not in prose and "Holm p" in prose


def _shipped_metrics(role: str) -> dict:
    from vae_core.experiments.pretrain import CATALOG

    entry = next(e for e in CATALOG if e.role == role and e.dataset == "fashion-mnist")
    return json.loads((entry.path / "metrics.json").read_text())


def test_pairs_are_taken_by_seed():
    results = {
        "runs": [
            {"dataset": "mnist", "role": role, "seed": seed, "metrics": {"NMI": value}}
            for role, seed, value in [
                ("vae", 0, 0.60),
                ("vae", 1, 0.62),
                ("vae", 2, 0.61),
                ("mmd_vae", 1, 0.50),
                ("mmd_vae", 2, 0.52),
                ("mmd_vae", 7, 0.9),
            ]
        ]
    }
    comparison = paired(results, "mnist", "mmd_vae", "vae", "NMI")
    assert comparison["pairs"] == 2 and comparison["difference"] == pytest.approx(-0.105)
    assert paired(results, "fashion-mnist", "mmd_vae", "vae", "NMI") is None


def test_binarization_keeps_pixel_means_and_is_fixed():
    from vae_core.data.datasets import binarized, load_dataset

    test = load_dataset("mnist", "test")
    once = binarized(test, 0)
    assert set(np.unique(once.floats().numpy())) == {0.0, 1.0}
    assert abs(once.floats().mean().item() - test.floats().mean().item()) < 2e-3
    assert once is binarized(test, 0) and not np.array_equal(
        once.pixels.numpy(), binarized(test, 1).pixels.numpy()
    )


def test_binarizing_changes_a_key_and_its_default_changes_none():
    model = ModelConfig()
    assert config_key(model, TrainConfig()) == config_key(model, TrainConfig(binarize=False))
    assert config_key(model, TrainConfig(binarize=True)) != config_key(model, TrainConfig())
    from vae_core.experiments.pretrain import CATALOG

    assert all(
        config_key(e.model_config, e.train_config) == e.name.rsplit("-", 1)[1] for e in CATALOG
    )


def test_a_binarized_training_sees_only_binary_images(monkeypatch):
    from vae_core.training.trainer import Trainer

    trainer = Trainer(
        ModelConfig(hidden_sizes=(16,)),
        TrainConfig(epochs=1, batch_size=64, train_subset=128, test_subset=64, binarize=True),
    )
    assert set(np.unique(trainer.test_images.numpy())) == {0, 255}  # uint8 pixels: 0 or 1
    seen = []
    real = trainer.model.forward
    monkeypatch.setattr(
        trainer.model, "forward", lambda x, y=None: seen.append(x.clone()) or real(x, y)
    )
    trainer.train_epoch()
    assert seen and all(set(np.unique(x.numpy())) <= {0.0, 1.0} for x in seen)


@pytest.mark.slow
def test_a_quick_study_runs_end_to_end_and_the_report_reads_it(tmp_path, monkeypatch):
    from vae_core.experiments.report import generate

    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "docs" / "study.json"
    results = run_study(("mnist",), (0, 1), QUICK, out, on_message=lambda message: None)
    assert len(results["runs"]) == 8  # ELBO VAE, MMD-VAE, autoencoder, binarized ELBO VAE x 2 seeds
    assert {r["method"] for r in results["projections"]} >= {
        "t-SNE of pixels (ours, vae_core.analysis.projections)"
    }
    saved = json.loads(out.read_text())
    assert saved["runs"] == results["runs"] and saved["seconds"] > 0
    # resumed: nothing trained again
    again = run_study(("mnist",), (0, 1), QUICK, out, on_message=lambda message: None)
    assert len(again["runs"]) == 8
    text = generate(out.parent, on_message=lambda message: None).read_text()
    assert (
        "## Seeds and spread" in text
        and "Davidson et al. 2018" in text
        and "Sainburg et al. 2021" in text
    )
    assert "| MMD-VAE − ELBO VAE | 5-NN accuracy |" in text


def test_a_resumed_study_drops_the_runs_of_a_setting_no_longer_shipped():
    from vae_core.experiments.study import current_runs, study_configs

    configs = study_configs(("mnist",), (0,), QUICK)
    dataset, role, seed, model_config, train_config = configs[0]
    kept = {"dataset": "mnist", "role": role, "key": config_key(model_config, train_config)}
    stale = {"dataset": "mnist", "role": role, "key": "an-older-setting"}
    other = {"dataset": "fashion-mnist", "role": role, "key": "not-studied-now"}
    assert current_runs([kept, stale, other], configs, ("mnist",)) == [kept, other]


def test_a_resumed_study_measures_every_runs_holes_alike(monkeypatch):
    """Runs measured the calibrated way are measured again the older way while older runs are
    kept; a study whose runs are all calibrated is left alone."""
    from types import SimpleNamespace

    from vae_core.experiments import study
    from vae_core.store import encoding

    codes = np.random.default_rng(1).standard_normal((3000, 2)).astype(np.float32)
    monkeypatch.setattr(encoding, "encode_dataset", lambda m, d, s: SimpleNamespace(mu=codes))
    older = {"dataset": "mnist", "metrics": {"prior holes": 0.002}}
    newer = {"dataset": "mnist", "metrics": {"prior holes": 0.0}, "holes_measure": "calibrated"}
    results = {"runs": [older, dict(newer, metrics=dict(newer["metrics"]))]}
    changed = study.one_hole_measure(results, lambda run: "a model")
    assert len(changed) == 1 and changed[0]["holes_measure"] == study.OLDER_MEASURE
    assert changed[0]["metrics"]["prior holes"] == study.older_prior_holes(codes)
    assert study.metric_title(results, "prior holes") == study.OLDER_HOLES
    alike = {"runs": [dict(newer, metrics=dict(newer["metrics"]))]}
    assert study.one_hole_measure(alike, lambda run: "a model") == []
