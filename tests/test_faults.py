"""Faults: a process killed mid-training or mid-save leaves only complete checkpoints behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from vae_core import list_checkpoints, load_model
from vae_core.store.checkpoints import remove_partials

SAVER = textwrap.dedent(
    """
    import dataclasses, sys
    from vae_core import ModelConfig, TrainConfig, build_model, save_model
    root = sys.argv[1]
    model = build_model(ModelConfig(hidden_sizes=(256,)))
    for seed in range(10_000):
        save_model(model, TrainConfig(seed=seed), root)
        print(seed, flush=True)
    """
)


def _kill_after_output(command: list[str], lines: int, env=None) -> None:
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    for _ in range(lines):
        if not process.stdout.readline():
            break
    process.send_signal(signal.SIGKILL)
    process.wait(30)


def test_killed_during_saves_leaves_only_complete_checkpoints(tmp_path):
    root = tmp_path / "store"
    _kill_after_output([sys.executable, "-c", SAVER, str(root)], lines=15)
    infos = list_checkpoints([root])
    assert len(infos) >= 15
    for info in infos:
        load_model(info.path)  # every visible checkpoint is whole
    leftovers = [p for p in root.iterdir() if p.name.startswith(".")]
    assert all(p.name.startswith((".tmp-", ".old-", ".lock-")) for p in leftovers)
    remove_partials(root, older_than=0)
    assert not [p for p in root.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    assert len(list_checkpoints([root])) == len(infos)


@pytest.mark.slow
def test_killed_during_training_leaves_the_store_readable(tmp_path):
    root = tmp_path / "store"
    command = [
        sys.executable,
        "-m",
        "vae_core",
        "train",
        "--hidden",
        "64",
        "--epochs",
        "50",
        "--train-subset",
        "5000",
        "--out",
        str(root),
    ]
    _kill_after_output(command, lines=2)  # two epochs done, killed mid-run
    assert list_checkpoints([root]) == []
    # The next run of the same configuration trains normally and stores a checkpoint.
    done = subprocess.run(
        [*command[:7], "2", *command[8:]], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert len(list_checkpoints([root])) == 1


def test_stale_partials_are_kept_while_young(tmp_path):
    root = tmp_path
    (root / ".tmp-mnist-vae-2d-abc-123").mkdir()
    remove_partials(root, older_than=3600)
    assert (root / ".tmp-mnist-vae-2d-abc-123").exists()
    old = time.time() - 7200
    os.utime(root / ".tmp-mnist-vae-2d-abc-123", (old, old))
    remove_partials(root, older_than=3600)
    assert not (root / ".tmp-mnist-vae-2d-abc-123").exists()
    assert Path(root).exists()
