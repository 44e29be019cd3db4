"""Interpolation between two codes: the walk, its decoded frames, strip and GIF, and the
warning when an end lies far from every test code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from explorer.core import caches
from explorer.maps import points
from vae_core.analysis.geometry import interpolate, nearest_codes, pad_code
from vae_core.data.images import gif_bytes, png_bytes, tile, upscale


@dataclass(frozen=True)
class Walk:
    """A path through latent space and its decoded frames."""

    path: np.ndarray  # float32 [steps, d]
    frames: np.ndarray  # float32 [steps, H, W(, 3)] in [0, 1]

    @property
    def steps(self) -> int:
        return len(self.path)

    def frame(self, index: int, size: int = 224) -> np.ndarray:
        return upscale(self.frames[index], size)

    def point(self, index: int) -> list[float]:
        return self.path[index].astype(float).tolist()

    def strip(self, scale: int = 3) -> np.ndarray:
        strip = tile(self.frames, 1, self.steps)
        return upscale(strip, scale * strip.shape[1])

    @functools.cached_property
    def strip_png(self) -> bytes:
        """The strip as PNG, made once per walk (walks are shared between sessions)."""
        return png_bytes(self.strip())

    def gif(self, size: int = 168) -> bytes:
        return gif_bytes(self.frames, size=size)

    @property
    def map_path(self) -> np.ndarray:
        return self.path[:, :2]


def far_ends(name: str, ends) -> list[tuple[str, float]]:
    """The ends of a path ("A", "B") that lie farther than FAR_FROM_DATA from every test
    code, each with that distance (in the model's latent space, a map position padded with
    zeros): the decoder was never trained there."""
    codes = caches.encoded(name).mu
    far = []
    for tag, end in zip("AB", ends):
        code = pad_code(points.position(end), codes.shape[1])
        distance = float(nearest_codes(codes, code, k=1)[1][0])
        if distance > points.FAR_FROM_DATA:
            far.append((tag, distance))
    return far


def walk(
    name: str, start, end, steps: int, method: str = "linear", label: int | None = None
) -> Walk:
    """Interpolate (linear or slerp) between two codes or map positions and decode the frames.

    The last 64 walks are kept for every session (read-only): a room following the
    teacher's interpolation has it decoded once, not once per student."""
    return _walk(name, points.position(start), points.position(end), int(steps), method, label)


@functools.lru_cache(maxsize=64)
def _walk(
    name: str,
    start: tuple[float, ...],
    end: tuple[float, ...],
    steps: int,
    method: str,
    label: int | None,
) -> Walk:
    from vae_core.analysis.latent import decode_path

    dim = caches.get_model(name).config.latent_dim
    path = interpolate(pad_code(start, dim), pad_code(end, dim), steps, method)
    result = decode_path(caches.get_model(name), path, label)
    return Walk(points.frozen(result.path), points.frozen(result.frames))


def class_mean_ends(name: str, first: int, second: int) -> list[np.ndarray]:
    """The mean codes of two classes: the ends of a class-mean walk."""
    means = caches.class_means(name)
    return [means[first], means[second]]
