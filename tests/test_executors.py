"""The executor interface with its local default; the Ray backend is in test_ray.py."""

import dataclasses
import threading
import time

import numpy as np
import pytest

from vae_core.cli import main
from vae_core.store.replay import read_replay
from vae_core.training.executors import ExecutorUnavailable, LocalExecutor, run_all
from vae_core.training.pipeline import get_or_train
from vae_core.training.placement import (
    EXECUTORS,
    FailoverExecutor,
    Placement,
    app_executor,
    make_executor,
    register,
    unregister,
)


def test_the_local_executor_reports_a_snapshot_per_epoch(tiny_model_config, tiny_train_config):
    config = dataclasses.replace(tiny_train_config, epochs=2)
    snapshots, batches = [], []
    result = LocalExecutor().run(
        tiny_model_config,
        config,
        on_snapshot=snapshots.append,
        on_batch=lambda done, total: batches.append((done, total)),
    )
    assert [s.record.epoch for s in snapshots] == [1, 2] and result.epochs_completed == 2
    assert snapshots[0].codes.shape == (2000, 2) and snapshots[0].reconstructions.shape == (
        8,
        28,
        28,
    )
    assert batches[-1][0] == batches[-1][1] == 2 * (512 // 64)
    assert not np.allclose(snapshots[0].codes, snapshots[1].codes)  # the codes move between epochs


def test_stored_runs_keep_the_snapshots_as_their_replay(tiny_model_config, tiny_train_config):
    config = dataclasses.replace(tiny_train_config, epochs=3)
    stored = get_or_train(tiny_model_config, config)
    replay = read_replay(stored.path)
    assert replay.shape == (3, 2000, 2)


def test_run_all_keeps_the_order_and_runs_side_by_side():
    together = threading.Barrier(3, timeout=30)  # passes only when three items run at once

    def one(item: int) -> int:
        if item < 3:
            together.wait()
        return item * 10

    assert run_all(LocalExecutor(parallel=3), range(4), one) == [0, 10, 20, 30]
    assert run_all(LocalExecutor(parallel=1), [5, 6, 7], lambda item: item * 10) == [50, 60, 70]


def test_run_all_raises_the_first_error_after_the_others_finish():
    failing, finished = threading.Event(), []

    def one(item: int) -> int:
        if item == 0:
            failing.set()
            raise ValueError("bad grid point")
        assert failing.wait(30)  # the others finish only after the error
        finished.append(item)
        return item

    with pytest.raises(ValueError, match="bad grid point"):
        run_all(LocalExecutor(parallel=3), range(3), one)
    assert sorted(finished) == [1, 2]


class CountingExecutor(LocalExecutor):
    """A toy executor defined in this test alone: this machine, counting its trainings."""

    runs: list = []

    def describe(self) -> str:
        return "the counting test executor"

    def run(self, model_config, train_config, **options):
        self.runs.append(model_config)
        return super().run(model_config, train_config, **options)


@pytest.fixture
def toy_executor():
    placement = register(
        Placement(
            "counting", "this machine, counted", 9, lambda address, **o: CountingExecutor(**o), True
        )
    )
    yield placement
    unregister(placement)
    CountingExecutor.runs.clear()


def test_a_new_executor_is_one_object_the_command_line_offers(toy_executor, tmp_path, capsys):
    assert list(EXECUTORS)[-1] == "counting"
    assert isinstance(make_executor("counting", parallel=2), CountingExecutor)
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "counting: this machine, counted" in " ".join(capsys.readouterr().out.split())
    argv = ["train", "--hidden", "16", "--epochs", "1", "--train-subset", "128"]
    code = main(argv + ["--test-subset", "64", "--executor", "counting", "--out", str(tmp_path)])
    assert code == 0 and len(CountingExecutor.runs) == 1
    assert "training on the counting test executor" in capsys.readouterr().err
    with pytest.raises(ValueError, match="registered already"):
        register(Placement("counting", "another", 9, LocalExecutor))


def test_an_unknown_executor_is_refused():
    with pytest.raises(ValueError, match="unknown executor 'slurm'"):
        make_executor("slurm")


@pytest.mark.parametrize("address", ["127.0.0.1:9", "ray://127.0.0.1:9", "not an address"])
def test_an_unreachable_cluster_is_a_clear_message(address):
    started = time.perf_counter()
    with pytest.raises(
        ExecutorUnavailable, match="cannot reach the Ray cluster|is not a Ray address"
    ):
        make_executor("ray", address, connect_timeout=2.0)
    assert time.perf_counter() - started < 30


def test_the_app_falls_back_to_the_local_pool_with_a_warning(monkeypatch):
    monkeypatch.delenv("VAE_EXPLORER_RAY_ADDRESS", raising=False)
    executor, notice = app_executor()
    assert isinstance(executor, LocalExecutor) and notice is None
    monkeypatch.setenv("VAE_EXPLORER_RAY_ADDRESS", "127.0.0.1:9")
    executor, notice = app_executor()
    try:
        assert executor.current is executor.local and executor.describe().startswith("this machine")
        assert notice == executor.notice
        assert (
            notice == "Trainings run on this server: cannot reach the Ray cluster at 127.0.0.1:9: "
            "nothing listens there."
        )
    finally:
        executor.shutdown()


def test_the_failover_executor_joins_a_cluster_that_answers_later(
    tiny_model_config, tiny_train_config
):
    """Refused at first, the cluster is tried again in the background and used once it answers."""
    answers = threading.Event()
    cluster = LocalExecutor(parallel=3)
    cluster.describe = lambda: "the stand-in cluster"

    def connect(on_lost):
        if not answers.is_set():
            raise ExecutorUnavailable(
                "cannot reach the Ray cluster at host:1: nothing listens there"
            )
        return cluster

    executor = FailoverExecutor("host:1", connect=connect, retry_seconds=0.05)
    try:
        assert executor.current is executor.local and "nothing listens there" in executor.notice
        answers.set()
        deadline = time.monotonic() + 30
        while executor.current is not cluster:
            assert time.monotonic() < deadline, "the cluster was not joined again"
            time.sleep(0.01)
        assert (
            executor.notice is None
            and executor.describe() == "the stand-in cluster"
            and executor.capacity() == 3
        )
    finally:
        executor.shutdown()


def test_the_command_line_says_when_the_cluster_is_unreachable(capsys, tiny_model_config):
    code = main(
        [
            "train",
            "--epochs",
            "1",
            "--train-subset",
            "256",
            "--executor",
            "ray",
            "--ray-address",
            "127.0.0.1:9",
        ]
    )
    error = capsys.readouterr().err
    assert code == 1
    assert (
        "cannot reach the Ray cluster at 127.0.0.1:9" in error
        and "leave out --executor ray" in error
    )
