"""Where the project's files live: shipped data, shipped checkpoints, user cache.

Environment variables override every location:

- ``VAE_EXPLORER_DATA``: the datasets a user imports (``python -m vae_core data add``)
- ``VAE_EXPLORER_SHIPPED_DATA``: folder holding ``MNIST/raw`` and ``FashionMNIST/raw`` (.gz)
- ``VAE_EXPLORER_CHECKPOINTS``: folder of the shipped, read-mostly checkpoints
- ``VAE_EXPLORER_CACHE``: user cache (decompressed data, run-time checkpoints, projections)
- ``VAE_EXPLORER_STUDY``: the seed study's raw results (``python -m vae_core study``)
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # vae_core/data/paths.py -> the repository


def _from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).expanduser() if value else default


def shipped_data_dir() -> Path:
    """The repository's ``data/`` folder (gzip IDX files in torchvision's layout)."""
    return _from_env("VAE_EXPLORER_SHIPPED_DATA", PROJECT_ROOT / "data")


def user_data_dir() -> Path:
    """Where imported datasets live: one folder each (a folder of the user cache by default)."""
    return _from_env("VAE_EXPLORER_DATA", cache_dir() / "datasets")


def shipped_checkpoints_dir() -> Path:
    """The repository's ``checkpoints/`` folder of pre-trained models."""
    return _from_env("VAE_EXPLORER_CHECKPOINTS", PROJECT_ROOT / "checkpoints")


def study_results_path() -> Path:
    """The repository's ``docs/study.json``: every shipped model retrained over several seeds."""
    return _from_env("VAE_EXPLORER_STUDY", PROJECT_ROOT / "docs" / "study.json")


def cache_dir() -> Path:
    """Per-user cache root, following XDG on Linux and ~/.cache elsewhere."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    default = (Path(xdg) if xdg else Path.home() / ".cache") / "vae-explorer"
    return _from_env("VAE_EXPLORER_CACHE", default)
