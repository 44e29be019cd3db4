"""A real ``ray start`` head in a subprocess: bad addresses answer fast with their reason,
and losing the head mid-training loses that training only, never the process that runs it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

pytest.importorskip("ray")

from tests.drivers.browser import REDIS_SERVER, redis_server
from tests.drivers.ray_head import RayHead, head_processes, ray_head
from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.training.executors import ExecutorUnavailable
from vae_core.training.jobs import DONE, FAILED, FINISHED, JobManager
from vae_core.training.placement import FailoverExecutor, make_executor

pytestmark = pytest.mark.slow

ANSWER_SECONDS = 10.0  # every bad address answers within this
SMALL = TrainConfig(epochs=1, batch_size=64, train_subset=1024, test_subset=256, seed=0)
NETWORK = ModelConfig(hidden_sizes=(32,))


@pytest.fixture(scope="module")
def head():
    with ray_head() as started:
        yield started


@pytest.fixture
def joined(head, monkeypatch):
    """This process carries the head's token, as a server of the cluster would."""
    for name, value in head.env.items():
        monkeypatch.setenv(name, value)
    return head


def refusal(address: str) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(ExecutorUnavailable) as refused:
        make_executor("ray", address).shutdown()
    return str(refused.value), time.monotonic() - started


def wait_until(condition, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_nothing_listening_is_said_at_once():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: connections are refused
        message, seconds = refusal(f"127.0.0.1:{port}")
    assert "nothing listens there" in message and seconds < ANSWER_SECONDS


def test_a_web_server_is_not_a_ray_cluster():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        message, seconds = refusal(f"127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    assert "answers, but not as a Ray cluster" in message and seconds < ANSWER_SECONDS


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server is not installed")
def test_what_another_server_said_is_quoted_as_text(tmp_path):
    with redis_server(tmp_path) as (url, _):
        message, seconds = refusal(url.removeprefix("redis://").removesuffix("/0"))
    assert "not as a Ray cluster (it answered “-ERR unknown command" in message, message
    assert "b'" not in message and seconds < ANSWER_SECONDS


def test_a_silent_listener_is_not_a_ray_cluster():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        message, seconds = refusal(f"127.0.0.1:{listener.getsockname()[1]}")
    assert "not as a Ray cluster (it said nothing" in message and seconds < ANSWER_SECONDS


def test_a_wrong_token_is_an_authentication_refusal(head, monkeypatch):
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.setenv("RAY_AUTH_TOKEN", "0" * 64)
    message, seconds = refusal(head.address)
    assert "refused this server's authentication token" in message and seconds < ANSWER_SECONDS


def test_a_missing_token_is_an_authentication_refusal(head, monkeypatch, tmp_path):
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.delenv("RAY_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ray/auth_token either
    message, seconds = refusal(head.address)
    assert "refused this server's authentication token" in message and seconds < ANSWER_SECONDS


def test_a_cluster_that_checks_no_token_refuses_a_server_that_has_one(monkeypatch):
    """Modes that differ are said as such, at once, not as a worker lost mid-training."""
    open_head = RayHead(authenticated=False).start()
    try:
        monkeypatch.setenv("RAY_AUTH_MODE", "token")
        monkeypatch.setenv("RAY_AUTH_TOKEN", "0" * 64)
        message, seconds = refusal(open_head.address)
    finally:
        open_head.remove()
    assert "checks no authentication token, while this server uses one" in message
    assert "RAY_AUTH_MODE" in message and seconds < ANSWER_SECONDS


SET_VERSION = """
import json, sys
from ray._raylet import GcsClient
client = GcsClient(address=sys.argv[1])
metadata = json.loads(client.internal_kv_get(b"CLUSTER_METADATA", namespace=b"cluster"))
metadata["ray_version"] = sys.argv[2]
client.internal_kv_put(
    b"CLUSTER_METADATA", json.dumps(metadata).encode(), True, namespace=b"cluster"
)
"""


def set_cluster_version(head: RayHead, version: str) -> None:
    """Rewrite the Ray version the head says it runs (in a process of its own: Ray reads the
    token once per process)."""
    subprocess.run(
        [sys.executable, "-c", SET_VERSION, head.address, version],
        env={**os.environ, **head.env},
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_another_ray_version_is_a_version_mismatch(joined):
    import ray

    set_cluster_version(joined, "2.41.0")
    try:
        message, seconds = refusal(joined.address)
    finally:
        set_cluster_version(joined, ray.__version__)
    assert "version mismatch" in message and "Ray 2.41.0" in message and seconds < ANSWER_SECONDS


def test_the_cluster_joins_and_trains(joined, capsys):
    import argparse

    from vae_core.cli import executor_from_args

    executor = executor_from_args(argparse.Namespace(executor="ray", ray_address=joined.address))
    said = capsys.readouterr().err
    assert said.startswith(f"training on the Ray cluster at {joined.address} (1 nodes"), said
    try:
        assert executor.capacity() == joined.cpus and "1 nodes, 2 CPUs" in executor.describe()
        places = []
        result = executor.run(NETWORK, SMALL, on_place=places.append)
        assert result.epochs_completed == 1 and places[-1].endswith("a node of the Ray cluster")
    finally:
        executor.shutdown()


def test_a_full_cluster_keeps_a_job_in_this_servers_queue_and_says_why(joined):
    """Two servers share a two-CPU cluster: while one trains on both CPUs, the other's job
    waits in its own visible queue (not inside Ray's scheduler), then runs once a CPU is free."""
    busy_server, other_server = (
        make_executor("ray", joined.address),
        make_executor("ray", joined.address),
    )
    try:
        busy, other = JobManager(executor=busy_server), JobManager(executor=other_server)
        long_runs = [
            busy.submit(NETWORK, dataclasses.replace(SMALL, epochs=400, seed=10 + i))
            for i in range(2)
        ]
        wait_until(
            lambda: all(job.place.endswith("a node of the Ray cluster") for job in long_runs),
            120,
            "both placed",
        )
        wait_until(
            lambda: other_server.free_slots() == 0, 10, "the other server to see the cluster full"
        )
        waiting = other.submit(NETWORK, dataclasses.replace(SMALL, seed=12))
        time.sleep(1.5)  # two dispatch ticks: it must still be in this server's queue
        snapshot = waiting.snapshot()
        assert snapshot.status == "queued" and snapshot.queue_position == 1
        assert "every CPU of the Ray cluster" in snapshot.where and "is training" in snapshot.where
        for job in long_runs:
            job.stop()
        assert other.wait(waiting, timeout=120).status == DONE
        assert waiting.place.endswith("a node of the Ray cluster")
    finally:
        busy_server.shutdown()
        other_server.shutdown()


def test_losing_the_head_loses_its_training_only_and_its_return_is_used_again(monkeypatch):
    """kill -9 of the head mid-training: the job fails within seconds with the reason, new
    trainings run here, and once a head answers at the address again they go there."""
    lost_head = RayHead().start()
    for name, value in lost_head.env.items():
        monkeypatch.setenv(name, value)
    executor = FailoverExecutor(lost_head.address, retry_seconds=0.5)
    back = None
    try:
        assert executor.notice is None and executor.describe().startswith("the Ray cluster at")
        manager = JobManager(executor=executor)
        doomed = manager.submit(NETWORK, dataclasses.replace(SMALL, epochs=400, seed=1))
        wait_until(lambda: doomed.snapshot().epochs_done >= 1, 120, "a first epoch on the cluster")
        assert doomed.place.endswith("a node of the Ray cluster")
        killed = lost_head.kill()
        wait_until(lambda: doomed.status in FINISHED, 30, "the training to end")
        assert time.monotonic() - killed < 10.0
        failed = doomed.snapshot()
        assert failed.status == FAILED and "was lost" in failed.message
        assert (
            "Trainings now run on this machine" in failed.message and failed.checkpoint_name is None
        )
        assert "was lost" in manager.notice and executor.describe().startswith("this machine")
        here = manager.wait(
            manager.submit(NETWORK, dataclasses.replace(SMALL, seed=2)), timeout=120
        )
        assert here.status == DONE  # trained on this machine meanwhile
        back = RayHead(port=lost_head.port, token=lost_head.token).start()
        wait_until(lambda: executor.notice is None, 60, "the cluster to be joined again")
        again = manager.submit(NETWORK, dataclasses.replace(SMALL, seed=3))
        assert manager.wait(again, timeout=120).status == DONE
        assert again.place.endswith("a node of the Ray cluster")
    finally:
        executor.shutdown()
        lost_head.remove()
        if back is not None:
            back.remove()


def training_workers(head: RayHead) -> list[int]:
    """Processes of ``head``'s node running a training actor (Ray names them on their title)."""
    found = []
    for pid in head_processes(head.temp_dir):
        with contextlib.suppress(OSError):
            if b"TrainingActor" in open(f"/proc/{pid}/cmdline", "rb").read():
                found.append(pid)
    return found


def test_a_training_whose_head_is_lost_ends_its_worker_within_seconds(monkeypatch):
    """Only the head's GCS dies (the worker's raylet lives on, as on another machine): the
    training stops and its worker process ends well before Ray's minute of retries."""
    from vae_core.training.ray_driver import ORPHANED_SECONDS

    head = RayHead().start()
    for name, value in head.env.items():
        monkeypatch.setenv(name, value)
    executor = make_executor("ray", head.address)
    try:
        manager = JobManager(executor=executor)
        job = manager.submit(NETWORK, dataclasses.replace(SMALL, epochs=400, seed=4))
        wait_until(lambda: job.snapshot().epochs_done >= 1, 120, "a first epoch on the cluster")
        assert training_workers(head)
        head.kill_gcs()
        # Ray itself gives up on a lost head after 60 s; the worker ends well before
        took = wait_until(lambda: not training_workers(head), 45, "the worker to end")
        assert took < ORPHANED_SECONDS + 25
    finally:
        executor.shutdown()
        head.remove()


def driver_free(pid: int) -> bool:
    """Whether a process has no Ray inside it (Ray's core library is not mapped)."""
    return "_raylet" not in open(f"/proc/{pid}/maps").read()


class Page:
    """Train live in one websocket session, followed as the browser's timer does."""

    def __init__(self, url: str):
        from tests.drivers.st_client import StreamlitSession

        self.session, self.timer, self.run = StreamlitSession(url), None, None

    async def train(self) -> None:
        """Press Train for a long run of a small network."""
        from tests.drivers.st_client import WidgetState

        await self.session.connect()
        form = await self.session.run_page("Train_live")
        self._keep(
            await self.session.set_widgets(
                [
                    WidgetState(id=form.widget_id("Hidden layer widths"), string_value="32"),
                    WidgetState(
                        id=form.widget_id("Training images"), string_value="5,000 (fast demo)"
                    ),
                    WidgetState(id=form.widget_id("Epochs"), double_array_value={"data": [60]}),
                    WidgetState(id=form.widget_id("Train"), trigger_value=True),
                ],
                timeout=120,
            )
        )

    def _keep(self, run) -> None:
        assert not run.exceptions(), run.exceptions()
        self.run, self.timer = run, (run.auto_reruns[-1] if run.auto_reruns else self.timer)

    async def until(self, words: str, timeout: float) -> None:
        """Follow the page until its text holds ``words``."""
        deadline = time.monotonic() + timeout
        while words not in texts(self.run):
            assert time.monotonic() < deadline, f"the page never said {words!r}: {texts(self.run)}"
            self._keep(
                await (
                    self.session.auto_rerun(self.timer[1], timeout=60)
                    if self.timer
                    else self.session.next_run(60)
                )
            )


def texts(run) -> str:
    return "\n".join(
        run.alerts() + run.markdown() + [e.caption.body for e in run.of_type("caption")]
    )


async def trains_on_the_cluster_again(url: str, timeout: float = 90) -> None:
    from tests.drivers.st_client import StreamlitSession

    deadline = time.monotonic() + timeout
    page = StreamlitSession(url)
    await page.connect()
    try:
        while "Trainings run on the Ray cluster at" not in texts(await page.run_page("Train_live")):
            assert time.monotonic() < deadline, "the server never went back to the cluster"
            await asyncio.sleep(0.5)
    finally:
        await page.close()


async def trains_here(url: str, timeout: float = 30) -> None:
    """The server's Train live page says that trainings run on this machine, and why."""
    from tests.drivers.st_client import StreamlitSession

    deadline = time.monotonic() + timeout
    page = StreamlitSession(url)
    await page.connect()
    try:
        while not (
            "Trainings run on this machine" in (shown := texts(await page.run_page("Train_live")))
            and "was lost at" in shown
        ):
            assert time.monotonic() < deadline, shown
            await asyncio.sleep(0.5)
    finally:
        await page.close()


def healthy(url: str) -> bool:
    return urllib.request.urlopen(f"{url}/_stcore/health", timeout=10).status == 200


def test_two_app_servers_outlive_their_cluster(tmp_path):
    """kill -9 of the head while a page follows a training: both servers keep serving, the
    page says within 10 s that the training was lost and where trainings run now, and once a
    head answers at the address again the servers train there without a restart."""
    from tests.drivers.browser import app_server

    head = RayHead().start()
    env = {
        **head.env,
        "VAE_EXPLORER_RAY_ADDRESS": head.address,
        "VAE_EXPLORER_STORE": str(tmp_path / "store"),
    }
    heads = [head]

    async def scenario(first: str, second: str, servers) -> None:
        await trains_on_the_cluster_again(second)  # the second server has joined the cluster too
        page = Page(first)
        await page.train()
        await page.until("a node of the Ray cluster", 180)
        # Ray lives in the driver processes only
        assert all(driver_free(server.pid) for server in servers)
        killed = head.kill()
        await page.until("Worker lost", 30)
        noticed = time.monotonic() - killed
        # docs/RELIABILITY.md quotes it (-s)
        print(f"head killed: the page said 'Worker lost' {noticed:.1f} s later")
        assert noticed < 10.0
        assert f"the Ray cluster at {head.address} was lost" in texts(page.run)
        assert "Trainings now run on this machine" in texts(page.run)
        await page.until("was lost at", 30)  # the whole page runs again once the job has ended
        assert "Trainings run on this machine" in texts(page.run)
        await page.session.close()
        for url, server in ((first, servers[0]), (second, servers[1])):
            assert server.poll() is None and healthy(url)
        await trains_here(second)
        heads.append(RayHead(port=head.port, token=head.token).start())
        await trains_on_the_cluster_again(first)
        await trains_on_the_cluster_again(second)

    try:
        with (
            app_server(env, with_process=True) as (first, _, one),
            app_server(env, with_process=True) as (second, _, two),
        ):
            asyncio.run(scenario(first, second, (one, two)))
    finally:
        for started in heads:
            started.remove()
