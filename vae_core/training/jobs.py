"""Background training for the app: a bounded pool, a visible queue, live snapshots.

The app submits configurations; a :class:`JobManager` runs at most
``max_running`` of them at once (others wait in a queue with a position) and
each :class:`TrainingJob` exposes a thread-safe :meth:`TrainingJob.snapshot`
that the page polls about once a second: progress, ETA, loss history, the codes
of a fixed test subset after every epoch, and a few reconstructions.
Identical configurations share one job, and stored ones finish at once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field

import numpy as np

from vae_core.data.datasets import load_dataset
from vae_core.models.config import ModelConfig, TrainConfig, config_key
from vae_core.store.checkpoints import (
    find_checkpoint,
    read_history,
    remove_partials,
    user_store_dir,
)
from vae_core.store.replay import read_replay
from vae_core.training.executors import EpochSnapshot, Executor, LocalExecutor, WorkerLost
from vae_core.training.pipeline import get_or_train
from vae_core.training.trainer import TrainingDiverged

logger = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, STOPPED, FAILED = "queued", "running", "done", "stopped", "failed"
FINISHED = (DONE, STOPPED, FAILED)


def training_niceness() -> int:
    """How much lower than the server a training runs: $VAE_EXPLORER_TRAINING_NICE, default 10
    (0 turns it off). Trainings take whole cores; lowered, they yield to clicks."""
    value = os.environ.get("VAE_EXPLORER_TRAINING_NICE", "10")
    try:
        return max(0, min(19, int(value)))
    except ValueError:
        logger.warning("ignoring VAE_EXPLORER_TRAINING_NICE=%r (not a whole number)", value)
        return 10


def lower_priority() -> None:
    """Lower this thread's CPU priority (Linux schedules threads one by one, and the
    threads torch starts from here for its matrix products inherit it). Elsewhere, or if
    refused, the training runs at the server's priority."""
    niceness = training_niceness()
    if not niceness or not hasattr(os, "setpriority"):
        return
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + niceness)
    except OSError as error:
        logger.warning("trainings run at the server's priority: %s", error)


@dataclass
class JobSnapshot:
    """A consistent copy of a job's state for display."""

    job_id: str
    key: str
    status: str
    queue_position: int  # 1-based while queued, 0 otherwise
    epochs: int
    epochs_done: int
    batches_done: int
    batches_total: int
    elapsed: float  # seconds since it started running
    eta: float | None  # seconds left, once measurable
    history: list[dict]
    live_codes: list[
        np.ndarray
    ]  # per epoch: codes [SNAPSHOT_SUBSET, 2 or d] of the fixed test subset
    live_labels: np.ndarray
    # float32 [2, SNAPSHOT_RECONSTRUCTIONS, H, W(, 3)]: originals, reconstructions
    reconstructions: np.ndarray | None
    checkpoint_name: str | None
    message: str  # the error, or what happened on completion
    where: str = ""  # where it waits or runs, and why, in words (empty once finished)

    @property
    def fraction(self) -> float:
        return (
            1.0
            if self.status == DONE
            else (self.batches_done / self.batches_total if self.batches_total else 0.0)
        )


