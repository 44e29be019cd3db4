"""VAE Latent Explorer core: train, store, and look inside 2-D latent VAEs and MMD-VAEs.

Importing this package adds no logging handlers; the CLI and the app configure logging.
"""

from vae_core.config import ModelConfig, TrainConfig, config_key
from vae_core.data import DatasetError, ImageDataset, load_dataset
from vae_core.metrics import evaluate
from vae_core.models import LatentModel, ModelOutput, build_model
from vae_core.pipeline import StoredModel, get_or_train
from vae_core.store import CheckpointError, CheckpointInfo, CheckpointWriteError, list_checkpoints, load_model, save_model
from vae_core.train import EpochRecord, TrainingDiverged, TrainResult, train

__all__ = [
    "CheckpointError",
    "CheckpointInfo",
    "CheckpointWriteError",
    "DatasetError",
    "EpochRecord",
    "ImageDataset",
    "LatentModel",
    "ModelConfig",
    "ModelOutput",
    "StoredModel",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "build_model",
    "config_key",
    "evaluate",
    "get_or_train",
    "list_checkpoints",
    "load_dataset",
    "load_model",
    "save_model",
    "train",
]
