"""Geometry of the latent plane: extents, grids, padded codes, posterior ellipses.

Plain numpy, no torch: the figure builders and the app's first view use these without
loading a network.
"""

from __future__ import annotations

import numpy as np

Extent = tuple[float, float, float, float]  # x_min, x_max, y_min, y_max


def posterior_ellipse(mu, sigma) -> tuple[float, float, float, float]:
    """One posterior's (mu_x, mu_y, sigma_x, sigma_y) in the first two dimensions."""
    return float(mu[0]), float(mu[1]), float(sigma[0]), float(sigma[1])


def pad_code(point, latent_dim: int) -> np.ndarray:
    """A code [latent_dim] whose first coordinates are ``point`` and the rest 0 (the prior's
    mean): how a position on a 2-D map names a code of a wider latent space."""
    point = np.asarray(point, np.float32).ravel()
    if point.shape[0] > latent_dim:
        raise ValueError(f"a point of {point.shape[0]} coordinates does not fit a {latent_dim}-D latent space")
    code = np.zeros(latent_dim, np.float32)
    code[: point.shape[0]] = point
    return code


def data_extent(codes: np.ndarray, quantile: float = 0.005, margin: float = 0.05) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of the region 2-D codes occupy, ignoring the outermost
    ``quantile`` on each side, widened by ``margin`` of the span."""
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[1] < 2 or len(codes) == 0:
        raise ValueError("need an [N, >=2] array of codes")
    low = np.quantile(codes[:, :2], quantile, axis=0)
    high = np.quantile(codes[:, :2], 1.0 - quantile, axis=0)
    span = np.maximum(high - low, 1e-6)
    low, high = low - margin * span, high + margin * span
    return float(low[0]), float(high[0]), float(low[1]), float(high[1])


def square_extent(*code_sets: np.ndarray, min_span: float = 0.0) -> tuple[float, float, float, float]:
    """The square (x_min, x_max, y_min, y_max) around where the 2-D codes of every set lie
    (:func:`data_extent` of all of them together), centred on them, at least ``min_span``
    wide: squares keep circles round, and one square for several sets keeps their maps
    comparable."""
    codes = np.concatenate([np.asarray(c, np.float64).reshape(-1, np.shape(c)[-1])[:, :2] for c in code_sets])
    x_min, x_max, y_min, y_max = data_extent(codes)
    cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
    half = max(x_max - x_min, y_max - y_min, min_span) / 2
    return (cx - half, cx + half, cy - half, cy + half)


def grid_points(extent: tuple[float, float, float, float], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres of an n x n grid covering ``extent``: xs [n], ys [n], increasing."""
    x_min, x_max, y_min, y_max = extent
    if not (x_max > x_min and y_max > y_min) or not np.isfinite(extent).all():
        raise ValueError(f"invalid extent {extent}")
    if n < 1:
        raise ValueError("a grid needs n >= 1")
    step_x, step_y = (x_max - x_min) / n, (y_max - y_min) / n
    xs = (x_min + step_x * (np.arange(n) + 0.5)).astype(np.float32)
    ys = (y_min + step_y * (np.arange(n) + 0.5)).astype(np.float32)
    return xs, ys
