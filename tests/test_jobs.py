import dataclasses
import os

import pytest

from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.training.executors import default_max_running
from vae_core.training.jobs import DONE, FAILED, QUEUED, STOPPED, JobManager

MODEL = ModelConfig(hidden_sizes=(16,))
TRAIN = TrainConfig(epochs=2, batch_size=64, train_subset=512, test_subset=256)


def test_a_job_records_every_epoch_and_lands_in_the_store(isolated_store):
    manager = JobManager(max_running=1)
    job = manager.submit(MODEL, TRAIN)
    snapshot = manager.wait(job, timeout=120)
    assert snapshot.status == DONE, snapshot.message
    assert snapshot.epochs_done == 2 and len(snapshot.history) == 2
    assert len(snapshot.live_codes) == 2 and snapshot.live_codes[-1].shape == (2000, 2)
    assert snapshot.live_labels.shape == (2000,)
    assert snapshot.reconstructions.shape == (2, 8, 28, 28)
    assert snapshot.fraction == 1.0
    assert (isolated_store / snapshot.checkpoint_name).is_dir()


def test_identical_requests_share_one_job_and_stored_ones_open_at_once():
    manager = JobManager(max_running=1)
    first = manager.submit(MODEL, TRAIN)
    assert manager.submit(MODEL, TRAIN) is first
    manager.wait(first, timeout=120)
    again = manager.submit(MODEL, TRAIN)
    snapshot = manager.wait(again, timeout=60)
    assert again is not first and snapshot.status == DONE
    assert "Already trained" in snapshot.message
    assert len(snapshot.history) == 2  # read back from the stored history


def test_the_pool_is_bounded_and_shows_queue_positions():
    manager = JobManager(max_running=1)
    first = manager.submit(MODEL, dataclasses.replace(TRAIN, epochs=50))
    queued = [manager.submit(MODEL, dataclasses.replace(TRAIN, seed=seed)) for seed in (1, 2)]
    assert [job.snapshot().queue_position for job in queued] == [1, 2]
    assert all(job.status == QUEUED for job in queued)
    queued[0].stop()  # leaving the queue
    assert queued[0].status == STOPPED and "nothing was trained" in queued[0].message
    assert queued[1].snapshot().queue_position == 1
    first.stop()
    manager.wait(first, timeout=120)
    assert manager.wait(queued[1], timeout=120).status == DONE


def test_a_diverging_run_fails_with_advice():
    manager = JobManager(max_running=1)
    job = manager.submit(MODEL, dataclasses.replace(TRAIN, learning_rate=1e12))
    snapshot = manager.wait(job, timeout=120)
    assert snapshot.status == FAILED
    assert "Lower the learning rate" in snapshot.message


def test_a_run_stopped_in_its_first_epoch_stores_nothing():
    manager = JobManager(max_running=1)
    job = manager.submit(MODEL, dataclasses.replace(TRAIN, epochs=5, train_subset=0))
    job.stop()
    snapshot = manager.wait(job, timeout=120)
    assert snapshot.status == STOPPED
    assert snapshot.checkpoint_name is None


@pytest.mark.parametrize(
    "value,expected", [("3", 3), ("0", 1), ("many", max(1, (os.cpu_count() or 2) // 2))]
)
def test_max_running_comes_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("VAE_EXPLORER_MAX_TRAININGS", value)
    assert default_max_running() == expected


def test_a_finished_job_stores_its_replay():
    from vae_core.store.checkpoints import resolve_checkpoint
    from vae_core.store.replay import read_replay

    manager = JobManager(max_running=1)
    job = manager.submit(MODEL, dataclasses.replace(TRAIN, seed=7))
    snapshot = manager.wait(job, timeout=120)
    replay = read_replay(resolve_checkpoint(snapshot.checkpoint_name))
    assert replay.shape == (2, 2000, 2)
    assert abs(replay[-1] - snapshot.live_codes[-1]).max() < 0.05  # float16 storage


def test_trainings_run_at_a_lower_priority(monkeypatch):
    import threading

    from vae_core.training.jobs import lower_priority, training_niceness

    monkeypatch.setenv("VAE_EXPLORER_TRAINING_NICE", "7")
    assert training_niceness() == 7
    seen = {}

    def work():
        before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        lower_priority()
        seen["change"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) - before

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen["change"] == 7
    # not this thread
    assert os.getpriority(os.PRIO_PROCESS, 0) == os.getpriority(
        os.PRIO_PROCESS, threading.get_native_id()
    )
    monkeypatch.setenv("VAE_EXPLORER_TRAINING_NICE", "many")
    assert training_niceness() == 10
