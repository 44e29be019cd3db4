"""A dataset's splits as in-memory arrays (numpy for display, torch for training).

:func:`load_split` reads a split through its :class:`~vae_core.data.catalog.Dataset`
(numpy only: the app's first view needs no torch); :func:`load_dataset` hands the same
split to training as a uint8 tensor [N, C, H, W], turned into floats a batch at a time
(:meth:`ImageDataset.floats`), so a 64 x 64 set holds a quarter of the memory floats would.
MNIST and Fashion-MNIST can also be read from another root through torchvision, which can
download into it.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vae_core.data.catalog import DatasetError, Split, check_split, get

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

__all__ = [
    "DatasetError",
    "ImageDataset",
    "binarized",
    "load_arrays",
    "load_dataset",
    "load_split",
    "split_size",
]


def split_size(name: str, split: str) -> int:
    """How many images a dataset's split holds."""
    return get(name).split_size(split)


_splits: dict[tuple[str, str, str], Split] = {}
_splits_lock = threading.Lock()


def load_split(name: str, split: str = "test") -> Split:
    """A split's arrays (read-only, memoised per process): see
    :class:`~vae_core.data.catalog.Split`."""
    dataset, split = get(name), check_split(split)
    key = (dataset.name, split, f"{id(dataset.reader)}:{dataset.location()}")
    with _splits_lock:
        if key not in _splits:
            found = dataset.reader(split)
            for array in (found.images, found.labels, found.factors):
                if array is not None:
                    array.flags.writeable = False
            _splits[key] = found
        return _splits[key]


def load_arrays(name: str, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """A split's images (uint8 [N, H, W], or [N, H, W, 3] in colour) and labels (int64 [N])."""
    found = load_split(name, split)
    return found.images, found.labels


@dataclass(frozen=True)
class ImageDataset:
    """One split held in memory for training and evaluation."""

    name: str
    split: str  # train | test
    pixels: torch.Tensor  # uint8 [N, C, H, W]
    labels: torch.Tensor  # int64 [N] (-1 for an unlabelled set)
    class_names: tuple[str, ...]

    def __len__(self) -> int:
        return self.labels.shape[0]

    def floats(self, index=slice(None)) -> torch.Tensor:
        """The images ``index`` selects as float32 [n, C, H, W] in [0, 1]."""
        return self.pixels[index].float().div_(255.0)


def _torchvision_split(
    name: str, split: str, root: Path, download: bool
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST or Fashion-MNIST from another root, through torchvision (which downloads into it
    when asked)."""
    from torchvision import datasets

    classes = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}
    if name not in classes:
        raise DatasetError(f"{name} cannot be read from another root: only the shipped copy")
    cls = classes[name]
    folder = root / cls.__name__ / "raw"
    try:
        dataset = cls(root=str(root), train=(split == "train"), download=download)
    except RuntimeError as error:  # torchvision: "Dataset not found. You can use download=True ..."
        raise DatasetError(
            f"{name} {split} split not found under {folder}; without network access use the "
            "shipped copy (root=None), or run once online with download=True"
        ) from error
    except Exception as error:  # a truncated IDX file surfaces as a ValueError or an assertion
        raise DatasetError(
            f"{name} {split} files under {folder} are unreadable ({error}); delete that folder so "
            "it is rebuilt"
        ) from error
    return dataset.data.numpy(), dataset.targets.numpy().astype(np.int64)


_cache: dict[tuple[str, str, str], ImageDataset] = {}
_cache_lock = threading.Lock()


def load_dataset(
    name: str, split: str = "train", root: str | os.PathLike | None = None, download: bool = False
) -> ImageDataset:
    """Load a whole split as tensors (memoised per process: a second call is free).

    ``root=None`` reads the dataset's own copy. For MNIST and Fashion-MNIST any other root is
    handed to torchvision, which downloads into it when ``download=True``.
    """
    import torch

    dataset, split = get(name), check_split(split)
    where = str(root) if root is not None else f"own:{id(dataset.reader)}:{dataset.location()}"
    cache_key = (dataset.name, split, where)
    with _cache_lock:
        if cache_key in _cache:
            return _cache[cache_key]
        images, labels = (
            load_arrays(dataset.name, split)
            if root is None
            else _torchvision_split(dataset.name, split, Path(root), download)
        )
        c, h, w = dataset.shape
        if images.shape[1:3] != (h, w) or images.shape[0] != labels.shape[0]:
            raise DatasetError(
                f"{dataset.name} {split}: unexpected shapes {images.shape} / {labels.shape}"
            )
        # [N, H, W] -> [N, 1, H, W]; [N, H, W, C] -> [N, C, H, W]
        pixels = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)
        with warnings.catch_warnings():
            # The tensor shares the split's read-only memory (no second copy): nothing writes
            # into a dataset's pixels, batches are new tensors.
            warnings.filterwarnings("ignore", "The given NumPy array is not writable")
            found = ImageDataset(
                dataset.name,
                split,
                torch.from_numpy(np.ascontiguousarray(pixels)),
                torch.from_numpy(labels.copy()),
                dataset.class_names,
            )
        _cache[cache_key] = found
        logger.info("loaded %s %s: %d images", dataset.name, split, len(found))
        return found


_binarized: dict[tuple, ImageDataset] = {}


def binarized(dataset: ImageDataset, seed: int = 0) -> ImageDataset:
    """A fixed binarization of a split: each pixel 1 with its grey level as probability
    (Bernoulli), drawn once with ``seed`` (memoised). Pixel means are kept in expectation."""
    import torch

    key = (dataset.name, dataset.split, len(dataset), seed)
    with _cache_lock:
        if key not in _binarized:
            generator = torch.Generator().manual_seed(seed)
            drawn = torch.bernoulli(dataset.floats(), generator=generator)
            _binarized[key] = ImageDataset(
                dataset.name,
                dataset.split,
                drawn.to(torch.uint8).mul_(255),
                dataset.labels,
                dataset.class_names,
            )
        return _binarized[key]