@dataclass
class TrainingJob:
    model_config: ModelConfig
    train_config: TrainConfig
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    status: str = QUEUED
    stop_event: threading.Event = field(default_factory=threading.Event)
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    epochs_done: int = 0
    batches_done: int = 0
    batches_total: int = 0
    history: list[dict] = field(default_factory=list)
    live_codes: list[np.ndarray] = field(default_factory=list)
    live_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    reconstructions: np.ndarray | None = None
    checkpoint_name: str | None = None
    message: str = ""
    place: str = ""  # where the executor says it waits or runs
    manager: JobManager | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def key(self) -> str:
        return config_key(self.model_config, self.train_config)

    def stop(self) -> None:
        """Ask the run to stop; it keeps its last completed epoch."""
        self.stop_event.set()
        if self.status == QUEUED and self.manager is not None:
            self.manager._cancel(self)

    def snapshot(self) -> JobSnapshot:
        # The queue position first, outside this job's lock: the manager's lock is always
        # taken before a job's (see JobManager._cancel), never after.
        position = self.manager.queue_position(self) if self.manager is not None else 0
        waiting = self.manager.waiting_reason(position) if position else ""
        with self._lock:
            elapsed = (self.finished or time.time()) - self.started if self.started else 0.0
            eta = None
            if self.status == RUNNING and self.batches_done and self.batches_total:
                eta = elapsed / self.batches_done * (self.batches_total - self.batches_done)
            position = position if self.status == QUEUED else 0
            where = self.place if self.status == RUNNING else (waiting if position else "")
            return JobSnapshot(
                job_id=self.job_id,
                key=self.key,
                status=self.status,
                queue_position=position,
                epochs=self.train_config.epochs,
                epochs_done=self.epochs_done,
                batches_done=self.batches_done,
                batches_total=self.batches_total,
                elapsed=elapsed,
                eta=eta,
                history=list(self.history),
                live_codes=list(self.live_codes),
                live_labels=self.live_labels,
                reconstructions=self.reconstructions,
                checkpoint_name=self.checkpoint_name,
                message=self.message,
                where=where,
            )

    # --- run in the worker thread -------------------------------------------------

    def _record_epoch(self, snapshot: EpochSnapshot) -> None:
        """Keep an epoch's snapshot (computed where the model is) for the live view."""
        with self._lock:
            self.epochs_done = snapshot.record.epoch
            self.history.append(snapshot.record.to_dict())
            self.live_codes.append(snapshot.codes)
            if len(self.live_labels) != len(snapshot.codes):
                self.live_labels = (
                    load_dataset(self.train_config.dataset, "test")
                    .labels[: len(snapshot.codes)]
                    .numpy()
                )
            self.reconstructions = np.stack([snapshot.originals, snapshot.reconstructions])

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self.batches_done, self.batches_total = done, total

    def _placed(self, where: str) -> None:
        with self._lock:
            self.place = where

    def _run(self) -> None:
        with self._lock:
            self.status, self.started = RUNNING, time.time()
        executor = self.manager.executor if self.manager is not None else None
        try:
            stored = get_or_train(
                self.model_config,
                self.train_config,
                executor=executor,
                on_snapshot=self._record_epoch,
                on_batch=self._progress,
                stop=self.stop_event,
                on_place=self._placed,
            )
        except TrainingDiverged as error:
            self._finish(
                FAILED, f"Training diverged: {error}. Lower the learning rate and try again."
            )
            return
        except WorkerLost as error:
            now = f" Trainings now run on {executor.describe()}." if executor is not None else ""
            self._finish(FAILED, f"Worker lost: {error}.{now} Start the training again.")
            return
        except (ValueError, OSError, RuntimeError) as error:
            logger.exception("training job %s failed", self.job_id)
            self._finish(FAILED, f"Training failed: {error}")
            return
        name = stored.path.name if stored.path is not None else None
        with self._lock:
            self.checkpoint_name = name
            if not stored.trained:
                self._show_stored(stored.path)
        self._finish(*_outcome(stored, name))

    def _show_stored(self, path) -> None:
        """A configuration found in the store: its history and replay, as if it had run here."""
        self.history = read_history(path)
        self.epochs_done = len(self.history)
        replay = read_replay(path)
        if replay is not None:
            self.live_codes = list(replay)
            labels = load_dataset(self.train_config.dataset, "test").labels
            self.live_labels = labels[: replay.shape[1]].numpy()

    def _finish(self, status: str, message: str) -> None:
        with self._lock:
            self.status, self.message, self.finished = status, message, time.time()


def _outcome(stored, name: str | None) -> tuple[str, str]:
    """(status, message) of a finished get_or_train: stored, stopped, found, or not storable."""
    result = stored.result
    stopped = result is not None and result.stop_reason == "stopped"
    if stored.save_error:
        message = f"Trained, but {stored.save_error}. The model could not be stored."
        return (STOPPED if stopped or result is None else DONE), message
    if stopped and name is None:
        return STOPPED, "Stopped before the first epoch finished: nothing was stored."
    if stopped:
        return STOPPED, f"Stopped after {result.epochs_completed} epochs; stored as {name}."
    if not stored.trained:
        return DONE, f"Already trained: opened the stored model {name}."
    return DONE, f"Finished in {result.wall_time:.0f} s; stored as {name}."


