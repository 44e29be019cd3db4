"""Latent replay: the codes of a fixed test subset after every epoch of a training run.

A :class:`ReplayRecorder` is an ``on_epoch`` callback; the codes travel with the
checkpoint as ``replay.npz`` (float16, read with ``allow_pickle=False``) so the app
can replay how the latent space organised itself, for live and shipped models alike.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vae_core.data import load_dataset

REPLAY_FILE = "replay.npz"
REPLAY_SIZE = 2000  # the first test images, the same for every model of a dataset


class ReplayRecorder:
    """Records the encoder means of the first ``size`` test images after each epoch."""

    def __init__(self, dataset: str, size: int = REPLAY_SIZE):
        test = load_dataset(dataset, "test")
        self.images, self.labels = test.images[:size], test.labels[:size]
        self.frames: list[np.ndarray] = []

    def __call__(self, record, model) -> None:
        import torch

        was_training = model.training
        model.eval()
        device = next(model.parameters()).device
        y = self.labels.to(device) if model.config.is_conditional else None
        with torch.no_grad():
            mu, _ = model.encode(self.images.to(device), y)
        model.train(was_training)
        self.frames.append(mu.float().cpu().numpy())

    @property
    def codes(self) -> np.ndarray:
        """float32 [epochs, size, d]."""
        if not self.frames:
            return np.zeros((0, len(self.labels), 0), np.float32)
        return np.stack(self.frames)


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
