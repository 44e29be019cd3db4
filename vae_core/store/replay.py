"""Latent replay: the codes of a fixed test subset after every epoch of a training run.

The codes come from :class:`vae_core.training.executors.EpochProbe` snapshots, taken where the
model trains; they travel with the checkpoint as ``replay.npz`` (float16, read with
``allow_pickle=False``) so the app
can replay how the latent space organised itself, for live and shipped models alike.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

REPLAY_FILE = "replay.npz"
REPLAY_SIZE = 2000  # the first test images, the same for every model of a dataset


def write_replay(folder: str | os.PathLike, codes: np.ndarray) -> None:
    """Store codes [epochs, n, d] as float16 beside a checkpoint's weights."""
    np.savez_compressed(Path(folder) / REPLAY_FILE, codes=np.asarray(codes, np.float16))


def read_replay(folder: str | os.PathLike) -> np.ndarray | None:
    """The stored codes [epochs, n, d] as float32, or None when absent or unreadable."""
    path = Path(folder) / REPLAY_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            codes = stored["codes"].astype(np.float32)
    except (OSError, ValueError, KeyError):
        return None
    return codes if codes.ndim == 3 and np.isfinite(codes).all() else None
