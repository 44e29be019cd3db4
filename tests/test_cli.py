import json
import subprocess
import sys
from pathlib import Path

import pytest

from vae_core.cli import main

TINY = [
    "--hidden",
    "32",
    "--epochs",
    "1",
    "--train-subset",
    "512",
    "--test-subset",
    "256",
    "--batch-size",
    "64",
]


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
        (["sweep", "--train-subset", "-5"], "a subset is 0 (every image) or more images"),
        (["sweep", "--train-subset", "many"], "'many' is not a whole number of images"),
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


def test_remeasure_updates_the_latent_metrics_and_keeps_the_rest(tmp_path, capsys):
    """After a measure changes, stored checkpoints measure again in place; a folder that is not a
    checkpoint gets a message and the exit status says so."""
    assert main(["train", *TINY, "--out", str(tmp_path)]) == 0
    path = Path(capsys.readouterr().out.strip().splitlines()[-1].split("checkpoint: ")[1])
    stored = json.loads((path / "metrics.json").read_text())
    stale = {**stored, "latent": {"prior_holes": 7.0}}  # a measure that has since changed
    (path / "metrics.json").write_text(json.dumps(stale))
    assert main(["remeasure", str(path), str(tmp_path / "nothing")]) == 1
    out, err = capsys.readouterr()
    assert f"{path}: prior holes" in out and "nothing" in err
    again = json.loads((path / "metrics.json").read_text())
    assert 0.0 <= again["latent"]["prior_holes"] <= 1.0
    assert again["test"] == stored["test"] and again["training"] == stored["training"]
    assert 0.0 <= again["latent"]["knn5_accuracy"] <= 1.0 and "mmd_to_prior" in again["latent"]


def test_beta_vae_alias_sets_beta(tmp_path, capsys):
    assert main(["train", *TINY, "--model", "beta-vae", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["list", "--root", str(tmp_path), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["model"] == "vae"
    from vae_core.store.checkpoints import read_checkpoint_info

    assert read_checkpoint_info(entry["path"]).model_config.beta == 4.0


def test_runtime_failures_exit_1(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing")]) == 1
    assert "not a checkpoint folder" in capsys.readouterr().err
    assert main(["train", *TINY, "--lr", "1e12", "--out", str(tmp_path)]) == 1
    assert "learning rate 1e+12 is probably too high" in capsys.readouterr().err


def test_module_entry_point_runs():
    completed = subprocess.run(
        [sys.executable, "-m", "vae_core", "train", "--latent-dim", "-1"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2
    assert "latent_dim" in completed.stderr


def test_app_command_runs_the_explorer_with_streamlit_options():
    from explorer.launch import app_command
    from vae_core.data.paths import PROJECT_ROOT

    command = app_command(["--server.port", "8600"])
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[4] == str(PROJECT_ROOT / "explorer_app.py") and command[5:] == [
        "--server.port",
        "8600",
    ]


def test_the_library_has_no_app_command_and_the_console_script_has(capsys):
    from explorer.launch import main as console_main

    assert main(["app"]) == 2 and "app" in capsys.readouterr().err
    assert console_main(["app", "--help"]) == 0 and "streamlit run" in capsys.readouterr().out
    assert console_main(["list", "--json"]) == 0 and json.loads(capsys.readouterr().out)


def test_the_app_starts_from_any_folder(tmp_path):
    import time
    import urllib.request

    from tests.drivers.browser import free_port

    port = free_port()
    command = [
        sys.executable,
        "-m",
        "explorer",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
    ]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.time() + 60
        while True:
            assert process.poll() is None, "the app exited"
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=1
                ) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.time() < deadline, "the app did not answer within 60 s"
                time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(10)
    help_text = subprocess.run(
        [sys.executable, "-m", "explorer", "--help"], capture_output=True, text=True, timeout=60
    )
    assert help_text.returncode == 0 and "streamlit run" in help_text.stdout


def test_a_sweep_can_be_made_small(monkeypatch, capsys):
    """sweep --train-subset reaches the grid points' training configuration (the first
    point's run fails on purpose, so the sweep stops there with exit code 1)."""
    import vae_core.training.executors as executors

    seen = []

    def fake_run(self, model_config, train_config, **options):
        seen.append(train_config.train_subset)
        raise ValueError("stop after the configuration is seen")

    monkeypatch.setattr(executors.LocalExecutor, "run", fake_run)
    assert main(["sweep", "--epochs", "1", "--train-subset", "512"]) == 1
    assert seen == [512] and "stop after the configuration is seen" in capsys.readouterr().err
