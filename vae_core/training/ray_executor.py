"""Trainings on a Ray cluster, driven from a child process so that losing the cluster loses
no more than the trainings on it.

:class:`RayExecutor` starts :mod:`vae_core.training.ray_driver` (the only module that imports Ray)
as a child process and talks to it over a socket pair. Before that it checks the address
itself, so a bad one answers within seconds with its reason: nothing listens there, or
something does but not as a Ray cluster; the driver then tells a refused token and a
version mismatch apart (see :func:`vae_core.training.ray_driver.check_cluster`). While it runs, a
watchdog checks the cluster's head every second: when the head stops answering (or the
driver ends), every training in flight raises :class:`vae_core.training.executors.WorkerLost` at
once, the driver is killed, and ``on_lost`` hears why. The process that made the executor
keeps running; :class:`vae_core.training.placement.FailoverExecutor` turns to this machine and joins
the cluster again once it is back.

What crosses to the driver and back is pickled (configs, snapshots, results): the driver is
this process's own child. Between the driver and the cluster, Ray pickles them too, so the
cluster must be private (docs/SCALING.md).
"""

from __future__ import annotations

import collections
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from multiprocessing.connection import Connection

from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.training.executors import Executor, ExecutorUnavailable, WorkerLost

logger = logging.getLogger(__name__)

CONNECT_SECONDS = 10.0  # the longest joining may take before the address counts as bad
START_SECONDS = 90.0  # the longest starting a cluster on this machine ("local") may take
PROBE_SECONDS = 2.0  # each network check of an address
WATCH_SECONDS = 1.0  # how often the head is checked while the executor runs
MISSES_BEFORE_LOST = 3  # checks in a row the head may miss before the cluster counts as lost
SILENCE_SECONDS = 20.0  # the longest the driver may go without reporting the cluster's resources
# + an empty SETTINGS frame
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])


def split_address(address: str) -> tuple[str, int]:
    """(host, port) of "host:port" or "ray://host:port"; ExecutorUnavailable for anything else."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ExecutorUnavailable(
            f"{address!r} is not a Ray address (host:port, ray://host:port, auto or local)"
        )
    return host.strip("[]"), int(port)


def probe_address(address: str, timeout: float = PROBE_SECONDS) -> None:
    """Fail fast, with the reason, when nothing listens at the address or what listens does
    not speak gRPC over HTTP/2 as Ray's head does (a web server, a database...)."""
    host, port = split_address(address)
    try:
        connection = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError:
        raise ExecutorUnavailable(
            f"cannot reach the Ray cluster at {address}: nothing listens there"
        ) from None
    except TimeoutError:
        raise ExecutorUnavailable(
            f"cannot reach the Ray cluster at {address}: no answer within {timeout:g} s"
        ) from None
    except OSError as error:
        raise ExecutorUnavailable(
            f"cannot reach the Ray cluster at {address} ({error.strerror or error})"
        ) from None
    with connection:
        try:
            connection.sendall(HTTP2_PREFACE)
            reply = connection.recv(64)
        except TimeoutError:
            raise ExecutorUnavailable(
                f"{address} answers, but not as a Ray cluster (it said nothing within {timeout:g} "
                "s)"
            ) from None
        except OSError as error:
            reply = b""
            logger.debug("probe of %s: %s", address, error)
    if len(reply) < 9 or reply[3] != 4:  # an HTTP/2 server's first frame is its SETTINGS (type 4)
        said = "it closed the connection" if not reply else f"it answered “{_readable(reply)}”"
        raise ExecutorUnavailable(f"{address} answers, but not as a Ray cluster ({said})")


def _readable(reply: bytes, length: int = 40) -> str:
    """The first line of what a server said, as text a person can read."""
    line = reply.decode("utf-8", "replace").splitlines()[0] if reply.strip() else ""
    text = "".join(c if c.isprintable() else "·" for c in line).strip() or f"{len(reply)} bytes"
    return text if len(text) <= length else text[: length - 1] + "…"


