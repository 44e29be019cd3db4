"""Geometry of latent space: extents, grids, padded codes, paths (linear, slerp), neighbours.

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
        raise ValueError(
            f"a point of {point.shape[0]} coordinates does not fit a {latent_dim}-D latent space"
        )
    code = np.zeros(latent_dim, np.float32)
    code[: point.shape[0]] = point
    return code


def data_extent(
    codes: np.ndarray, quantile: float = 0.005, margin: float = 0.05
) -> tuple[float, float, float, float]:
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


def square_extent(
    *code_sets: np.ndarray, min_span: float = 0.0
) -> tuple[float, float, float, float]:
    """The square (x_min, x_max, y_min, y_max) around where the 2-D codes of every set lie
    (:func:`data_extent` of all of them together), centred on them, at least ``min_span``
    wide: squares keep circles round, and one square for several sets keeps their maps
    comparable."""
    codes = np.concatenate(
        [np.asarray(c, np.float64).reshape(-1, np.shape(c)[-1])[:, :2] for c in code_sets]
    )
    x_min, x_max, y_min, y_max = data_extent(codes)
    cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
    half = max(x_max - x_min, y_max - y_min, min_span) / 2
    return (cx - half, cx + half, cy - half, cy + half)


def holding(extent: Extent, points, margin: float = 0.08) -> Extent:
    """A square ``extent`` grown about its centre just enough that ``points`` [K, >=2] lie
    inside it, ``margin`` of its half-width from the edge (a plane's anchors, a pinned code
    far from the data: points that are drawn must be on the map)."""
    points = np.asarray(points, np.float64)
    if points.size == 0:
        return extent
    points = points.reshape(len(points), -1)
    x_min, x_max, y_min, y_max = extent
    cx, cy, half = (x_min + x_max) / 2, (y_min + y_max) / 2, (x_max - x_min) / 2
    reach = float(np.max(np.abs(points[:, :2] - [cx, cy]))) * (1 + margin)
    half = max(half, reach)
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


def interpolate(z0, z1, steps: int, method: str = "linear") -> np.ndarray:
    """Path of ``steps`` codes from z0 to z1 inclusive: [steps, d].

    - linear: (1 - t) z0 + t z1
    - slerp: the direction moves along the great circle between z0/|z0| and z1/|z1|
      (Shoemake 1985; White, "Sampling Generative Networks", 2016) while the radius
      goes linearly from |z0| to |z1|, so endpoints of equal norm keep that norm all
      the way. Opposite directions turn through the first axis perpendicular to z0;
      a zero endpoint falls back to linear.
    """
    if steps < 2:
        raise ValueError("an interpolation needs steps >= 2")
    a, b = np.asarray(z0, np.float64).ravel(), np.asarray(z1, np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError("endpoints must have the same dimension")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("endpoints must be finite")
    t = np.linspace(0.0, 1.0, steps)[:, None]
    if method == "linear":
        return ((1 - t) * a + t * b).astype(np.float32)
    if method != "slerp":
        raise ValueError(f"unknown interpolation method {method!r}: linear or slerp")
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    if norm_a < 1e-8 or norm_b < 1e-8:
        return ((1 - t) * a + t * b).astype(np.float32)
    u, v = a / norm_a, b / norm_b
    cos_omega = float(np.clip(u @ v, -1.0, 1.0))
    if cos_omega > 1.0 - 1e-7:  # same direction: only the radius changes
        directions = np.repeat(u[None], steps, axis=0)
    else:
        if cos_omega < -1.0 + 1e-7:  # opposite: go through a perpendicular direction
            perpendicular = np.zeros_like(u)
            perpendicular[np.argmin(np.abs(u))] = 1.0
            perpendicular -= (perpendicular @ u) * u
            v_mid = perpendicular / np.linalg.norm(perpendicular)
            omega = np.pi
            directions = np.cos(omega * t) * u + np.sin(omega * t) * v_mid
        else:
            omega = np.arccos(cos_omega)
            directions = (np.sin((1 - t) * omega) * u + np.sin(t * omega) * v) / np.sin(omega)
    radius = (1 - t) * norm_a + t * norm_b
    path = directions * radius
    path[0], path[-1] = a, b
    return path.astype(np.float32)


def interpolate_path(waypoints, steps_per_segment: int, method: str = "linear") -> np.ndarray:
    """Path through K >= 2 waypoints [K, d]: each segment has ``steps_per_segment``
    codes and shared joints appear once: [(K - 1) * (steps_per_segment - 1) + 1, d]."""
    points = np.asarray(waypoints, np.float32)
    if points.ndim != 2 or points.shape[0] < 2:
        raise ValueError("a path needs at least two waypoints")
    segments = [
        interpolate(points[i], points[i + 1], steps_per_segment, method)
        for i in range(len(points) - 1)
    ]
    return np.concatenate([segments[0]] + [segment[1:] for segment in segments[1:]])


def nearest_codes(codes: np.ndarray, z, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Indices [k] and distances [k] of the k codes nearest to z [d], closest first."""
    codes = np.asarray(codes, np.float32)
    z = np.asarray(z, np.float32).ravel()
    if z.shape[0] != codes.shape[1] or not np.isfinite(z).all():
        raise ValueError("query must be a finite code of the same dimension")
    k = min(k, len(codes))
    distances = np.linalg.norm(codes - z, axis=1)
    index = np.argpartition(distances, k - 1)[:k] if k < len(codes) else np.arange(len(codes))
    index = index[np.argsort(distances[index])]
    return index, distances[index]
