"""Datasets as objects, in one registry.

A :class:`Dataset` says everything the rest of the product asks of a set of images: its
name and label, the shape of one image (channels, height, width), its class names (none for
an unlabelled set), its factors of variation where they are known, how many images each
split holds, how to read a split, and where the images came from. The built-in sets
register here when this module is imported (``idx``: MNIST and Fashion-MNIST; ``shapes``:
the generated sprites); the sets a user imports (``imported``) are found by name in their
folder. Nothing outside these objects spells an image size or a class count.
"""

from __future__ import annotations

from vae_core.data import idx, imported, shapes
from vae_core.data.dataset import (
    DEFAULT_DATASET,
    SPLITS,
    Dataset,
    DatasetError,
    Factor,
    Split,
    check_split,
    data_checksum,
    split_checksum,
)
from vae_core.data.registry import Registry

__all__ = [
    "DATASETS",
    "DEFAULT_DATASET",
    "SPLITS",
    "Dataset",
    "DatasetError",
    "Factor",
    "Split",
    "add_dataset",
    "check_split",
    "data_checksum",
    "get",
    "names",
    "normalize_name",
    "register",
    "split_checksum",
    "unregister",
]

DATASETS: Registry[Dataset] = Registry("a dataset")
register, unregister = DATASETS.register, DATASETS.unregister


def normalize_name(name: str) -> str:
    """The registered spelling of ``name`` ('MNIST', 'fashion_mnist' and 'FashionMNIST' are
    accepted); DatasetError listing the choices when no dataset has that name."""
    return get(name).name


def _key(name: str) -> str:
    key = str(name).strip().lower().replace("_", "-")
    return {"fashionmnist": "fashion-mnist"}.get(key, key)


def get(name: str) -> Dataset:
    """The dataset called ``name``: a built-in one or one a user imported."""
    key = _key(name)
    if key in DATASETS:
        return DATASETS[key]
    found = imported.find(key)
    if found is None:
        raise DatasetError(f"unknown dataset {name!r}: choose one of {', '.join(names())}")
    return found


def names() -> tuple[str, ...]:
    """Every dataset's name: the built-in ones in order, then the imported ones."""
    return (*DATASETS, *imported.names())


def add_dataset(name: str, source, **options) -> Dataset:
    """Import a folder, zip or array as the dataset ``name`` (see
    :func:`vae_core.data.imported.store_dataset` for the options); ImportRefused when the name
    is taken or the input is bad, and then nothing is stored."""
    key = _key(name)
    if key in DATASETS:
        raise imported.ImportRefused(
            f"a dataset called {name!r} exists already: choose another name"
        )
    return imported.store_dataset(name, source, **options)


for _dataset in (*idx.DATASETS, *shapes.DATASETS):
    register(_dataset)
