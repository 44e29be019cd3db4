import json
import subprocess
import sys

import pytest

from vae_core.cli import main

TINY = ["--hidden", "32", "--epochs", "1", "--train-subset", "512", "--test-subset", "256", "--batch-size", "64"]


@pytest.mark.parametrize(
    "argv,message",
    [
        ([], "required"),
        (["train", "--latent-dim", "0"], "latent_dim must be a whole number >= 1"),
        (["train", "--model", "gan"], "invalid choice: 'gan'"),
        (["train", "--dataset", "cifar"], "unknown dataset 'cifar'"),
        (["train", "--hidden", "a,b"], "comma-separated whole numbers"),
        (["train", "--beta", "-1"], "beta must be >= 0"),
        (["train", "--epochs", "0"], "epochs must be a whole number >= 1"),
        (["train", "--mmd-weight", "-2", "--model", "mmd-vae"], "mmd_weight must be >= 0"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_train_then_reuse_then_list_then_evaluate(tmp_path, capsys):
    assert main(["train", *TINY, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "epoch   1/1" in out and "checkpoint: " in out
    path = out.strip().splitlines()[-1].split("checkpoint: ")[1]
    assert main(["train", *TINY, "--out", str(tmp_path)]) == 0
    assert f"already trained: {path}" in capsys.readouterr().out
    assert main(["list", "--root", str(tmp_path)]) == 0
    assert "mnist-vae-2d-" in capsys.readouterr().out
    assert main(["evaluate", path, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["test"]["neg_elbo"] > result["test"]["recon"] > 0
    assert result["images"] == 10_000


def test_beta_vae_alias_sets_beta(tmp_path, capsys):
    assert main(["train", *TINY, "--model", "beta-vae", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["list", "--root", str(tmp_path), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["model"] == "vae"
    from vae_core.store import read_checkpoint_info

    assert read_checkpoint_info(entry["path"]).model_config.beta == 4.0


def test_runtime_failures_exit_1(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing")]) == 1
    assert "not a checkpoint folder" in capsys.readouterr().err
    assert main(["train", *TINY, "--lr", "1e12", "--out", str(tmp_path)]) == 1
    assert "learning rate 1e+12 is probably too high" in capsys.readouterr().err


def test_module_entry_point_runs():
    completed = subprocess.run([sys.executable, "-m", "vae_core", "train", "--latent-dim", "-1"], capture_output=True, text=True)
    assert completed.returncode == 2
    assert "latent_dim" in completed.stderr
