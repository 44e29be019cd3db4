"""Trainings on a Ray cluster: one actor per training, results shipped back to the caller.

Each training runs in a threaded Ray actor with a resource request (``cpus_per_training`` CPUs,
plus a share of a GPU where the cluster has one; the actor trains on CUDA when Ray gave it
a device). The actor trains in one thread and answers ``poll`` and ``stop`` from another,
so the caller sees a snapshot after every epoch and Stop reaches the worker. A finished
actor stays warm for the next training for a minute (torch imported, test images loaded),
then gives its CPU back. When a training ends,
the weights travel back as safetensors bytes with the history, and the caller stores them
(:mod:`vae_core.pipeline`): workers never touch the store. A worker that dies raises
:class:`vae_core.executors.WorkerLost`; nothing of its run is stored.

Workers need this package and the datasets (the same image or checkout as the server).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

import ray
from ray.exceptions import GetTimeoutError, RayActorError, RayError, WorkerCrashedError

from vae_core.config import ModelConfig, TrainConfig
from vae_core.executors import EpochSnapshot, Executor, ExecutorUnavailable, WorkerLost

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often the caller asks a running training for news
IDLE_SECONDS = 60.0  # how long a finished training's actor stays warm for the next one (it holds its CPU)
CONNECT_SECONDS = 5.0  # how long "host:port" may take to answer before the cluster counts as unreachable


class TrainingActor:
    """Runs one training on a worker (see the module docstring)."""

    def __init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._snapshots: list[EpochSnapshot] = []
        self._batches = (0, 0)
        self._probes: dict = {}

    def pid(self) -> int:
        return os.getpid()

    def stop(self) -> None:
        self._stop.set()

    def poll(self) -> tuple[list[EpochSnapshot], tuple[int, int]]:
        """Snapshots since the last poll, and (batches done, batches in all)."""
        with self._lock:
            snapshots, self._snapshots = self._snapshots, []
            return snapshots, self._batches

    def run(self, model_config: ModelConfig, train_config: TrainConfig) -> dict:
        """Train; return the weights (safetensors bytes), history and how it ended. An actor
        runs one training at a time and may run several in turn (the executor keeps it warm)."""
        import torch
        from safetensors.torch import save

        from vae_core.executors import EpochProbe
        from vae_core.train import TrainingDiverged, train

        with self._lock:
            self._stop.clear()
            self._snapshots, self._batches = [], (0, 0)
        device = "cuda" if torch.cuda.is_available() and ray.get_gpu_ids() else "cpu"
        if train_config.dataset not in self._probes:  # the test images stay loaded between trainings
            self._probes[train_config.dataset] = EpochProbe(train_config.dataset)
        probe = self._probes[train_config.dataset]

        def on_epoch(record, model) -> None:
            snapshot = probe(record, model)
            with self._lock:
                self._snapshots.append(snapshot)

        def on_batch(done: int, total: int) -> None:
            with self._lock:
                self._batches = (done, total)

        diverged = None
        try:
            result = train(model_config, train_config, on_epoch=on_epoch, stop=self._stop, on_batch=on_batch, device=device)
        except TrainingDiverged as error:
            result, diverged = error.result, str(error)
        state = {name: tensor.detach().cpu().contiguous() for name, tensor in result.model.state_dict().items()}
        return {
            "weights": save(state),
            "history": [record.to_dict() for record in result.history],
            "wall_time": result.wall_time,
            "stop_reason": result.stop_reason,
            "best_epoch": result.best_epoch,
            "diverged": diverged,
            "device": device,
            "host": socket.gethostname(),
        }


def _reachable(address: str, timeout: float) -> None:
    """Fail fast, with a reason, when "host:port" does not answer (ray.init would wait long)."""
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ExecutorUnavailable(f"{address!r} is not a Ray address (host:port, ray://host:port, auto or local)")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as error:
        raise ExecutorUnavailable(f"cannot reach the Ray cluster at {address} ({error})") from None


class RayExecutor(Executor):
    """Trainings as Ray actors on the cluster at ``address`` (see :func:`vae_core.executors.make_executor`)."""

    def __init__(self, address: str = "local", cpus_per_training: float = 1.0, gpus_per_training: float | None = None,
                 num_cpus: int | None = None, connect_timeout: float = CONNECT_SECONDS):  # fmt: skip
        self.address = address
        self.cpus_per_training = cpus_per_training
        self._connect(address, num_cpus, connect_timeout)
        if gpus_per_training is None:  # a quarter of a GPU each where the cluster has GPUs: small models share well
            gpus_per_training = 0.25 if ray.cluster_resources().get("GPU", 0) >= 1 else 0.0
        self.gpus_per_training = gpus_per_training
        self._pool_lock = threading.Lock()
        self._idle: list[tuple[float, object]] = []  # (idle since, actor), warm for the next training
        self._actor_class = ray.remote(num_cpus=cpus_per_training, num_gpus=gpus_per_training, max_concurrency=4,
                                       max_restarts=0)(TrainingActor)  # fmt: skip

    @staticmethod
    def _connect(address: str, num_cpus: int | None, timeout: float) -> None:
        if ray.is_initialized():
            return
        options = {"include_dashboard": False, "logging_level": logging.WARNING, "log_to_driver": False}
        if address == "local":
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a cluster of this machine alone, on localhost
            ray.init(num_cpus=num_cpus, **options)
            return
        if address != "auto":
            _reachable(address, timeout)
        try:
            ray.init(address=address, **({} if address.startswith("ray://") else options))
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise ExecutorUnavailable(f"cannot join the Ray cluster at {address} ({error})") from None

    def capacity(self) -> int:
        cpus = ray.cluster_resources().get("CPU", 1.0)
        return max(1, int(cpus // self.cpus_per_training))

    def describe(self) -> str:
        resources = ray.cluster_resources()
        gpus = f", {resources['GPU']:g} GPUs" if resources.get("GPU") else ""
        nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
        return f"Ray cluster at {self.address} ({nodes} nodes, {resources.get('CPU', 0):g} CPUs{gpus})"

    def _acquire(self) -> tuple[object, bool]:
        """(actor, warm): a warm actor from an earlier training (its process has torch and the
        data loaded), or a new one."""
        with self._pool_lock:
            while self._idle:
                since, actor = self._idle.pop()
                if time.monotonic() - since < IDLE_SECONDS:
                    return actor, True
                ray.kill(actor)
        return self._actor_class.remote(), False

    def _release(self, actor) -> None:
        with self._pool_lock:
            self._idle.append((time.monotonic(), actor))
        reaper = threading.Timer(IDLE_SECONDS + 1, self._reap)
        reaper.daemon = True
        reaper.start()

    def _reap(self) -> None:
        """Give back the CPUs of actors idle for longer than IDLE_SECONDS (other servers may need them)."""
        with self._pool_lock:
            now = time.monotonic()
            expired = [actor for since, actor in self._idle if now - since >= IDLE_SECONDS]
            self._idle = [(since, actor) for since, actor in self._idle if now - since < IDLE_SECONDS]
        for actor in expired:
            ray.kill(actor)

    def run(self, model_config, train_config, *, on_snapshot=None, on_batch=None, stop=None, device=None):
        actor, warm = self._acquire()
        progress = {"seen": False}

        def heard(callback):
            def forward(*args):
                progress["seen"] = True
                if callback is not None:
                    callback(*args)

            return forward

        try:
            return self._drive(actor, model_config, train_config, heard(on_snapshot), heard(on_batch), stop)
        except (RayActorError, WorkerCrashedError) as error:
            ray.kill(actor)
            if warm and not progress["seen"]:  # a warm actor that died while idle: start afresh
                return self.run(model_config, train_config, on_snapshot=on_snapshot, on_batch=on_batch, stop=stop)
            raise WorkerLost(f"the worker training this model was lost ({type(error).__name__}); nothing was stored") from None
        except BaseException:
            ray.kill(actor)  # a failed run: the next one starts in a fresh process
            raise

    def _drive(self, actor, model_config, train_config, on_snapshot, on_batch, stop):
        pending = actor.run.remote(model_config, train_config)
        stop_sent = False
        while True:
            ready, _ = ray.wait([pending], timeout=POLL_SECONDS)
            if stop is not None and stop.is_set() and not stop_sent:
                actor.stop.remote()
                stop_sent = True
            self._forward(actor, on_snapshot, on_batch)
            if ready:
                payload = ray.get(pending)
                self._release(actor)
                return _result(model_config, train_config, payload)

    @staticmethod
    def _forward(actor, on_snapshot, on_batch) -> None:
        try:
            snapshots, (done, total) = ray.get(actor.poll.remote(), timeout=30)
        except GetTimeoutError:
            return  # a busy worker answers next time
        if on_batch is not None and total:
            on_batch(done, total)
        for snapshot in snapshots:
            if on_snapshot is not None:
                on_snapshot(snapshot)

    def shutdown(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, []
        try:
            for _, actor in idle:
                ray.kill(actor)
            ray.shutdown()
        except RayError as error:  # a cluster already gone: nothing left to release
            logger.warning("Ray shutdown: %s", error)


def _result(model_config: ModelConfig, train_config: TrainConfig, payload: dict):
    """The worker's payload as a TrainResult with its model in this process."""
    from safetensors.torch import load

    from vae_core.models import build_model
    from vae_core.train import EpochRecord, TrainingDiverged, TrainResult

    model = build_model(model_config)
    model.load_state_dict(load(payload["weights"]))
    model.eval()
    model.set_origin(train_config)
    result = TrainResult(model=model, model_config=model_config, train_config=train_config,
                         history=[EpochRecord(**record) for record in payload["history"]], wall_time=payload["wall_time"],
                         stop_reason=payload["stop_reason"], best_epoch=payload["best_epoch"])  # fmt: skip
    logger.info("trained on %s (%s) in %.1f s", payload["host"], payload["device"], payload["wall_time"])
    if payload["diverged"]:
        raise TrainingDiverged(payload["diverged"], result)
    return result

