"""Plain results for the pages: decoded points, neighbours, uploads, walks, grids, codes.

Each function takes what widgets give (checkpoint names, coordinates, indices), does the
model work through :mod:`vae_core`, and hands back uint8 images ready to show (enlarged
with crisp pixels), bytes to download, or small dataclasses of numbers, so that pages
never hold a torch object or do array maths. Functions that run a network import
:mod:`vae_core.analysis.latent` (and so torch) when first called: a map's first view needs none.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer import cache
from explorer.canvas import MapView
from vae_core.analysis.geometry import Extent, interpolate, nearest_codes, pad_code, posterior_ellipse
from vae_core.data.datasets import load_arrays
from vae_core.data.images import gif_bytes, png_bytes, png_data_uri, tile, upscale
from vae_core.data.uploads import UploadError, prepare_image
from vae_core.store.checkpoints import resolve_checkpoint, zip_checkpoint

__all__ = ["UploadError"]  # plus the functions and results below
FAR_FROM_DATA = 1.0  # a point farther than this from every test code lies outside what the model learned


def map_view(name: str, label: str, n_points: int = 3000, *, extent: Extent | None = None, mosaic_n: int = 0,
             class_label: int | None = None, **figure_options) -> MapView:  # fmt: skip
    """A map for the canvas: the model's test codes with ``figure_options`` (see
    cache.map_figure) and, under them, an n x n decoded grid, decoded in the browser when
    it runs the model and on the server otherwise."""
    model = cache.browser_model(name)
    extent = extent or cache.map_extent(name)
    server_mosaic = mosaic_n if model.url is None else 0
    url = cache.map_figure_url(name, n_points, extent=extent, mosaic_n=server_mosaic, label=class_label, **figure_options)
    return MapView(url, extent, model.url, model.encoder_url, label, model.reason, mosaic_n if model.url else 0)


@dataclass(frozen=True)
class DecodedPoint:
    """A map position decoded by one model (shared by every session that shows it: read-only)."""

    point: tuple[float, float]  # the position on the map (the first two latent coordinates)
    image: np.ndarray  # uint8 [size, size]
    png: bytes  # the same image as PNG, ready to show or download
    radius: float  # distance from the origin, in prior standard deviations
    held_at_zero: int  # latent coordinates beyond the map's two, held at 0
    every_class: list[np.ndarray] | None  # conditional VAE: the same code drawn as each class (uint8 images)
    nearest: float  # distance to the nearest test image's code (in the map's two dimensions)

    @property
    def far_from_data(self) -> bool:
        """No test image is encoded within one prior standard deviation: the decoder was never
        trained near here, so the image means little."""
        return self.nearest > FAR_FROM_DATA


def _position(point) -> tuple[float, ...]:
    """A point as a hashable key; ValueError for what cannot be coordinates."""
    try:
        return tuple(float(v) for v in np.asarray(point, np.float32).ravel())
    except TypeError as error:
        raise ValueError(f"a point must be numbers ({error})") from None


def decode_point(name: str, point, label: int | None = None, size: int = 280) -> DecodedPoint:
    """Decode a map position. ValueError for coordinates that are not finite numbers.

    The last 128 results are kept for every session: a room of students following
    the teacher's pinned point has it decoded once, not once per student."""
    return _decode_point(name, _position(point), label, size)


@functools.lru_cache(maxsize=128)
def _decode_point(name: str, point: tuple[float, ...], label: int | None, size: int) -> DecodedPoint:
    from vae_core.analysis.latent import decode, decode_all_classes

    model = cache.get_model(name)
    code = pad_code(point, model.config.latent_dim)
    image = decode(model, code, label)
    every_class = None
    if model.config.is_conditional:
        every_class = [_frozen(upscale(image, 84)) for image in decode_all_classes(model, code)]
    x, y = (float(v) for v in code[:2])
    shown = len(point)  # a plane's point carries every coordinate; a 2-D map's, the first two
    nearest = float(nearest_codes(cache.encoded(name).mu[:, :shown], code[:shown], k=1)[1][0])
    enlarged = _frozen(upscale(image, size))
    return DecodedPoint((x, y), enlarged, png_bytes(enlarged), math.hypot(x, y), model.config.latent_dim - 2, every_class,
                        nearest)  # fmt: skip


def _frozen(array: np.ndarray) -> np.ndarray:
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
    """The rows x columns test images nearest to ``point`` in the map's two dimensions
    (kept for every session, like :func:`decode_point`)."""
    return _neighbours(name, _position(point)[:2], rows, columns)


