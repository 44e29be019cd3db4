"""The Ray driver: a process of its own that joins a Ray cluster and runs trainings there.

The app server and the command line never import Ray. They start this module as a child
process (:class:`vae_core.training.ray_executor.RayExecutor`) and talk to it over a socket pair
(``multiprocessing.connection``: pickled tuples between a parent and the child it started,
never over the network). A Ray driver that loses its cluster's head ends its whole process
after a minute ("Failed to connect to GCS"); in a child, that takes only the child with it,
and the parent sees the loss within seconds and carries on.

Messages from the parent: ``("run", job, model_config, train_config)``, ``("stop", job)``,
``("bye",)``.
To the parent: ``("ready", facts)`` or ``("refused", reason)`` once, then
``("cluster", resources)`` every second, and per job ``("placed", job, host)``,
``("snapshot", job, EpochSnapshot)``, ``("batch", job, done, total)``, and finally
``("result", job, payload)`` or ``("failed", job, kind, message)`` (kind "lost" or "error").

Each training is a threaded Ray actor holding ``cpus_per_training`` CPUs (plus a share of a
GPU where the cluster has one); it answers ``poll`` and ``stop`` while it trains, and is
killed when its training ends, so no idle actor holds a CPU that another server's
training waits for. Results come back as safetensors bytes; workers never touch the store.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import threading
import time
from multiprocessing.connection import Connection

import ray
from ray.exceptions import (
    ActorUnavailableError,
    GetTimeoutError,
    RayActorError,
    RayError,
    WorkerCrashedError,
)

from vae_core.models.config import ModelConfig, TrainConfig

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often a running training is asked for news
STATUS_SECONDS = 1.0  # how often the parent hears the cluster's free CPUs
CHECK_SECONDS = 3.0  # the longest the cluster's metadata may take to arrive
ORPHANED_SECONDS = 10.0  # a training its driver has not polled for this long has lost it (or
# the head): it stops, and its worker ends, rather than train for nobody until Ray notices
NOT_STARTED = {
    "weights": None,
    "history": [],
    "wall_time": 0.0,
    "stop_reason": "stopped",
    "best_epoch": 0,
    "diverged": None,
    "device": None,
    "host": None,
}  # a training stopped before it was placed


class Refused(RuntimeError):
    """The address does not lead to a Ray cluster this process may join; the reason says why."""


class TrainingActor:
    """Runs one training on a worker (see the module docstring)."""

    def __init__(self):
        self._stop = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._snapshots: list = []
        self._batches = (0, 0)
        self._polled = time.monotonic()

    def host(self) -> str:
        return socket.gethostname()

    def stop(self) -> None:
        self._stop.set()

    def poll(self) -> tuple[list, tuple[int, int]]:
        """Snapshots since the last poll, and (batches done, batches in all)."""
        with self._lock:
            self._polled = time.monotonic()
            snapshots, self._snapshots = self._snapshots, []
            return snapshots, self._batches

    def run(self, model_config: ModelConfig, train_config: TrainConfig) -> dict:
        """Train; return the weights (safetensors bytes), the history and how it ended."""
        import torch
        from safetensors.torch import save

        from vae_core.training.executors import EpochProbe
        from vae_core.training.trainer import TrainingDiverged, train

        device = "cuda" if torch.cuda.is_available() and ray.get_gpu_ids() else "cpu"
        probe = EpochProbe(train_config.dataset)

        def on_epoch(record, model) -> None:
            snapshot = probe(record, model)
            with self._lock:
                self._snapshots.append(snapshot)

        def on_batch(done: int, total: int) -> None:
            with self._lock:
                self._batches = (done, total)

        threading.Thread(target=self._watch, name="orphan-watch", daemon=True).start()
        diverged = None
        try:
            result = train(
                model_config,
                train_config,
                on_epoch=on_epoch,
                stop=self._stop,
                on_batch=on_batch,
                device=device,
            )
        except TrainingDiverged as error:
            result, diverged = error.result, str(error)
        finally:
            self._done.set()
        state = {
            name: tensor.detach().cpu().contiguous()
            for name, tensor in result.model.state_dict().items()
        }
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

    def _watch(self) -> None:
        """End this worker when its driver stops asking for news (the driver or the head went):
        the training stops at its next batch and the process exits, giving back its CPU and
        memory at once instead of when Ray gives up on the head a minute later."""
        while not self._done.wait(1.0):
            with self._lock:
                silent = time.monotonic() - self._polled
            if silent > ORPHANED_SECONDS:
                logger.warning("no news asked for %.0f s: the driver is gone; ending", silent)
                self._stop.set()
                self._done.wait(3.0)  # a moment to stop at a batch's end; then go anyway
                os._exit(0)


def check_cluster(address: str) -> None:
    """Ask the GCS at ``address`` for the cluster's metadata before joining: a refused token
    and a version mismatch answer at once here, where ``ray.init`` retries for 20 s and
    calls either "Failed to connect". Raises :class:`Refused` with the reason."""
    # Ray's own client of its head: the one call that tells these apart
    from ray._raylet import (
        GcsClient,
    )

    try:
        raw = GcsClient(address=address).internal_kv_get(
            b"CLUSTER_METADATA", namespace=b"cluster", timeout=CHECK_SECONDS
        )
    except ray.exceptions.AuthenticationError:
        raise Refused(
            f"the Ray cluster at {address} refused this server's authentication token: give it the "
            "cluster's "
            "token (RAY_AUTH_MODE=token with RAY_AUTH_TOKEN, or ~/.ray/auth_token)"
        ) from None
    except Exception as error:  # a timeout or a protocol error: something else listens there
        raise Refused(
            f"{address} answers, but not as a Ray cluster ({type(error).__name__}: {error})"
        ) from None
    try:
        metadata = json.loads(raw or b"{}")
        theirs = (str(metadata["ray_version"]), str(metadata["python_version"]))
    except (ValueError, KeyError, TypeError):
        raise Refused(
            f"{address} answers, but not as a Ray cluster (it holds no cluster metadata)"
        ) from None
    ours = (ray.__version__, ".".join(map(str, sys.version_info[:3])))
    # Ray's own rule
    level = 2 if os.environ.get("RAY_DEFAULT_PYTHON_VERSION_MATCH_LEVEL") == "minor" else 3
    if theirs[0] != ours[0] or theirs[1].split(".")[:level] != ours[1].split(".")[:level]:
        raise Refused(
            f"version mismatch: the Ray cluster at {address} runs Ray {theirs[0]} on Python "
            f"{theirs[1]}, "
            f"this server has Ray {ours[0]} on Python {ours[1]}; install the same versions on both"
        )


# Asks the head for its metadata with authentication switched off: it answers only if it checks no
# token. (Ray reads its authentication mode once per process, so the question needs a process.)
UNAUTHENTICATED_PROBE = """
import sys
from ray._raylet import GcsClient
GcsClient(address=sys.argv[1]).internal_kv_get(b"CLUSTER_METADATA", namespace=b"cluster", timeout=3)
"""


def uses_token() -> bool:
    """Whether this process authenticates with a token, by Ray's own rule: RAY_AUTH_MODE when
    set, else whether a token is there to use."""
    mode = os.environ.get("RAY_AUTH_MODE")
    if mode is not None:
        return mode.strip().lower() == "token"
    return bool(
        os.environ.get("RAY_AUTH_TOKEN")
        or os.environ.get("RAY_AUTH_TOKEN_PATH")
        or os.path.exists(os.path.expanduser("~/.ray/auth_token"))
    )


def check_authentication(address: str) -> None:
    """A server with a token joins a cluster that checks none, and then every worker it starts
    dies ("worker lost"): refuse that at once, with the reason."""
    import subprocess

    if not uses_token():
        return  # a cluster that wants a token already said so (check_cluster)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    probe = subprocess.run(
        [sys.executable, "-c", UNAUTHENTICATED_PROBE, address],
        env={**env, "RAY_AUTH_MODE": "disabled"},
        capture_output=True,
        timeout=30,
    )
    if probe.returncode == 0:
        raise Refused(
            f"the Ray cluster at {address} checks no authentication token, while this server "
            "uses one (RAY_AUTH_MODE=token): its workers could not report back. Use one mode "
            "on both: RAY_AUTH_MODE=token with the same RAY_AUTH_TOKEN everywhere, or "
            "RAY_AUTH_MODE=disabled on a private network"
        )


def connect(address: str, num_cpus: int | None) -> None:
    """Join (or, for "local", start) the cluster; :class:`Refused` with a reason if it cannot."""
    options = {"include_dashboard": False, "logging_level": logging.WARNING, "log_to_driver": False}
    if address == "local":
        # a new cluster, whatever else runs here
        ray.init(address="local", num_cpus=num_cpus, **options)
        return
    if not address.startswith("ray://") and address != "auto":
        check_cluster(address)
        check_authentication(address)
    try:
        ray.init(address=address, **({} if address.startswith("ray://") else options))
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise Refused(f"cannot join the Ray cluster at {address} ({error})") from None


def cluster_facts() -> dict:
    """The cluster's CPUs and GPUs, free and in all, and its live nodes."""
    total, free = ray.cluster_resources(), ray.available_resources()
    return {
        "cpus": float(total.get("CPU", 0.0)),
        "free_cpus": float(free.get("CPU", 0.0)),
        "gpus": float(total.get("GPU", 0.0)),
        "nodes": sum(1 for node in ray.nodes() if node.get("Alive")),
    }


