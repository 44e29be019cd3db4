"""The codes of a dataset split under a model, stored beside its checkpoint.

Encoding the 10,000 test images takes a network (and torch); a map of them needs only the
codes. A checkpoint therefore carries ``codes.npz``: the test split's posterior means,
log-variances (stochastic encoders) and labels, written with the checkpoint or added later
(``python -m vae_core encode``), read with ``allow_pickle=False``.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CODES_FILE = "codes.npz"


@dataclass(frozen=True)
class EncodedSplit:
    """Encoder outputs for a whole dataset split."""

    mu: np.ndarray  # float32 [N, d] posterior means (the codes of a point encoder)
    logvar: np.ndarray | None  # float32 [N, d] posterior log-variances, None for point encoders
    labels: np.ndarray  # int64 [N]
    dataset: str
    split: str

    @property
    def sigma(self) -> np.ndarray | None:
        """Posterior standard deviations [N, d], None for point encoders."""
        return None if self.logvar is None else np.exp(0.5 * self.logvar)

    def ellipses(self, count: int) -> list[tuple[float, float, float, float]]:
        """(mu_x, mu_y, sigma_x, sigma_y) of the first ``count`` posteriors in the first two
        dimensions ([] for point encoders), as the latent map draws them."""
        sigma = self.sigma
        if sigma is None or count <= 0:
            return []
        return [
            (float(m[0]), float(m[1]), float(s[0]), float(s[1]))
            for m, s in zip(self.mu[:count], sigma[:count])
        ]

    def __len__(self) -> int:
        return self.labels.shape[0]


def write_codes(folder: str | os.PathLike, encoded: EncodedSplit) -> Path:
    """Store a split's codes in ``folder`` (written to a temporary name, then renamed)."""
    path = Path(folder) / CODES_FILE
    tmp = path.with_name(f".{CODES_FILE}-{uuid.uuid4().hex[:8]}.npz")
    arrays = {
        "mu": np.asarray(encoded.mu, np.float32),
        "labels": np.asarray(encoded.labels, np.int64),
        "dataset": np.array(encoded.dataset),
        "split": np.array(encoded.split),
    }
    if encoded.logvar is not None:
        arrays["logvar"] = np.asarray(encoded.logvar, np.float32)
    try:
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_codes(folder: str | os.PathLike) -> EncodedSplit | None:
    """The stored codes, or None when absent, unreadable or inconsistent."""
    path = Path(folder) / CODES_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            mu, labels = stored["mu"].astype(np.float32), stored["labels"].astype(np.int64)
            logvar = stored["logvar"].astype(np.float32) if "logvar" in stored else None
            dataset, split = str(stored["dataset"]), str(stored["split"])
    except (OSError, ValueError, KeyError):
        return None
    if (
        mu.ndim != 2
        or labels.shape != (len(mu),)
        or (logvar is not None and logvar.shape != mu.shape)
    ):
        return None
    if not np.isfinite(mu).all() or (logvar is not None and not np.isfinite(logvar).all()):
        return None
    return EncodedSplit(mu, logvar, labels, dataset, split)
