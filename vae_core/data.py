"""MNIST and Fashion-MNIST as whole in-memory tensors.

The repository ships both datasets as gzip IDX files under ``data/``. They are
decompressed once into a cache folder laid out as torchvision expects
(``<root>/MNIST/raw/...``), and torchvision's own dataset classes parse them.
Any other root goes through torchvision's normal download path.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import torch

from vae_core.config import DATASETS
from vae_core.paths import cache_dir, shipped_data_dir

logger = logging.getLogger(__name__)

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


def _torchvision_class(name: str):
    from torchvision import datasets

    return datasets.MNIST if name == "mnist" else datasets.FashionMNIST


def _decompress_shipped(name: str, target_root: Path) -> None:
    """Gunzip the shipped files into ``target_root/<Folder>/raw`` (torchvision wants both splits there)."""
    source = shipped_data_dir() / _FOLDERS[name] / "raw"
    raw = target_root / _FOLDERS[name] / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for stem in (*RAW_FILES["train"], *RAW_FILES["test"]):
        out = raw / stem
        if out.exists():
            continue
        gz = source / f"{stem}.gz"
        if not gz.exists():
            raise DatasetError(
                f"{gz} is missing: restore the repository's data/ folder (git checkout -- data) "
                "or pass root=<folder> with download=True to fetch the dataset"
            )
        tmp = out.with_name(f".{stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with gzip.open(gz, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(tmp, out)
        except (OSError, EOFError, zlib.error) as error:
            tmp.unlink(missing_ok=True)
            if isinstance(error, OSError) and not isinstance(error, gzip.BadGzipFile) and error.errno:
                raise DatasetError(f"cannot write {out}: {error}") from error
            raise DatasetError(f"{gz} is corrupt ({error}): restore it with git checkout -- {gz.parent}") from error


def _read_split(name: str, split: str, root: Path, download: bool):
    cls = _torchvision_class(name)
    try:
        return cls(root=str(root), train=(split == "train"), download=download)
    except RuntimeError as error:  # torchvision: "Dataset not found. You can use download=True ..."
        raise DatasetError(
            f"{name} {split} split not found under {root / _FOLDERS[name] / 'raw'}; "
            "without network access use the shipped copy (root=None), or run once online with download=True"
        ) from error
    except Exception as error:  # a truncated IDX file surfaces as a ValueError or an assertion
        raise DatasetError(
            f"{name} {split} files under {root / _FOLDERS[name] / 'raw'} are unreadable ({error}); "
            "delete that folder so it is rebuilt"
        ) from error


_cache: dict[tuple[str, str, str], ImageDataset] = {}
_cache_lock = threading.Lock()


def load_dataset(name: str, split: str = "train", root: str | os.PathLike | None = None, download: bool = False) -> ImageDataset:
    """Load a whole split as tensors.

    ``root=None`` reads the copy shipped in ``data/`` (decompressed into the user
    cache). Any other root is handed to torchvision, which downloads into it when
    ``download=True``. Results are memoised per process: a second call is free.
    """
    name = normalize_name(name)
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    cache_key = (name, split, str(root) if root is not None else f"shipped:{shipped_data_dir()}")
    with _cache_lock:
        if cache_key in _cache:
            return _cache[cache_key]
        if root is None:
            read_root = cache_dir() / "datasets"
            _decompress_shipped(name, read_root)
            tv_dataset = _read_split(name, split, read_root, download=False)
        else:
            tv_dataset = _read_split(name, split, Path(root), download=download)
        data, targets = tv_dataset.data, tv_dataset.targets
        if data.shape[1:] != (28, 28) or data.shape[0] != targets.shape[0]:
            raise DatasetError(f"{name} {split}: unexpected shapes {tuple(data.shape)} / {tuple(targets.shape)}")
        if root is None and data.shape[0] != _SPLIT_SIZES[split]:
            raise DatasetError(f"{name} {split}: expected {_SPLIT_SIZES[split]} images, found {data.shape[0]}")
        images = data.to(torch.float32).div_(255.0).unsqueeze(1).contiguous()  # [N, 1, 28, 28]
        dataset = ImageDataset(name, split, images, targets.to(torch.int64), CLASS_NAMES[name])
        _cache[cache_key] = dataset
        logger.info("loaded %s %s: %d images", name, split, len(dataset))
        return dataset
