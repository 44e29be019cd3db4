"""Decoded points for the pages: a map position decoded, the nearest test images, prior
points, decoded grids and the map view the canvas draws. Functions that run a network
import :mod:`vae_core.analysis.latent` (and so torch) when first called.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from explorer.canvas.component import MapView
from explorer.core import caches
from explorer.maps import map_figures
from vae_core.analysis.geometry import Extent, nearest_codes, pad_code
from vae_core.data.datasets import load_arrays
from vae_core.data.images import png_bytes, png_data_uri, tile, upscale

# a point farther than this from every test code lies outside what the model learned
FAR_FROM_DATA = 1.0


def map_view(
    name: str,
    label: str,
    n_points: int = 3000,
    *,
    extent: Extent | None = None,
    mosaic_n: int = 0,
    class_label: int | None = None,
    **figure_options,
) -> MapView:
    """A map for the canvas: the model's test codes with ``figure_options`` (see
    map_figures.map_figure) and, under them, an n x n decoded grid, decoded in the browser when
    it runs the model and on the server otherwise."""
    model = caches.browser_model(name)
    extent = extent or map_figures.map_extent(name)
    server_mosaic = mosaic_n if model.url is None else 0
    url = map_figures.map_figure_url(
        name, n_points, extent=extent, mosaic_n=server_mosaic, label=class_label, **figure_options
    )
    return MapView.of(model, url, extent, label, mosaic_n)


@dataclass(frozen=True)
class DecodedPoint:
    """A latent point decoded by one model (shared by every session that shows it: read-only)."""

    code: tuple[float, ...]  # every latent coordinate decoded (the point's, then zeros)
    image: np.ndarray  # uint8 [size, size]
    png: bytes  # the same image as PNG, ready to show or download
    radius: float  # the code's distance from the origin, in prior standard deviations
    held_at_zero: int  # latent coordinates the point did not set, held at 0
    # conditional VAE: the same code drawn as each class (uint8 images)
    every_class: list[np.ndarray] | None
    nearest: float  # distance to the nearest test image's code, in the coordinates the point set

    @property
    def point(self) -> tuple[float, float]:
        """The position on a 2-D map: the code's first two coordinates."""
        return self.code[0], self.code[1] if len(self.code) > 1 else 0.0

    @property
    def far_from_data(self) -> bool:
        """No test image is encoded within one prior standard deviation: the decoder was never
        trained near here, so the image means little."""
        return self.nearest > FAR_FROM_DATA

    def words(self) -> str:
        """The code in a line: every coordinate up to four, else the first three and the last."""
        values = [f"{v:.3f}" for v in self.code]
        if len(values) > 4:
            values = [*values[:3], "…", values[-1]]
        dims = f" ({len(self.code)}-D)" if len(self.code) > 2 else ""
        return f"z = ({', '.join(values)}){dims}"


def position(point) -> tuple[float, ...]:
    """A point as a hashable key; ValueError for what cannot be coordinates."""
    try:
        return tuple(float(v) for v in np.asarray(point, np.float32).ravel())
    except TypeError as error:
        raise ValueError(f"a point must be numbers ({error})") from None


def decode_point(name: str, point, label: int | None = None, size: int = 280) -> DecodedPoint:
    """Decode a map position. ValueError for coordinates that are not finite numbers.

    The last 128 results are kept for every session: a room of students following
    the teacher's pinned point has it decoded once, not once per student."""
    return _decode_point(name, position(point), label, size)


@functools.lru_cache(maxsize=128)
def _decode_point(
    name: str, point: tuple[float, ...], label: int | None, size: int
) -> DecodedPoint:
    from vae_core.analysis.latent import decode, decode_all_classes

    model = caches.get_model(name)
    code = pad_code(point, model.config.latent_dim)
    image = decode(model, code, label)
    every_class = None
    if model.config.is_conditional:
        every_class = [frozen(upscale(image, 84)) for image in decode_all_classes(model, code)]
    shown = len(point)  # a plane's point carries every coordinate; a 2-D map's, the first two
    nearest = float(nearest_codes(caches.encoded(name).mu[:, :shown], code[:shown], k=1)[1][0])
    enlarged = frozen(upscale(image, size))
    return DecodedPoint(
        tuple(float(v) for v in code),
        enlarged,
        png_bytes(enlarged),
        float(math.sqrt(sum(float(v) ** 2 for v in code))),
        model.config.latent_dim - min(shown, model.config.latent_dim),
        every_class,
        nearest,
    )