@functools.lru_cache(maxsize=128)
def _neighbours(name: str, point: tuple[float, ...], rows: int, columns: int) -> Neighbours:
    codes = cache.encoded(name)
    point = np.asarray(point, np.float32).ravel()  # all of a code's coordinates, or a 2-D map's two
    index, distances = nearest_codes(codes.mu[:, : len(point)], point, k=rows * columns)
    images = cache.test_images(codes.dataset)[index]
    names = cache.class_names(codes.dataset)
    mosaic = tile(images, rows, columns, pad=2)
    mosaic = _frozen(upscale(mosaic, 3 * mosaic.shape[1]))
    captions = tuple(f"{names[codes.labels[i]]} ({d:.2f})" for i, d in zip(index, distances))
    return Neighbours(mosaic, png_bytes(mosaic), captions)


@dataclass(frozen=True)
class PlacedUpload:
    """A user's image prepared like the data and placed in a model's latent space."""

    prepared: np.ndarray  # uint8, the 28x28 image the encoder saw, enlarged
    reconstruction: np.ndarray  # uint8, decoded from its posterior mean, enlarged
    mean: tuple[float, float]  # posterior mean in the map's two dimensions
    ellipse: tuple[float, float, float, float] | None  # (mu_x, mu_y, sigma_x, sigma_y); None for point encoders


def place_upload(name: str, data: bytes, label: int | None = None, size: int = 112) -> PlacedUpload:
    """Prepare, encode and reconstruct an uploaded picture; UploadError says why one is refused
    (over the server's upload limit, ``server.maxUploadSize`` in MB, among other reasons)."""
    limit = int(st.get_option("server.maxUploadSize")) * 1024 * 1024
    return place_image(name, prepare_image(data, max_bytes=limit), label, size)


def place_drawing(name: str, pixels: bytes, label: int | None = None, size: int = 112) -> PlacedUpload:
    """A drawing from the canvas (784 uint8, already prepared like the data) placed in latent space."""
    return place_image(name, np.frombuffer(pixels, np.uint8).reshape(28, 28) / 255.0, label, size)


def place_image(name: str, prepared: np.ndarray, label: int | None = None, size: int = 112) -> PlacedUpload:
    """An image [28, 28] in [0, 1], white ink on black: its posterior and reconstruction."""
    from vae_core.analysis.latent import decode
    from vae_core.store.encoding import encode_images

    model = cache.get_model(name)
    prepared = np.asarray(prepared, np.float32)
    mu, logvar = encode_images(model, prepared[None, None], None if label is None else [label])
    reconstruction = decode(model, mu[0], label)
    ellipse = None if logvar is None else posterior_ellipse(mu[0], np.exp(0.5 * logvar[0]))
    return PlacedUpload(upscale(prepared, size), upscale(reconstruction, size), (float(mu[0, 0]), float(mu[0, 1])), ellipse)


def prior_point(seed: int | None = None, latent_dim: int = 2) -> list[float]:
    """A code drawn from the prior N(0, I): its first two coordinates (the map's), or all
    ``latent_dim`` of them (a plane through a wider space shows its projection)."""
    return np.random.default_rng(seed).standard_normal(latent_dim).astype(float).tolist()


def test_ellipses(name: str, count: int) -> list[tuple[float, float, float, float]]:
    """Posterior ellipses of the first ``count`` test images ([] for point encoders)."""
    return cache.encoded(name).ellipses(count)


def test_image(dataset: str, index: int, size: int = 84) -> np.ndarray:
    return upscale(cache.test_images(dataset)[index], size)


def class_members(dataset: str, label: int) -> list[int]:
    """Test-set indices of one class, in order."""
    return np.flatnonzero(load_arrays(dataset, "test")[1] == label).tolist()


def test_codes(name: str, indices: list[int]) -> list[np.ndarray]:
    """Posterior means of some test images (the codes a walk between them starts from)."""
    return list(cache.encoded(name).mu[indices])


@dataclass(frozen=True)
class Walk:
    """A path through latent space and its decoded frames."""

    path: np.ndarray  # float32 [steps, d]
    frames: np.ndarray  # float32 [steps, 28, 28] in [0, 1]

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
    codes = cache.encoded(name).mu
    far = []
    for tag, end in zip("AB", ends):
        code = pad_code(_position(end), codes.shape[1])
        distance = float(nearest_codes(codes, code, k=1)[1][0])
        if distance > FAR_FROM_DATA:
            far.append((tag, distance))
    return far