class Driver:
    """Serves the parent's requests (see the module docstring)."""

    def __init__(
        self, connection: Connection, cpus_per_training: float, gpus_per_training: float | None
    ):
        self.connection = connection
        self._send_lock = threading.Lock()
        self._stops: dict[str, threading.Event] = {}
        if (
            gpus_per_training is None
        ):  # a quarter of a GPU each where the cluster has GPUs: small models share well
            gpus_per_training = 0.25 if ray.cluster_resources().get("GPU", 0) >= 1 else 0.0
        self._actor_class = ray.remote(
            num_cpus=cpus_per_training,
            num_gpus=gpus_per_training,
            max_concurrency=4,
            max_restarts=0,
        )(TrainingActor)

    def send(self, *message) -> None:
        with self._send_lock:
            self.connection.send(message)

    def serve(self) -> None:
        """Answer the parent until it hangs up."""
        threading.Thread(target=self._report, daemon=True, name="cluster-status").start()
        while True:
            try:
                message = self.connection.recv()
            except (EOFError, OSError):
                return
            if message[0] == "bye":
                return
            if message[0] == "run":
                _, job, model_config, train_config = message
                self._stops[job] = threading.Event()
                threading.Thread(
                    target=self._train,
                    args=(job, model_config, train_config),
                    daemon=True,
                    name=f"train-{job}",
                ).start()
            elif message[0] == "stop" and message[1] in self._stops:
                self._stops[message[1]].set()

    def _report(self) -> None:
        while True:
            try:
                self.send("cluster", cluster_facts())
            except RayError as error:
                logger.warning("cluster status: %s", error)
            except OSError:
                return
            time.sleep(STATUS_SECONDS)

    def _train(self, job: str, model_config: ModelConfig, train_config: TrainConfig) -> None:
        actor = self._actor_class.remote()
        try:
            self.send("result", job, self._drive(job, actor, model_config, train_config))
        except (RayActorError, WorkerCrashedError) as error:
            self.send(
                "failed",
                job,
                "lost",
                f"the worker training this model was lost ({type(error).__name__})",
            )
        except RayError as error:
            self.send(
                "failed",
                job,
                "error",
                f"the Ray cluster could not run it ({type(error).__name__}: {error})",
            )
        finally:
            self._stops.pop(job, None)
            ray.kill(actor)  # its CPU goes back to the cluster at once

    def _drive(self, job: str, actor, model_config: ModelConfig, train_config: TrainConfig) -> dict:
        pending = actor.run.remote(model_config, train_config)
        where = actor.host.remote()  # answers once the cluster has placed the actor
        stop_sent = False
        while True:
            ready, _ = ray.wait([pending], timeout=POLL_SECONDS)
            if where is not None and ray.wait([where], timeout=0)[0]:
                self.send("placed", job, ray.get(where))
                where = None
            if self._stops[job].is_set() and not stop_sent:
                if where is not None:  # still waiting for a CPU: nothing to keep
                    return NOT_STARTED
                actor.stop.remote()
                stop_sent = True
            if where is None:
                self._forward(job, actor)
            if ready:
                return ray.get(pending)

    def _forward(self, job: str, actor) -> None:
        try:
            snapshots, (done, total) = ray.get(actor.poll.remote(), timeout=30)
        except (GetTimeoutError, ActorUnavailableError):
            # a busy or briefly unreachable worker answers next time; a dead one fails ``run``
            return
        if total:
            self.send("batch", job, done, total)
        for snapshot in snapshots:
            self.send("snapshot", job, snapshot)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="The Ray driver of a VAE Latent Explorer server (started by it)."
    )
    parser.add_argument("address")
    parser.add_argument(
        "--fd", type=int, required=True, help="this end of the socket pair to the parent"
    )
    parser.add_argument("--cpus-per-training", type=float, default=1.0)
    parser.add_argument("--gpus-per-training", type=float, default=None)
    parser.add_argument(
        "--num-cpus", type=int, default=None, help='CPUs of a cluster started here ("local")'
    )
    args = parser.parse_args(argv)
    connection = Connection(args.fd)
    try:
        connect(args.address, args.num_cpus)
    except Refused as error:
        connection.send(("refused", str(error)))
        return 2
    gcs = ray.get_runtime_context().gcs_address if not args.address.startswith("ray://") else None
    connection.send(("ready", {"gcs": gcs, "ray": ray.__version__, **cluster_facts()}))
    Driver(connection, args.cpus_per_training, args.gpus_per_training).serve()
    if args.address == "local":
        ray.shutdown()  # the cluster started here ends with its driver
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # the parent hung up: leave without waiting for Ray's shutdown
