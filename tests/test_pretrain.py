"""The shipped catalogue's MMD-VAE sweep: its grid points train on the training images but
the last 10,000 and are measured on those, so the shipped λ is chosen without the test split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vae_core.experiments import pretrain
from vae_core.experiments.pretrain import VALIDATION_IMAGES, main_entry, sweep, sweep_choice
from vae_core.models.kinds import MMD_VAE

DOCS = Path(__file__).resolve().parents[1] / "docs"


def row(knn: float, mean: float = 0.05, std=(1.0, 1.0), mmd: float = 0.001, **rest) -> dict:
    return {
        "knn5_accuracy": knn,
        "max_abs_mean": mean,
        "std": list(std),
        "mmd_to_prior": mmd,
        **rest,
    }


def test_the_choice_is_the_best_5nn_among_codes_that_match_the_prior():
    rows = [
        row(0.80, mean=0.2, name="off centre"),
        row(0.79, std=(0.7, 1.0), name="too narrow"),
        row(0.78, mmd=0.05, name="far from the prior"),
        row(0.77, name="chosen"),
        row(0.76, name="worse"),
    ]
    assert sweep_choice(rows)["name"] == "chosen"
    assert sweep_choice(rows[:3]) is None


@pytest.mark.slow
def test_a_grid_point_is_measured_on_held_out_training_images_never_the_test_split(monkeypatch):
    from vae_core.data import datasets
    from vae_core.store import encoding

    read = []
    for module in (datasets, encoding):
        original = module.load_dataset

        def spy(name, split, *args, _original=original, **kwargs):
            read.append(split)
            return _original(name, split, *args, **kwargs)

        monkeypatch.setattr(module, "load_dataset", spy)
    trained = []
    measure = pretrain._sweep_row

    def after_training(result, dataset):
        trained.append(result.train_config.train_subset)
        read.clear()  # what the measuring reads, not the trainer's own progress figures
        return measure(result, dataset)

    monkeypatch.setattr(pretrain, "_sweep_row", after_training)
    rows = sweep(
        "mnist",
        epochs=1,
        grid=({"mmd_weight": 100.0},),
        on_message=lambda m: None,
        train_subset=512,
    )
    assert trained == [512] and set(read) == {"train"}
    assert rows[0]["measured_on"].startswith(f"the last {VALIDATION_IMAGES:,} training images")
    assert 0 < rows[0]["knn5_accuracy"] <= 1 and rows[0]["recon"] > 0


def test_the_shipped_mmd_vae_is_the_saved_sweeps_choice():
    rows = json.loads((DOCS / "sweep-mnist.json").read_text())
    assert all("measured_on" in r for r in rows), "the saved sweep predates the validation split"
    choice = sweep_choice(rows)
    shipped = main_entry("mnist", MMD_VAE).model_config
    assert (choice["kernel"], choice["lambda"]) == (shipped.mmd_kernel, shipped.mmd_weight)
    assert choice["scales"] == ",".join(f"{s:g}" for s in shipped.kernel_scales)
