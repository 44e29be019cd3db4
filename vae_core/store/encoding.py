"""The codes a checkpoint keeps beside it, computed: a split encoded in batches under a
model, memoised per checkpoint key. Needs torch; reading stored codes
(:mod:`vae_core.store.codes`) does not.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import torch

from vae_core.data.datasets import ImageDataset, load_dataset
from vae_core.data.images import model_layout
from vae_core.models.networks import LatentModel, as_floats
from vae_core.store.codes import EncodedSplit

ENCODE_BATCH = 2000  # images per encoder pass


_encode_cache: OrderedDict[tuple, EncodedSplit] = OrderedDict()
_encode_lock = threading.Lock()
ENCODE_CACHE_SIZE = 16  # splits kept in memory (a 60,000 x 2 split is under 1 MB)


def as_tensor(array) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array, dtype=np.float32))


def model_input(images, channels: int) -> torch.Tensor:
    """Images as a tensor [N, C, H, W] (uint8 kept, other numbers as float32): tensors are taken
    as they are, arrays in the display layout are moved into the model's."""
    if isinstance(images, torch.Tensor):
        return images if images.dtype == torch.uint8 else images.float()
    array = np.asarray(images)
    if array.ndim == 3 or (array.ndim == 4 and array.shape[1] != channels):
        array = model_layout(array, channels)
    array = np.ascontiguousarray(array)
    return torch.from_numpy(array if array.dtype == np.uint8 else array.astype(np.float32))


def device_of(model: LatentModel) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def encode_images(
    model: LatentModel, images, labels=None, batch_size: int = ENCODE_BATCH
) -> tuple[np.ndarray, np.ndarray | None]:
    """Encode images -> (mu [N, d], logvar [N, d] or None). Images are a tensor [N, C, H, W] or
    an array in the display layout ([N, H, W], [N, H, W, C]); uint8 or floats in [0, 1]."""
    model.eval()
    images = model_input(images, model.image_shape[0])
    labels_t = None if labels is None else torch.as_tensor(labels, dtype=torch.int64)
    device = device_of(model)
    mus, logvars = [], []
    for start in range(0, images.shape[0], batch_size):
        x = as_floats(images[start : start + batch_size].to(device))
        y = (
            None
            if labels_t is None or not model.config.is_conditional
            else labels_t[start : start + batch_size].to(device)
        )
        mu, logvar = model.encode(x, y)
        mus.append(mu.float().cpu())
        if logvar is not None:
            logvars.append(logvar.float().cpu())
    mu = torch.cat(mus).numpy() if mus else np.zeros((0, model.config.latent_dim), np.float32)
    logvar = torch.cat(logvars).numpy() if logvars else None
    return mu, logvar


def encode_dataset(
    model: LatentModel, dataset: ImageDataset | str | None = None, split: str = "test"
) -> EncodedSplit:
    """Encode a whole split in batches; memoised per (checkpoint key, dataset, split).

    ``dataset`` defaults to the one the model was trained on. Models without a
    checkpoint key (trained in memory, never saved) are encoded afresh each call.
    """
    if dataset is None:
        dataset = model.train_config.dataset
    data = load_dataset(dataset, split) if isinstance(dataset, str) else dataset
    key = getattr(model, "checkpoint_key", None)
    cache_key = (key, data.name, data.split) if key else None
    if cache_key is not None:
        with _encode_lock:
            if cache_key in _encode_cache:
                _encode_cache.move_to_end(cache_key)
                return _encode_cache[cache_key]
    mu, logvar = encode_images(model, data.pixels, data.labels)
    encoded = EncodedSplit(mu, logvar, data.labels.numpy(), data.name, data.split)
    if cache_key is not None:
        with _encode_lock:
            _encode_cache[cache_key] = encoded
            while len(_encode_cache) > ENCODE_CACHE_SIZE:
                _encode_cache.popitem(last=False)
    return encoded