def walk(name: str, start, end, steps: int, method: str = "linear", label: int | None = None) -> Walk:
    """Interpolate (linear or slerp) between two codes or map positions and decode the frames.

    The last 64 walks are kept for every session (read-only): a room following the
    teacher's interpolation has it decoded once, not once per student."""
    return _walk(name, _position(start), _position(end), int(steps), method, label)


@functools.lru_cache(maxsize=64)
def _walk(name: str, start: tuple[float, ...], end: tuple[float, ...], steps: int, method: str, label: int | None) -> Walk:
    from vae_core.analysis.latent import decode_path

    dim = cache.get_model(name).config.latent_dim
    path = interpolate(pad_code(start, dim), pad_code(end, dim), steps, method)
    result = decode_path(cache.get_model(name), path, label)
    return Walk(_frozen(result.path), _frozen(result.frames))


@dataclass(frozen=True)
class Judged:
    """A code, its decoded image and what the shipped classifier thinks it shows."""

    point: tuple[float, ...]  # the full code
    image: np.ndarray  # uint8, enlarged
    verdict: str | None  # "looks like an 8 (93 %)"; None without a classifier
    judged_class: int | None

    @property
    def map_point(self) -> tuple[float, float]:
        return self.point[0], self.point[1]


def judge_codes(name: str, codes: list, size: int = 112) -> list[Judged]:
    """Decode codes [N, d] and say which class each decoded image looks like."""
    from vae_core.analysis.latent import decode

    model = cache.get_model(name)
    codes = np.stack([pad_code(code, model.config.latent_dim) for code in codes])
    images = decode(model, codes)  # [N, 28, 28]
    judge, _ = cache.classifier(model.train_config.dataset)
    names = cache.class_names(model.train_config.dataset)
    judged = []
    for code, image, probabilities in zip(codes, images, judge.probabilities(images) if judge else [None] * len(codes)):
        label = None if probabilities is None else int(probabilities.argmax())
        verdict = None if label is None else f"looks like {names[label]} ({100 * probabilities[label]:.0f} %)"
        judged.append(Judged(tuple(float(v) for v in code), upscale(image, size), verdict, label))
    return judged


@dataclass(frozen=True)
class Arithmetic:
    """An arithmetic step on the map: its arrows and the judged codes along it."""

    arrows: list[tuple[float, float, float, float, str]]
    judged: list[Judged]  # start and answer (attribute), or a, b, c and answer (analogy)
    vector: tuple[float, ...]


def attribute_shift(name: str, start, source: int, target: int, strength: float) -> Arithmetic:
    """start + strength * (mean of target - mean of source), with the class means' arrow for reference."""
    from vae_core.analysis.arithmetic import attribute_vector, shift

    means = cache.class_means(name)
    names = cache.class_names(cache.get_model(name).train_config.dataset)
    vector = attribute_vector(means, source, target)
    begin = pad_code(start, means.shape[1])
    end = shift(begin, vector, strength)
    arrows = [(*means[source][:2], *means[target][:2], f"mean {names[source]} → mean {names[target]}"),
              (*begin[:2], *end[:2], f"{strength:g} × that arrow")]  # fmt: skip
    return Arithmetic(arrows, judge_codes(name, [begin, end]), tuple(float(v) for v in vector))


def analogy(name: str, a_index: int, b_index: int, c_index: int) -> Arithmetic:
    """a : b :: c : ? with test images a, b, c: the answer c + (b - a), arrows a→b and c→answer."""
    from vae_core.analysis.arithmetic import analogy as complete

    a, b, c = cache.encoded(name).mu[[a_index, b_index, c_index]]
    answer = complete(a, b, c)
    arrows = [(*a[:2], *b[:2], "b − a"), (*c[:2], *answer[:2], "the same arrow from c")]
    return Arithmetic(arrows, judge_codes(name, [a, b, c, answer]), tuple(float(v) for v in b - a))


def analogy_target(dataset: str, a_index: int, b_index: int, c_index: int) -> int | None:
    """The class an analogy's answer should have: b's, when a and c share a class (None otherwise)."""
    labels = load_arrays(dataset, "test")[1]
    return int(labels[b_index]) if labels[a_index] == labels[c_index] else None


def class_codes(name: str, label: int) -> np.ndarray:
    """The map codes [M, 2] of one class's test images."""
    codes = cache.encoded(name)
    return codes.mu[codes.labels == label, :2]


def class_mean_ends(name: str, first: int, second: int) -> list[np.ndarray]:
    """The mean codes of two classes: the ends of a class-mean walk."""
    means = cache.class_means(name)
    return [means[first], means[second]]


