"""MNIST and Fashion-MNIST, read from the gzip IDX files shipped in ``data/``.

The files follow torchvision's raw layout (``MNIST/raw``, ``FashionMNIST/raw``); they are
read with numpy alone, so the app's first view needs no torch.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from vae_core.data.dataset import Dataset, DatasetError, Split
from vae_core.data.paths import shipped_data_dir

RAW_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SIZES = {"train": 60_000, "test": 10_000}
SIDE = 28


def read_idx(path: Path, dimensions: int) -> np.ndarray:
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


def _reader(folder: str, classes: int):
    def read(split: str) -> Split:
        raw = shipped_data_dir() / folder / "raw"
        image_file, label_file = RAW_FILES[split]
        images = read_idx(raw / f"{image_file}.gz", 3)
        labels = read_idx(raw / f"{label_file}.gz", 1)
        if images.shape != (SIZES[split], SIDE, SIDE) or labels.shape != (SIZES[split],):
            raise DatasetError(
                f"{folder} {split}: expected {SIZES[split]} images of {SIDE}x{SIDE} and as many "
                f"labels, found {images.shape} and {labels.shape}"
            )
        if labels.max() >= classes:
            raise DatasetError(f"{raw / label_file}.gz: labels beyond the {classes} classes")
        return Split(images, labels.astype(np.int64))

    return read


def _dataset(name, label, folder, class_names, checksum, order, source, examples) -> Dataset:
    return Dataset(
        name=name,
        label=label,
        short=folder.replace("FashionMNIST", "Fashion-MNIST"),
        shape=(1, SIDE, SIDE),
        reader=_reader(folder, len(class_names)),
        sizes=dict(SIZES),
        class_names=tuple(class_names),
        source=source,
        checksum=checksum,
        order=order,
        location=lambda: str(shipped_data_dir()),
        ink=True,
        examples=examples,
    )


MNIST = _dataset(
    "mnist",
    "MNIST digits",
    "MNIST",
    [str(digit) for digit in range(10)],
    "88e34558b0630bfbb303819f0f691317cd394f67d2846f8ecc573c101fe52192",
    0,
    "LeCun, Cortes and Burges's handwritten digits (data/MNIST, torchvision's raw layout)",
    {"pair": (0, 1), "shift": (0, 6), "analogy": (1, 7), "plane": (0, 1, 7)},
)
FASHION_MNIST = _dataset(
    "fashion-mnist",
    "Fashion-MNIST clothes",
    "FashionMNIST",
    [
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
    ],
    "b735a0a0fc102702077df0db35ff9a9de6fd46196bef318560d7c217132d6f57",
    1,
    "Zalando's article images (data/FashionMNIST, torchvision's raw layout)",
    {"pair": (0, 7), "shift": (9, 5), "analogy": (5, 9), "plane": (0, 5, 9)},
)
DATASETS = (MNIST, FASHION_MNIST)
