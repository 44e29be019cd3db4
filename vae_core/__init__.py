"""VAE Latent Explorer core: train, store, and look inside 2-D latent VAEs and MMD-VAEs.

The public names below load their module on first use, so that ``import vae_core.data.datasets``
or ``vae_core.store.checkpoints`` does not import torch (the app's first view needs none of it).
Importing this package adds no logging handlers; the CLI and the app configure logging.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "CheckpointError": "vae_core.store.checkpoints",
    "CheckpointInfo": "vae_core.store.checkpoints",
    "CheckpointWriteError": "vae_core.store.checkpoints",
    "DatasetError": "vae_core.data.datasets",
    "EpochRecord": "vae_core.training.trainer",
    "EpochSnapshot": "vae_core.training.executors",
    "ImageDataset": "vae_core.data.datasets",
    "LatentModel": "vae_core.models.networks",
    "LocalExecutor": "vae_core.training.executors",
    "ModelConfig": "vae_core.models.config",
    "ModelOutput": "vae_core.models.networks",
    "StoredModel": "vae_core.training.pipeline",
    "TrainConfig": "vae_core.models.config",
    "TrainResult": "vae_core.training.trainer",
    "TrainingDiverged": "vae_core.training.trainer",
    "WorkerLost": "vae_core.training.executors",
    "build_model": "vae_core.models.networks",
    "config_key": "vae_core.models.config",
    "evaluate": "vae_core.analysis.metrics",
    "get_or_train": "vae_core.training.pipeline",
    "make_executor": "vae_core.training.placement",
    "list_checkpoints": "vae_core.store.checkpoints",
    "load_dataset": "vae_core.data.datasets",
    "load_model": "vae_core.store.checkpoints",
    "save_model": "vae_core.store.checkpoints",
    "train": "vae_core.training.trainer",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vae_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