class RayExecutor(Executor):
    """Trainings as Ray actors on the cluster at ``address`` ("local" starts one on this
    machine, "auto" joins the one this machine belongs to); see the module docstring.
    Raises :class:`ExecutorUnavailable` within ``connect_timeout`` seconds (CONNECT_SECONDS to
    join, START_SECONDS to start one here), with the reason, when the cluster cannot be joined."""

    def __init__(
        self,
        address: str = "local",
        cpus_per_training: float = 1.0,
        gpus_per_training: float | None = None,
        num_cpus: int | None = None,
        connect_timeout: float | None = None,
        on_lost=None,
    ):
        self.address = address
        self.cpus_per_training = cpus_per_training
        self.lost: str | None = None  # why the cluster was lost, once it is
        self._on_lost = on_lost
        self._lock = threading.Lock()
        self._jobs: dict[str, queue.Queue] = {}
        self._unplaced: set[str] = set()  # sent to the cluster, waiting there for a CPU
        # the driver's last lines
        self._output: collections.deque[str] = collections.deque(maxlen=20)
        self._closed = threading.Event()
        if connect_timeout is None:
            connect_timeout = START_SECONDS if address == "local" else CONNECT_SECONDS
        self._connect_timeout = connect_timeout
        deadline = time.monotonic() + connect_timeout
        if address not in ("local", "auto"):
            probe_address(address, min(PROBE_SECONDS, connect_timeout / 3))
        self._start_driver(cpus_per_training, gpus_per_training, num_cpus)
        self._facts = self._await_ready(deadline)
        self._heard = time.monotonic()
        self._head = self._facts.get("gcs") or address.removeprefix("ray://")
        threading.Thread(target=self._read, daemon=True, name="ray-driver-reader").start()
        threading.Thread(target=self._watch, daemon=True, name="ray-head-watchdog").start()

    # --- the driver process ----------------------------------------------------------

    def _start_driver(
        self, cpus_per_training: float, gpus_per_training: float | None, num_cpus: int | None
    ) -> None:
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "vae_core.training.ray_driver",
            self.address,
            "--fd",
            str(theirs.fileno()),
            "--cpus-per-training",
            str(cpus_per_training),
        ]
        if gpus_per_training is not None:
            command += ["--gpus-per-training", str(gpus_per_training)]
        if num_cpus is not None:
            command += ["--num-cpus", str(num_cpus)]
        env = dict(os.environ)
        if self.address == "local":
            # a cluster of this machine alone, on localhost
            env.setdefault("RAY_AUTH_MODE", "disabled")
        self._process = subprocess.Popen(
            command,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        theirs.close()
        self._connection = Connection(ours.detach())
        self._send_lock = threading.Lock()
        threading.Thread(target=self._keep_output, daemon=True, name="ray-driver-output").start()

    def _keep_output(self) -> None:
        for line in self._process.stdout:
            text = line.decode(errors="replace").rstrip()
            self._output.append(text)
            logger.debug("ray driver: %s", text)

    def _await_ready(self, deadline: float) -> dict:
        while True:
            left = deadline - time.monotonic()
            try:
                answered = self._connection.poll(max(0.0, min(left, 0.2)))
                message = self._connection.recv() if answered else None
            except (EOFError, OSError):
                message = ("ended",)
            if message is not None and message[0] == "ready":
                return message[1]
            if message is not None or left <= 0 or self._process.poll() is not None:
                self._kill()
                self._connection.close()
                raise ExecutorUnavailable(self._refusal(message, deadline))

    def _refusal(self, message, deadline: float) -> str:
        if message is not None and message[0] == "refused":
            return message[1]
        if message is None and time.monotonic() >= deadline:
            return (
                f"cannot join the Ray cluster at {self.address}: no answer within "
                f"{self._connect_timeout:g} s"
            )
        self._process.wait(5)
        last = next((line for line in reversed(self._output) if line.strip()), "no output")
        return f"cannot join the Ray cluster at {self.address} (its driver ended: {last})"

    def _send(self, *message) -> None:
        with self._send_lock:
            self._connection.send(message)

    def _kill(self) -> None:
        """End the driver at once (its end of the socket closes, and the reader stops)."""
        self._closed.set()
        try:
            os.killpg(self._process.pid, signal.SIGKILL)  # the driver and anything it started here
        except (ProcessLookupError, PermissionError):
            pass
        self._process.wait()

    # --- news from the driver, and the watchdog ------------------------------------------

    def _read(self) -> None:
        while True:
            try:
                message = self._connection.recv()
            except (EOFError, OSError):
                if not self._closed.is_set():
                    self._lose("its driver process ended")
                self._connection.close()
                return
            if message[0] == "cluster":
                self._facts, self._heard = message[1], time.monotonic()
                continue
            with self._lock:
                if message[0] == "placed":
                    self._unplaced.discard(message[1])
                inbox = self._jobs.get(message[1])
            if inbox is not None:
                inbox.put(message)

    def _head_answers(self) -> bool:
        try:
            socket.create_connection(split_address(self._head), timeout=WATCH_SECONDS).close()
        except OSError:
            return False
        return True

    def _watch(self) -> None:
        """Check the head every WATCH_SECONDS; a head that misses several checks in a row, or
        a driver that has gone quiet, counts as the cluster lost."""
        misses = 0
        while not self._closed.wait(WATCH_SECONDS):
            misses = 0 if self._head_answers() else misses + 1
            if misses >= MISSES_BEFORE_LOST:
                self._lose(f"its head at {self._head} stopped answering")
            elif time.monotonic() - self._heard > SILENCE_SECONDS:
                self._lose(f"no news from it for {SILENCE_SECONDS:g} s")

    def _lose(self, reason: str) -> None:
        with self._lock:
            if self.lost is not None or self._closed.is_set():
                return
            self.lost = reason
            inboxes = list(self._jobs.items())
        logger.warning("the Ray cluster at %s was lost: %s", self.address, reason)
        if (
            self._on_lost is not None
        ):  # first, so that a failed job already finds where trainings run now
            self._on_lost(reason)
        for job, inbox in inboxes:
            inbox.put(
                ("failed", job, "lost", f"the Ray cluster at {self.address} was lost ({reason})")
            )
        self._kill()

    # --- the Executor interface ------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.lost is None and not self._closed.is_set()

    def capacity(self) -> int:
        return max(1, int(self._facts.get("cpus", 0.0) // self.cpus_per_training))

    def free_slots(self) -> int:
        """Trainings the cluster could start now: its free CPUs (whichever server left them
        free), less those this executor has sent and the cluster has not placed yet."""
        with self._lock:
            waiting = len(self._unplaced)
        return max(0, int(self._facts.get("free_cpus", 0.0) // self.cpus_per_training) - waiting)

    def describe(self) -> str:
        facts = self._facts
        gpus = f", {facts['gpus']:g} GPUs" if facts.get("gpus") else ""
        return (
            f"the Ray cluster at {self.address} ({facts.get('nodes', 0)} nodes, "
            f"{facts.get('cpus', 0.0):g} CPUs{gpus})"
        )

    def run(
        self,
        model_config,
        train_config,
        *,
        on_snapshot=None,
        on_batch=None,
        stop=None,
        device=None,
        on_place=None,
    ):
        if not self.alive:
            raise WorkerLost(
                f"the Ray cluster at {self.address} was lost ({self.lost or 'shut down'}); nothing "
                "was stored"
            )
        job, inbox = uuid.uuid4().hex, queue.Queue()
        with self._lock:
            self._jobs[job] = inbox
            self._unplaced.add(job)
        try:
            self._send("run", job, model_config, train_config)
            if on_place is not None:
                on_place("waiting in the Ray cluster for a free CPU")
            return self._follow(
                job, inbox, model_config, train_config, on_snapshot, on_batch, stop, on_place
            )
        except OSError:
            raise WorkerLost(
                f"the Ray cluster at {self.address} was lost (its driver went away); nothing was "
                "stored"
            ) from None
        finally:
            with self._lock:
                self._jobs.pop(job, None)
                self._unplaced.discard(job)

    def _follow(
        self, job, inbox, model_config, train_config, on_snapshot, on_batch, stop, on_place
    ):
        stop_sent = False
        while True:
            if stop is not None and stop.is_set() and not stop_sent:
                self._send("stop", job)
                stop_sent = True
            try:
                message = inbox.get(timeout=0.25)
            except queue.Empty:
                continue
            kind = message[0]
            if kind == "placed" and on_place is not None:
                on_place(f"training on {message[2]}, a node of the Ray cluster")
            elif kind == "snapshot" and on_snapshot is not None:
                on_snapshot(message[2])
            elif kind == "batch" and on_batch is not None:
                on_batch(message[2], message[3])
            elif kind == "result":
                return _result(model_config, train_config, message[2])
            elif kind == "failed" and message[2] == "lost":
                if self.alive and not self._head_answers():  # the worker went with the head
                    self._lose(f"its head at {self._head} stopped answering")
                    message = inbox.get()
                raise WorkerLost(f"{message[3]}; nothing was stored")
            elif kind == "failed":
                raise RuntimeError(message[3])

    def shutdown(self) -> None:
        """End the driver (a cluster it started here ends with it)."""
        if self._closed.is_set():
            return
        self._closed.set()
        with self._lock:
            inboxes = list(self._jobs.items())
        for job, inbox in inboxes:
            inbox.put(
                (
                    "failed",
                    job,
                    "lost",
                    f"the connection to the Ray cluster at {self.address} was shut down",
                )
            )
        try:
            self._send("bye")
            self._process.wait(15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self._kill()  # whatever the driver left in its process group (a cluster it started)


def _result(model_config: ModelConfig, train_config: TrainConfig, payload: dict):
    """The driver's payload as a TrainResult with its model in this process."""
    from safetensors.torch import load

    from vae_core.models.networks import build_model
    from vae_core.training.trainer import EpochRecord, TrainingDiverged, TrainResult

    model = build_model(model_config, train_config.dataset)
    if payload["weights"] is not None:
        model.load_state_dict(load(payload["weights"]))
    model.eval()
    model.set_origin(train_config)
    result = TrainResult(
        model=model,
        model_config=model_config,
        train_config=train_config,
        history=[EpochRecord(**record) for record in payload["history"]],
        wall_time=payload["wall_time"],
        stop_reason=payload["stop_reason"],
        best_epoch=payload["best_epoch"],
    )
    if payload["host"] is not None:
        logger.info(
            "trained on %s (%s) in %.1f s", payload["host"], payload["device"], payload["wall_time"]
        )
    if payload["diverged"]:
        raise TrainingDiverged(payload["diverged"], result)
    return result
