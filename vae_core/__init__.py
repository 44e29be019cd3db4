"""VAE Latent Explorer core: train, store, and look inside 2-D latent VAEs and MMD-VAEs.

The public names below load their module on first use, so that ``import vae_core.data``
or ``vae_core.store`` does not import torch (the app's first view needs none of it).
Importing this package adds no logging handlers; the CLI and the app configure logging.
"""

from __future__ import annotations

import importlib
import sys
import types

_EXPORTS = {
    "CheckpointError": "vae_core.store",
    "CheckpointInfo": "vae_core.store",
    "CheckpointWriteError": "vae_core.store",
    "DatasetError": "vae_core.data",
    "EpochRecord": "vae_core.train",
    "EpochSnapshot": "vae_core.executors",
    "ImageDataset": "vae_core.data",
    "LatentModel": "vae_core.models",
    "LocalExecutor": "vae_core.executors",
    "ModelConfig": "vae_core.config",
    "ModelOutput": "vae_core.models",
    "StoredModel": "vae_core.pipeline",
    "TrainConfig": "vae_core.config",
    "TrainResult": "vae_core.train",
    "TrainingDiverged": "vae_core.train",
    "WorkerLost": "vae_core.executors",
    "build_model": "vae_core.models",
    "config_key": "vae_core.config",
    "evaluate": "vae_core.metrics",
    "get_or_train": "vae_core.pipeline",
    "make_executor": "vae_core.executors",
    "list_checkpoints": "vae_core.store",
    "load_dataset": "vae_core.data",
    "load_model": "vae_core.store",
    "save_model": "vae_core.store",
    "train": "vae_core.train",
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


class _Package(types.ModuleType):
    """``vae_core.train`` names the training function, as the eager package did: when the
    submodule of that name is first imported, Python sets it as an attribute of the
    package, and this keeps the function there instead."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