def decoded_grid(name: str, extent: Extent, n: int = 12, size: int = 336) -> np.ndarray:
    """An n x n grid of decodings over ``extent``, enlarged."""
    from vae_core.analysis.latent import decode_grid

    return upscale(decode_grid(cache.get_model(name), extent, n).mosaic, size)


def replay(name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The stored per-epoch codes of a checkpoint and their labels, when it has a 2-D replay."""
    codes = cache.replay_codes(name)
    if codes is None or len(codes) < 2 or codes.shape[2] < 2:
        return None
    return codes, cache.encoded(name).labels[: codes.shape[1]]


def paired_codes(first: str, second: str, rows=None, count: int = 300, limit: int = 600):
    """The same test images under two models: (codes_a [n, 2], codes_b [n, 2], labels [n]) for
    ``rows`` (a selection; at most ``limit``) or ``count`` random ones."""
    a, b = cache.encoded(first), cache.encoded(second)
    if rows is None:
        rows = np.random.default_rng(0).choice(len(a), count, replace=False)
    rows = np.asarray(rows, np.int64)[:limit]
    return a.mu[rows, :2], b.mu[rows, :2], a.labels[rows]


def projection_inputs(dataset: str, name: str | None, count: int) -> tuple[np.ndarray, np.ndarray]:
    """What the Projections page projects: the first ``count`` test images' pixels
    (``name`` None) or their codes under a model, with their labels."""
    images, labels = load_arrays(dataset, "test")
    if name is None:
        return images[:count].reshape(count, -1).astype(np.float32) / 255.0, labels[:count]
    return cache.encoded(name).mu[:count], labels[:count]


SAMPLERS = {"prior": "the prior N(0, I)", "gmm": "a Gaussian mixture fitted to the codes", "kde": "a kernel density of the codes"}


def sample_points(name: str, sampler: str, count: int = 64, seed: int = 0) -> list[tuple[float, float]]:
    """``count`` positions on the map drawn from the prior or from a density fitted to the
    test codes (the aggregate posterior), in the map's two dimensions."""
    if sampler == "prior":
        points = np.random.default_rng(seed).standard_normal((count, 2))
    else:
        points = _density(name, sampler).sample(count, seed=seed)
    return [(float(x), float(y)) for x, y in points[:, :2]]


@functools.lru_cache(maxsize=16)
def _density(name: str, method: str):
    from vae_core.analysis.latent import LatentDensity

    return LatentDensity(method=method, n_components=10).fit(cache.encoded(name).mu[:, :2])


def server_image(name: str, point, label: int | None = None) -> str:
    """A map position decoded on the server, as a PNG data URI (for models the browser does not run)."""
    from vae_core.analysis.latent import decode

    return png_data_uri(decode(cache.get_model(name), pad_code(point, cache.get_model(name).config.latent_dim), label))


@dataclass(frozen=True)
class SeedSpread:
    table: dict[str, dict[str, str]]  # column -> metric -> text: st.table shows a row per metric
    seeds: tuple[int, ...]
    clear: tuple[str, ...]  # the metrics whose interval excludes zero
    comparisons: int  # how many paired comparisons the whole study makes (none corrected for the others)


def seed_spread(dataset: str) -> SeedSpread | None:
    """The shipped MMD-VAE and ELBO VAE over the study's seeds, or None where the study has no runs of them."""
    from vae_core.experiments.study_report import comparison_count, comparison_rows

    results = cache.study_results()
    if results is None:
        return None
    try:
        rows = comparison_rows(results, dataset)
        comparisons = comparison_count(results)
    except (KeyError, TypeError, ValueError):  # a hand-edited file: say nothing rather than something wrong
        return None
    if not rows:
        return None
    clear = tuple(metric for metric, row in rows.items() if not row["verdict"].startswith("no clear difference"))
    table = {column: {metric: row[column] for metric, row in rows.items()} for column in next(iter(rows.values()))}
    return SeedSpread(table, tuple(int(s) for s in results.get("seeds", [])), clear, comparisons)


def checkpoint_zip(name: str) -> bytes:
    """A checkpoint folder as a zip for download."""
    return zip_checkpoint(resolve_checkpoint(name))


LENS_GRID = 32  # cells per side of the classifier lens


def lens(dataset: str, names) -> tuple[dict | None, str | None]:
    """(the classifier lens for the canvas, None), or (None, why there is none)."""
    from vae_core.viz.latent_map import class_colour

    url, problem = cache.classifier_url(dataset)
    if url is None:
        return None, f"No classifier lens: {problem}"
    return {"classifier": url, "colours": [class_colour(i) for i in range(10)], "names": [str(n) for n in names],
            "n": LENS_GRID}, None  # fmt: skip
