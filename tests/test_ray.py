"""Trainings on a local Ray cluster started inside the test (offline, two CPUs)."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")

from vae_core.experiments.pretrain import sweep
from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.store.checkpoints import list_checkpoints, load_model
from vae_core.training.executors import WorkerLost
from vae_core.training.jobs import DONE, FINISHED, STOPPED, JobManager
from vae_core.training.pipeline import get_or_train
from vae_core.training.placement import make_executor

pytestmark = pytest.mark.slow

SMALL = TrainConfig(epochs=2, batch_size=64, train_subset=1024, test_subset=256, seed=0)
NETWORK = ModelConfig(hidden_sizes=(32,))


@pytest.fixture(scope="module")
def cluster():
    executor = make_executor("ray", "local", num_cpus=2)
    yield executor
    executor.shutdown()


def wait_until(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def training_actor_pids() -> list[int]:
    """Processes of this machine running a training actor (Ray names them after the class)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "TrainingActor" in command:
                pids.append(int(entry.name))
    return pids


def test_two_trainings_show_live_snapshots_and_stop_on_the_worker(cluster, isolated_store):
    manager = JobManager(executor=cluster)
    assert manager.max_running == 2
    finished = manager.submit(NETWORK, SMALL)
    long_run = manager.submit(NETWORK, dataclasses.replace(SMALL, epochs=400, seed=1))
    # a snapshot crossed over
    wait_until(lambda: long_run.snapshot().epochs_done >= 1 or long_run.status in FINISHED)
    seen = long_run.snapshot()
    assert len(seen.live_codes) == seen.epochs_done and seen.live_codes[0].shape == (2000, 2)
    assert seen.reconstructions.shape == (2, 8, 28, 28) and seen.batches_total == 400 * 16
    long_run.stop()
    stopped = manager.wait(long_run, timeout=120)
    assert stopped.status == STOPPED and stopped.epochs_done < 400
    assert (
        load_model(isolated_store / stopped.checkpoint_name).train_config.epochs
        == stopped.epochs_done
    )
    done = manager.wait(finished, timeout=120)
    assert done.status == DONE and len(done.live_codes) == 2 and len(done.history) == 2
    assert {info.name for info in list_checkpoints([isolated_store])} == {
        done.checkpoint_name,
        stopped.checkpoint_name,
    }


def test_a_sweep_fans_out_over_the_cluster(cluster):
    grid = ({"mmd_weight": 10.0}, {"mmd_weight": 100.0}, {"mmd_weight": 1000.0})
    rows = sweep(
        "mnist",
        epochs=1,
        grid=grid,
        on_message=lambda message: None,
        executor=cluster,
        train_subset=1024,
    )
    assert [row["lambda"] for row in rows] == [10.0, 100.0, 1000.0]
    assert all(0.0 < row["knn5_accuracy"] <= 1.0 and row["recon"] > 0 for row in rows)


def test_a_worker_killed_mid_training_stores_nothing(cluster, isolated_store):
    config = dataclasses.replace(SMALL, epochs=400, seed=2)
    killed = []

    def kill_the_worker(snapshot) -> None:
        if not killed:
            killed.extend(training_actor_pids())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    with pytest.raises(WorkerLost, match="the worker training this model was lost"):
        get_or_train(NETWORK, config, executor=cluster, on_snapshot=kill_the_worker)
    assert killed
    assert list_checkpoints([isolated_store]) == []
    assert not [p for p in isolated_store.iterdir() if not p.name.startswith(".lock")]
    manager = JobManager(executor=cluster)  # the cluster still takes work afterwards
    assert manager.wait(manager.submit(NETWORK, SMALL), timeout=120).status == DONE


def test_a_finished_training_gives_its_cpu_back_at_once(cluster):
    """No idle worker keeps a CPU that another server's training could use."""
    first = cluster.run(NETWORK, dataclasses.replace(SMALL, epochs=1, seed=3))
    assert first.epochs_completed == 1
    wait_until(lambda: not training_actor_pids(), timeout=30)
    wait_until(lambda: cluster.free_slots() == cluster.capacity() == 2, timeout=10)