class JobManager:
    """Runs training jobs on background threads, at most ``max_running`` at once, each on
    ``executor`` (this machine by default; on a Ray cluster the threads only wait). Without
    an explicit ``max_running`` the executor's capacity decides, asked again at every
    dispatch (a cluster grows, shrinks or is lost); where other servers share the cluster, a
    job starts only when the cluster has a free CPU, and waits in this server's queue, where
    the page shows it, until then. ``notice``: why trainings run somewhere other than the
    user asked (an unreachable or lost cluster), for the app to show."""

    TICK_SECONDS = 1.0  # how often a queue held back by a full cluster looks again

    def __init__(
        self,
        max_running: int | None = None,
        executor: Executor | None = None,
        notice: str | None = None,
    ):
        self.executor = executor or LocalExecutor()
        self._notice = notice
        self._max_running = max_running
        remove_partials(user_store_dir())  # debris of a server that died mid-save
        self._lock = threading.Lock()
        self._jobs: dict[str, TrainingJob] = {}
        self._queue: list[TrainingJob] = []
        self._running: list[TrainingJob] = []
        self._ticking = False

    @property
    def max_running(self) -> int:
        return self._max_running or self.executor.capacity()

    @property
    def notice(self) -> str | None:
        return getattr(self.executor, "notice", None) or self._notice

    def waiting_reason(self, position: int) -> str:
        """Where a queued job waits and why, in words."""
        place = f"position {position} of {len(self._queue)} in this server's queue"
        if self.executor.free_slots() == 0:
            return (
                f"{place}: every CPU of {self.executor.describe()} is training (other servers' "
                "trainings included)"
            )
        running = self.max_running
        return (
            f"{place}: {running} training{'s run' if running > 1 else ' runs'} at a time on "
            f"{self.executor.describe()}"
        )

    def submit(self, model_config: ModelConfig, train_config: TrainConfig) -> TrainingJob:
        """Start (or queue) a training; an identical configuration already queued or
        running is shared rather than started twice."""
        key = config_key(model_config, train_config)
        with self._lock:
            for job in self._queue + self._running:
                if job.key == key:
                    return job
            job = TrainingJob(model_config, train_config, manager=self)
            self._jobs[job.job_id] = job
            if find_checkpoint(model_config, train_config) is not None:
                # Stored already: "train" it at once (get_or_train loads it) without queueing.
                self._running.append(job)
                threading.Thread(
                    target=self._work, args=(job,), daemon=True, name=f"train-{job.job_id}"
                ).start()
                return job
            self._queue.append(job)
        self._dispatch()
        return job

    def get(self, job_id: str) -> TrainingJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def queue_position(self, job: TrainingJob) -> int:
        with self._lock:
            return self._queue.index(job) + 1 if job in self._queue else 0

    def active(self) -> list[TrainingJob]:
        with self._lock:
            return list(self._running) + list(self._queue)

    def _cancel(self, job: TrainingJob) -> None:
        with self._lock:
            if job in self._queue:
                self._queue.remove(job)
                job._finish(
                    STOPPED, "Removed from the queue before it started: nothing was trained."
                )

    def _dispatch(self) -> None:
        with self._lock:
            trainers = [job for job in self._running if job.status != DONE]
            limit = self.max_running
            while self._queue and len(trainers) < limit and self._cluster_has_room():
                job = self._queue.pop(0)
                self._running.append(job)
                trainers.append(job)
                threading.Thread(
                    target=self._work, args=(job,), daemon=True, name=f"train-{job.job_id}"
                ).start()
            held_back = bool(self._queue) and len(trainers) < limit
            if held_back and not self._ticking:
                self._ticking = True
                threading.Thread(target=self._tick, daemon=True, name="train-queue").start()

    def _cluster_has_room(self) -> bool:
        free = self.executor.free_slots()
        return free is None or free > 0

    def _tick(self) -> None:
        """Look again every TICK_SECONDS while the queue is held back by a full cluster."""
        time.sleep(self.TICK_SECONDS)
        with self._lock:
            self._ticking = False
        self._dispatch()

    def _work(self, job: TrainingJob) -> None:
        if isinstance(self.executor, LocalExecutor):
            lower_priority()
        try:
            job._run()
        finally:
            with self._lock:
                if job in self._running:
                    self._running.remove(job)
            self._dispatch()

    def wait(self, job: TrainingJob, timeout: float | None = None) -> JobSnapshot:
        """Block until the job finishes (tests and scripts; the app polls instead)."""
        deadline = None if timeout is None else time.time() + timeout
        while job.status not in FINISHED:
            if deadline is not None and time.time() > deadline:
                raise TimeoutError(f"training job {job.job_id} still {job.status}")
            time.sleep(0.05)
        return job.snapshot()
