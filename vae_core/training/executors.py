"""Where trainings run: this process (the default) or a Ray cluster (``.[cluster]`` extra).

An :class:`Executor` runs one training and hands back a
:class:`vae_core.training.trainer.TrainResult`
whose model lives in the calling process, whatever machine did the work. While it runs it
reports an :class:`EpochSnapshot` after every epoch (the loss terms, the codes of a fixed
test subset and a few reconstructions: what the live view draws, computed where the model
is) and the batches done; setting ``stop`` ends it after the current batch with the last
completed epoch's weights. Storing the result is the caller's job
(:mod:`vae_core.training.pipeline`),
so workers never need the store's disk.

This module holds the interface and this machine's executor; the Ray executor
(:mod:`vae_core.training.ray_executor`) builds on it, and :mod:`vae_core.training.placement`
chooses between them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from vae_core.data.images import display_layout
from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.store.replay import REPLAY_SIZE

logger = logging.getLogger(__name__)

# fixed test images whose codes are recorded after every epoch (the replay)
SNAPSHOT_SUBSET = REPLAY_SIZE
SNAPSHOT_RECONSTRUCTIONS = 8  # test images reconstructed after every epoch


def default_max_running() -> int:
    """Trainings run at once: $VAE_EXPLORER_MAX_TRAININGS, else one per two cores
    (each training already uses every core through torch's threads)."""
    value = os.environ.get("VAE_EXPLORER_MAX_TRAININGS")
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            logger.warning("ignoring VAE_EXPLORER_MAX_TRAININGS=%r (not a whole number)", value)
    return max(1, (os.cpu_count() or 2) // 2)


class ExecutorUnavailable(RuntimeError):
    """The executor cannot start: Ray is not installed, or its cluster cannot be reached."""


class WorkerLost(RuntimeError):
    """The machine or process running a training went away before it finished."""


@dataclass
class EpochSnapshot:
    """What one finished epoch looks like, small enough to cross the network."""

    record: object  # vae_core.training.trainer.EpochRecord
    # float32 [SNAPSHOT_SUBSET, latent_dim]: encoder means of the fixed test subset
    codes: np.ndarray
    originals: np.ndarray  # float32 [SNAPSHOT_RECONSTRUCTIONS, H, W(, 3)]
    reconstructions: np.ndarray  # float32, the same shape: decoded encoder means


class EpochProbe:
    """Turns (record, model) into an :class:`EpochSnapshot`; runs where the model is."""

    def __init__(
        self, dataset: str, size: int = SNAPSHOT_SUBSET, shown: int = SNAPSHOT_RECONSTRUCTIONS
    ):
        from vae_core.data.datasets import load_dataset

        test = load_dataset(dataset, "test")
        self.images, self.labels = test.floats(slice(0, size)), test.labels[:size]
        self.shown = shown

    def codes(self, model) -> np.ndarray:
        """Encoder means of the probe's test images, float32 [size, latent_dim] (mode kept)."""
        return self._encode(model, 0)[0]

    def _encode(self, model, shown: int) -> tuple[np.ndarray, np.ndarray]:
        """(codes [size, d], reconstructions of the first ``shown`` [shown, H, W(, 3)]), in
        eval mode."""
        import torch

        was_training = model.training
        model.eval()
        device = next(model.parameters()).device
        y = self.labels.to(device) if model.config.is_conditional else None
        with torch.no_grad():
            mu, _ = model.encode(self.images.to(device), y)  # [size, latent_dim]
            # [shown, C, H, W]
            recon = model.decode(mu[:shown], None if y is None else y[:shown])
        model.train(was_training)
        return mu.float().cpu().numpy(), display_layout(recon.float().cpu().numpy())

    def __call__(self, record, model) -> EpochSnapshot:
        codes, reconstructions = self._encode(model, self.shown)
        originals = display_layout(self.images[: self.shown].numpy())
        return EpochSnapshot(
            record=record, codes=codes, originals=originals, reconstructions=reconstructions
        )


class Executor:
    """Runs trainings; see the module docstring for the contract."""

    def capacity(self) -> int:
        """How many trainings it runs well at once."""
        raise NotImplementedError

    def free_slots(self) -> int | None:
        """How many more trainings could start at once now, where others (another server)
        share the machines; None where only :meth:`capacity` limits it."""
        return None

    def describe(self) -> str:
        raise NotImplementedError

    def run(
        self,
        model_config: ModelConfig,
        train_config: TrainConfig,
        *,
        on_snapshot: Callable[[EpochSnapshot], None] | None = None,
        on_batch: Callable[[int, int], None] | None = None,
        stop: threading.Event | None = None,
        device: str | None = None,
        on_place: Callable[[str], None] | None = None,
    ):
        """Train and return the TrainResult (model in this process). ``on_place`` hears,
        in words, where the training waits or runs whenever that changes. Raises
        :class:`vae_core.training.trainer.TrainingDiverged`, ``ValueError`` for impossible settings,
        and :class:`WorkerLost` when a remote worker or the cluster is lost."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """Release what it holds (a Ray connection); the local executor holds nothing."""


class LocalExecutor(Executor):
    """Trains in the calling thread, on this machine's CPU or GPU."""

    def __init__(self, parallel: int | None = None):
        self.parallel = parallel

    def capacity(self) -> int:
        return self.parallel or default_max_running()

    def describe(self) -> str:
        return f"this machine ({os.cpu_count() or 1} cores)"

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
        from vae_core.training.trainer import train

        if on_place is not None:
            on_place("training on this server")
        probe = EpochProbe(train_config.dataset) if on_snapshot is not None else None
        on_epoch = (
            None if probe is None else (lambda record, model: on_snapshot(probe(record, model)))
        )
        return train(
            model_config,
            train_config,
            on_epoch=on_epoch,
            stop=stop,
            on_batch=on_batch,
            device=device,
        )


def run_with_replay(
    executor: Executor,
    model_config: ModelConfig,
    train_config: TrainConfig,
    on_snapshot: Callable[[EpochSnapshot], None] | None = None,
    **options,
):
    """``executor.run`` that also keeps each epoch's codes: (the TrainResult, the latent replay
    float32 [epochs completed, SNAPSHOT_SUBSET, d], or None when no epoch finished)."""
    frames: list[np.ndarray] = []

    def collect(snapshot: EpochSnapshot) -> None:
        frames.append(snapshot.codes)
        if on_snapshot is not None:
            on_snapshot(snapshot)

    result = executor.run(model_config, train_config, on_snapshot=collect, **options)
    frames = frames[: result.epochs_completed]
    return result, (np.stack(frames) if frames else None)


def run_all(
    executor: Executor, work: Iterable, run_one: Callable, parallel: int | None = None
) -> list:
    """``run_one(item)`` for every item, up to the executor's capacity at once (each call
    usually trains through ``executor.run``); results in the items' order. The first
    error is raised after the others finish."""
    items = list(work)
    workers = max(1, min(len(items) or 1, parallel or executor.capacity()))
    if workers == 1:
        return [run_one(item) for item in items]
    with ThreadPoolExecutor(workers, thread_name_prefix="fan-out") as pool:
        futures = [pool.submit(run_one, item) for item in items]
        return [future.result() for future in futures]
