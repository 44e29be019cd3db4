"""MNIST and Fashion-MNIST as whole in-memory arrays.

The repository ships both datasets as gzip IDX files under ``data/`` (torchvision's raw
layout). :func:`load_arrays` reads a split straight from them with numpy (no torch: the
app's first view needs none); :func:`load_dataset` hands the same split to training as
float tensors. Any other root goes through torchvision, which can download into it.
"""

from __future__ import annotations

import gzip
import logging
import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vae_core.data.paths import shipped_data_dir

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

DATASETS = ("mnist", "fashion-mnist")
IMAGE_SHAPE = (1, 28, 28)  # (C, H, W) of every supported dataset
NUM_CLASSES = 10  # both supported datasets have ten classes

SPLITS = ("train", "test")
RAW_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CLASS_NAMES = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "fashion-mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
}
_FOLDERS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
_SPLIT_SIZES = {"train": 60_000, "test": 10_000}


def split_size(name: str, split: str) -> int:
    """How many images a dataset's split holds."""
    if name not in DATASETS or split not in SPLITS:
        raise ValueError(f"no split {split!r} of a dataset {name!r}")
    return _SPLIT_SIZES[split]


class DatasetError(RuntimeError):
    """A dataset could not be read; the message says which file and what to do."""


@dataclass(frozen=True)
class ImageDataset:
    """One split held in memory."""

    name: str  # mnist | fashion-mnist
    split: str  # train | test
    images: torch.Tensor  # float32 [N, 1, 28, 28] in [0, 1]
    labels: torch.Tensor  # int64 [N]
    class_names: tuple[str, ...]

    def __len__(self) -> int:
        return self.labels.shape[0]


def normalize_name(name: str) -> str:
    """Accept common spellings ('MNIST', 'fashion_mnist', 'FashionMNIST')."""
    key = str(name).strip().lower().replace("_", "-")
    if key == "fashionmnist":
        key = "fashion-mnist"
    if key not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
    return key


def _read_idx(path: Path, dimensions: int) -> np.ndarray:
    """One gzip IDX file (LeCun's format: magic 0x00 0x00 0x08 <ndim>, big-endian sizes, bytes)."""
    if not path.is_file():
        raise DatasetError(
            f"{path} is missing: restore the repository's data/ folder (git checkout -- data) "
            "or pass root=<folder> with download=True to fetch the dataset"
        )
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(
            f"{path} is corrupt ({error}): restore it with git checkout -- {path.parent}"
        ) from error
    if len(data) < 4 + 4 * dimensions or data[:3] != b"\x00\x00\x08" or data[3] != dimensions:
        raise DatasetError(
            f"{path} is unreadable: not an IDX file of unsigned bytes with {dimensions} dimensions"
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dimensions))
    body = np.frombuffer(data, np.uint8, offset=4 + 4 * dimensions)
    if body.size != int(np.prod(shape)):
        raise DatasetError(
            f"{path} is unreadable: it holds {body.size} bytes where its header promises {shape}"
        )
    return body.reshape(shape)


_arrays: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}
_arrays_lock = threading.Lock()


def load_arrays(name: str, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """A shipped split as numpy: images uint8 [N, 28, 28] and labels int64 [N] (read-only,
    memoised)."""
    name, split = normalize_name(name), _check_split(split)
    key = (name, split, str(shipped_data_dir()))
    with _arrays_lock:
        if key not in _arrays:
            raw = shipped_data_dir() / _FOLDERS[name] / "raw"
            image_file, label_file = RAW_FILES[split]
            images, labels = (
                _read_idx(raw / f"{image_file}.gz", 3),
                _read_idx(raw / f"{label_file}.gz", 1),
            )
            if images.shape != (_SPLIT_SIZES[split], 28, 28) or labels.shape != (
                _SPLIT_SIZES[split],
            ):
                raise DatasetError(
                    f"{name} {split}: expected {_SPLIT_SIZES[split]} images of 28x28 and as many "
                    "labels, "
                    f"found {images.shape} and {labels.shape}"
                )
            if labels.max() >= len(CLASS_NAMES[name]):
                raise DatasetError(
                    f"{raw / label_file}.gz: labels beyond the {len(CLASS_NAMES[name])} classes"
                )
            _arrays[key] = (images, labels.astype(np.int64))
        return _arrays[key]


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    return split


def _torchvision_split(
    name: str, split: str, root: Path, download: bool
) -> tuple[np.ndarray, np.ndarray]:
    """A split from another root, through torchvision (which downloads into it when asked)."""
    from torchvision import datasets

    cls = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
    try:
        dataset = cls(root=str(root), train=(split == "train"), download=download)
    except RuntimeError as error:  # torchvision: "Dataset not found. You can use download=True ..."
        raise DatasetError(
            f"{name} {split} split not found under {root / _FOLDERS[name] / 'raw'}; "
            "without network access use the shipped copy (root=None), or run once online with "
            "download=True"
        ) from error
    except Exception as error:  # a truncated IDX file surfaces as a ValueError or an assertion
        raise DatasetError(
            f"{name} {split} files under {root / _FOLDERS[name] / 'raw'} are unreadable ({error}); "
            "delete that folder so it is rebuilt"
        ) from error
    return dataset.data.numpy(), dataset.targets.numpy().astype(np.int64)


_cache: dict[tuple[str, str, str], ImageDataset] = {}
_cache_lock = threading.Lock()


def load_dataset(
    name: str, split: str = "train", root: str | os.PathLike | None = None, download: bool = False
) -> ImageDataset:
    """Load a whole split as float tensors.

    ``root=None`` reads the copy shipped in ``data/``. Any other root is handed to
    torchvision, which downloads into it when ``download=True``. Results are memoised
    per process: a second call is free.
    """
    import torch

    name, split = normalize_name(name), _check_split(split)
    cache_key = (name, split, str(root) if root is not None else f"shipped:{shipped_data_dir()}")
    with _cache_lock:
        if cache_key in _cache:
            return _cache[cache_key]
        images, labels = (
            load_arrays(name, split)
            if root is None
            else _torchvision_split(name, split, Path(root), download)
        )
        if images.shape[1:] != (28, 28) or images.shape[0] != labels.shape[0]:
            raise DatasetError(f"{name} {split}: unexpected shapes {images.shape} / {labels.shape}")
        # [N, 1, 28, 28]
        tensor = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1).contiguous()
        dataset = ImageDataset(
            name, split, tensor, torch.from_numpy(labels.copy()), CLASS_NAMES[name]
        )
        _cache[cache_key] = dataset
        logger.info("loaded %s %s: %d images", name, split, len(dataset))
        return dataset


_binarized: dict[tuple, ImageDataset] = {}


def binarized(dataset: ImageDataset, seed: int = 0) -> ImageDataset:
    """A fixed binarization of a split: each pixel 1 with its grey level as probability
    (Bernoulli), drawn once with ``seed`` (memoised). Pixel means are kept in expectation."""
    import torch

    key = (dataset.name, dataset.split, len(dataset), seed)
    with _cache_lock:
        if key not in _binarized:
            generator = torch.Generator().manual_seed(seed)
            _binarized[key] = ImageDataset(
                dataset.name,
                dataset.split,
                torch.bernoulli(dataset.images, generator=generator),
                dataset.labels,
                dataset.class_names,
            )
        return _binarized[key]
