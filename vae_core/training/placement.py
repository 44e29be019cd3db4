"""Choosing where trainings run: ``make_executor("local")`` needs nothing beyond the
library; ``make_executor("ray", address)`` starts a Ray driver in a child process
(:mod:`vae_core.training.ray_executor`; only :mod:`vae_core.training.ray_driver`, in that
child, imports Ray). The app uses a :class:`FailoverExecutor`: the cluster while it
answers, this machine when it does not.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from vae_core.data.registry import Registry
from vae_core.training.executors import Executor, ExecutorUnavailable, LocalExecutor

logger = logging.getLogger(__name__)

RAY_ADDRESS_VARIABLE = "VAE_EXPLORER_RAY_ADDRESS"


@dataclass(frozen=True)
class Placement:
    """One place trainings can run, as the command line offers it (``--executor NAME``)."""

    name: str  # how ``--executor`` spells it
    summary: str  # what the command line's help says of it
    order: int  # its place in the help
    build: Callable[..., Executor]  # (address or None, **options) -> a ready Executor
    remote: bool = False  # True: trainings leave this process (the command line says where)


def _local(address: str | None = None, parallel: int | None = None, **options) -> Executor:
    return LocalExecutor(parallel=parallel, **options)


def _ray(address: str | None = None, parallel: int | None = None, **options) -> Executor:
    try:
        from vae_core.training.ray_executor import RayExecutor
    except ImportError as error:
        raise ExecutorUnavailable(
            f'Ray is not installed ({error}); install it with pip install -e ".[cluster]"'
        ) from None
    return RayExecutor(address or os.environ.get(RAY_ADDRESS_VARIABLE) or "local", **options)


EXECUTORS: Registry[Placement] = Registry("an executor")  # name -> placement, in their order
register, unregister = EXECUTORS.register, EXECUTORS.unregister


LOCAL = register(Placement("local", "this machine", 0, _local))
RAY = register(
    Placement("ray", 'a Ray cluster (pip install -e ".[cluster]")', 1, _ray, remote=True)
)


def make_executor(kind: str = "local", address: str | None = None, **options) -> Executor:
    """The executor named ``kind`` (a registered :class:`Placement`: "local", "ray", …). For
    Ray, ``address`` is "local" (start a cluster on this machine), "auto" (the cluster this
    machine belongs to), "host:port" or "ray://host:port"; None reads
    $VAE_EXPLORER_RAY_ADDRESS, else "local". Raises :class:`ExecutorUnavailable` with a reason
    a user can act on."""
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")
    return EXECUTORS[kind].build(address, **options)


# how soon a lost or refused cluster is tried again (doubling to RETRY_LIMIT_SECONDS)
RETRY_SECONDS = 5.0
RETRY_LIMIT_SECONDS = 60.0


class FailoverExecutor(Executor):
    """The app's executor: the Ray cluster at ``address`` while it answers, this machine
    while it does not. A cluster that cannot be joined, or is lost later (its head killed),
    leaves new trainings on this machine; ``notice`` says so, and a background thread tries
    the address again (every RETRY_SECONDS, doubling up to RETRY_LIMIT_SECONDS) until the
    cluster answers, when trainings go there again. ``connect(on_lost)`` makes the cluster's
    executor (default: a :class:`vae_core.training.ray_executor.RayExecutor`)."""

    def __init__(
        self, address: str, connect: Callable | None = None, retry_seconds: float = RETRY_SECONDS
    ):
        self.address = address
        self.local = LocalExecutor()
        self.cluster: Executor | None = None
        self.notice: str | None = None  # why trainings run here and not on the cluster
        self._connect = connect or (lambda on_lost: RAY.build(address, on_lost=on_lost))
        self._retry_seconds = retry_seconds
        self._retrying = threading.Lock()
        self._closed = threading.Event()
        if not self._join():
            self._retry_in_background()

    def _join(self) -> bool:
        try:
            cluster = self._connect(self._lost)
        except ExecutorUnavailable as error:
            logger.warning("training on this machine instead: %s", error)
            if self.cluster is None or not self.notice:
                self.notice = f"Trainings run on this server: {error}."
            return False
        self.cluster, self.notice = cluster, None
        logger.info("trainings run on %s", cluster.describe())
        return True

    def _lost(self, reason: str) -> None:
        self.notice = (
            f"The Ray cluster at {self.address} was lost at {time.strftime('%H:%M:%S')} "
            f"({reason}): "
            "trainings run on this server until it answers again."
        )
        self._retry_in_background()

    def _retry_in_background(self) -> None:
        threading.Thread(target=self._retry, daemon=True, name="ray-rejoin").start()

    def _retry(self) -> None:
        if not self._retrying.acquire(blocking=False):
            return  # another thread is already trying
        try:
            delay = self._retry_seconds
            while not self._closed.wait(delay) and not self._join():
                delay = min(delay * 2, RETRY_LIMIT_SECONDS)
        finally:
            self._retrying.release()

    @property
    def current(self) -> Executor:
        cluster = self.cluster
        return cluster if cluster is not None and getattr(cluster, "alive", True) else self.local

    def capacity(self) -> int:
        return self.current.capacity()

    def free_slots(self) -> int | None:
        return self.current.free_slots()

    def describe(self) -> str:
        return self.current.describe()

    def run(self, model_config, train_config, **options):
        return self.current.run(model_config, train_config, **options)

    def shutdown(self) -> None:
        self._closed.set()
        if self.cluster is not None:
            self.cluster.shutdown()


def app_executor() -> tuple[Executor, str | None]:
    """The app's executor: a :class:`FailoverExecutor` when $VAE_EXPLORER_RAY_ADDRESS is set,
    else this machine; and a warning (second item) when the cluster could not be joined."""
    address = os.environ.get(RAY_ADDRESS_VARIABLE, "").strip()
    if not address:
        return LocalExecutor(), None
    executor = FailoverExecutor(address)
    return executor, executor.notice