def frozen(array: np.ndarray) -> np.ndarray:
    """An array that sessions share: writing to it raises instead of changing it for everyone."""
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Neighbours:
    """The real test images whose codes lie nearest to a position (shared: read-only)."""

    mosaic: np.ndarray  # uint8, two rows of images, enlarged
    png: bytes  # the mosaic as PNG
    captions: tuple[str, ...]  # "class (distance)" per image, nearest first


def neighbours(name: str, point, rows: int = 2, columns: int = 4) -> Neighbours:
    """The rows x columns test images whose codes lie nearest to ``point``, in every coordinate
    the point sets (all of a wider model's, for a point pinned on a plane); kept for every
    session, like :func:`decode_point`."""
    return _neighbours(name, position(point), rows, columns)


@functools.lru_cache(maxsize=128)
def _neighbours(name: str, point: tuple[float, ...], rows: int, columns: int) -> Neighbours:
    codes = caches.encoded(name)
    point = np.asarray(point, np.float32).ravel()  # all of a code's coordinates, or a 2-D map's two
    index, distances = nearest_codes(codes.mu[:, : len(point)], point, k=rows * columns)
    images = caches.test_images(codes.dataset)[index]
    names = caches.class_names(codes.dataset)
    mosaic = tile(images, rows, columns, pad=2)
    mosaic = frozen(upscale(mosaic, 3 * mosaic.shape[1]))
    captions = tuple(f"{names[codes.labels[i]]} ({d:.2f})" for i, d in zip(index, distances))
    return Neighbours(mosaic, png_bytes(mosaic), captions)


def prior_point(seed: int | None = None, latent_dim: int = 2) -> list[float]:
    """A code drawn from the prior N(0, I): its first two coordinates (the map's), or all
    ``latent_dim`` of them (a plane through a wider space shows its projection)."""
    return np.random.default_rng(seed).standard_normal(latent_dim).astype(float).tolist()


def test_ellipses(name: str, count: int) -> list[tuple[float, float, float, float]]:
    """Posterior ellipses of the first ``count`` test images ([] for point encoders)."""
    return caches.encoded(name).ellipses(count)


def test_image(dataset: str, index: int, size: int = 84) -> np.ndarray:
    return upscale(caches.test_images(dataset)[index], size)


def test_count(dataset: str) -> int:
    """How many test images a dataset has."""
    return len(load_arrays(dataset, "test")[1])


def class_members(dataset: str, label: int) -> list[int]:
    """Test-set indices of one class, in order."""
    return np.flatnonzero(load_arrays(dataset, "test")[1] == label).tolist()


def test_codes(name: str, indices: list[int]) -> list[np.ndarray]:
    """Posterior means of some test images (the codes a walk between them starts from)."""
    return list(caches.encoded(name).mu[indices])


def class_codes(name: str, label: int) -> np.ndarray:
    """The map codes [M, 2] of one class's test images."""
    codes = caches.encoded(name)
    return codes.mu[codes.labels == label, :2]


def decoded_grid(name: str, extent: Extent, n: int = 12, size: int = 336) -> np.ndarray:
    """An n x n grid of decodings over ``extent``, enlarged."""
    from vae_core.analysis.latent import decode_grid

    return upscale(decode_grid(caches.get_model(name), extent, n).mosaic, size)


def server_image(name: str, point, label: int | None = None) -> str:
    """A map position decoded on the server, as a PNG data URI (for models the browser does not
    run)."""
    from vae_core.analysis.latent import decode

    return png_data_uri(
        decode(
            caches.get_model(name), pad_code(point, caches.get_model(name).config.latent_dim), label
        )
    )


def replay(name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The stored per-epoch codes of a checkpoint and their labels, when it has a 2-D replay."""
    codes = caches.replay_codes(name)
    if codes is None or len(codes) < 2 or codes.shape[2] < 2:
        return None
    return codes, caches.encoded(name).labels[: codes.shape[1]]
