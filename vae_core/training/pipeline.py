"""Train on demand: the stored model for a configuration, or a fresh run stored for next time.

This is where training (:mod:`vae_core.training.trainer`) meets persistence
(:mod:`vae_core.store.checkpoints`):
:func:`get_or_train` looks the configuration up, trains it when it is missing, and stores
the result with its history, training facts and latent replay. One configuration asked
for twice at once, by two threads or two processes sharing a store (several app servers,
say), is trained once; the training itself runs on an executor (:mod:`vae_core.training.executors`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from filelock import FileLock

from vae_core.models.config import ModelConfig, TrainConfig, config_key
from vae_core.models.networks import LatentModel, count_parameters
from vae_core.store.checkpoints import (
    CheckpointWriteError,
    default_roots,
    find_checkpoint,
    load_model,
    save_model,
    user_store_dir,
)
from vae_core.store.encoding import encode_dataset
from vae_core.training.executors import EpochSnapshot, Executor, LocalExecutor, run_with_replay

logger = logging.getLogger(__name__)


@dataclass
class StoredModel:
    """What :func:`get_or_train` hands back."""

    model: LatentModel
    path: Path | None  # None when the model could not be saved (see save_error)
    trained: bool  # False: it came from the store
    result: Any = None  # the TrainResult when trained now
    save_error: str | None = None  # why saving failed; the model is still usable in memory


_key_locks: dict[str, threading.Lock] = {}
_key_locks_guard = threading.Lock()


@contextlib.contextmanager
def training_lock(root: Path, key: str):
    """Serialise work on one configuration key across threads (a lock) and processes
    sharing the store (a lock file beside the checkpoints). A store that cannot hold a
    lock file (read-only) keeps the thread lock alone."""
    with _key_locks_guard:
        lock = _key_locks.setdefault(key, threading.Lock())
    with lock:
        file_lock = None
        try:
            root.mkdir(parents=True, exist_ok=True)
            file_lock = FileLock(str(root / f".lock-{key}"))
            file_lock.acquire()
        except OSError as error:
            logger.warning(
                "no cross-process lock in %s (%s); locking within this process only", root, error
            )
            file_lock = None
        try:
            yield
        finally:
            if file_lock is not None:
                file_lock.release()


def get_or_train(
    model_config: ModelConfig,
    train_config: TrainConfig,
    root: str | os.PathLike | None = None,
    roots: list[str | os.PathLike] | None = None,
    *,
    executor: Executor | None = None,
    on_snapshot: Callable[[EpochSnapshot], None] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
    device: str | None = None,
    on_place: Callable[[str], None] | None = None,
) -> StoredModel:
    """Return the stored model for these configs, or train, store and return it.

    Two callers asking for the same configs at once (threads, or processes sharing the
    store): one trains, the other waits for it and loads the result. The training runs on
    ``executor`` (this process by default; a Ray cluster hands the weights back) and
    reports an :class:`EpochSnapshot` per epoch to ``on_snapshot``; the snapshots' codes are
    stored as the checkpoint's latent replay; ``on_place`` hears where it waits or runs. A run
    stopped early is stored under its
    config with ``epochs`` set to the epochs it completed; its metrics are the test terms
    of its best epoch and the training facts. Raises TrainingDiverged, ValueError and
    :class:`vae_core.training.executors.WorkerLost` from the executor.
    """
    write_root = Path(root) if root is not None else user_store_dir()
    search = [Path(r) for r in (roots if roots is not None else default_roots())]
    if write_root not in search:
        search.append(write_root)
    with training_lock(write_root, config_key(model_config, train_config)):
        found = find_checkpoint(model_config, train_config, search)
        if found is not None:
            return StoredModel(model=load_model(found), path=found, trained=False)
        result, replay_codes = run_with_replay(
            executor or LocalExecutor(),
            model_config,
            train_config,
            on_snapshot,
            on_batch=on_batch,
            stop=stop,
            device=device,
            on_place=on_place,
        )
        return _store(result, write_root, replay_codes)


def _store(result, write_root: Path, replay_codes: np.ndarray | None) -> StoredModel:
    """Save a finished (or stopped) run; a failed save keeps the model in memory."""
    model = result.model
    if result.epochs_completed == 0:
        return StoredModel(
            model=model,
            path=None,
            trained=True,
            result=result,
            save_error="no epoch finished, nothing to save",
        )
    saved_config = result.train_config
    if result.stop_reason == "stopped":
        saved_config = dataclasses.replace(saved_config, epochs=result.epochs_completed)
    test_codes = encode_dataset(model, saved_config.dataset, "test")
    try:
        path = save_model(
            model,
            saved_config,
            write_root,
            training_facts(result),
            [r.to_dict() for r in result.history],
            replay=replay_codes,
            codes=test_codes,
        )
    except CheckpointWriteError as error:
        logger.warning("%s; the model is kept in memory only", error)
        return StoredModel(
            model=model, path=None, trained=True, result=result, save_error=str(error)
        )
    model.set_origin(saved_config, path)
    return StoredModel(model=model, path=path, trained=True, result=result)


def training_facts(result) -> dict[str, Any]:
    """Metrics every stored run carries: final test terms and how training went."""
    last = result.history[-1] if result.history else None
    best = next((r for r in result.history if r.epoch == result.best_epoch), last)
    return {
        "test": dict(best.test) if best else {},
        "training": {
            "epochs_completed": result.epochs_completed,
            "epochs_requested": result.train_config.epochs,
            "best_epoch": result.best_epoch,
            "stop_reason": result.stop_reason,
            "wall_time_s": round(result.wall_time, 2),
            "parameters": count_parameters(result.model),
            "device": str(next(result.model.parameters()).device),
            "torch_version": torch.__version__,
        },
    }
