"""``shapes`` and ``shapes-colour``: sprites with known factors, rendered by this package.

The factor grid is dSprites' (Matthey et al. 2017): three shapes (square, ellipse, heart),
six scales in [0.5, 1], forty orientations in [0, 2π) and 32 x 32 positions, 737,280
combinations of 64 x 64 binary images; ``shapes-colour`` adds a sixth factor, the hue (eight
values), and paints the sprite in it. The pixels are drawn here, not read from DeepMind's
file: the shapes' outlines and margins differ, so numbers measured on them compare with
published dSprites figures only roughly.

Nothing is stored. The 720 sprites (shape x scale x orientation) are rasterised once per
process in 32 x 32 boxes with ordinary float arithmetic on exactly rounded values (so every
machine draws the same pixels, checked by a checksum test), and an image is its sprite's box
placed at a whole-pixel position: any combination renders on demand, and a split of 70,000
images renders in about a second. The splits are fixed samples of the grid (a stride
permutation, no random generator): 60,000 training and 10,000 test images (30,000 and
10,000 in colour).
"""

from __future__ import annotations

import colorsys
import functools
import math

import numpy as np

from vae_core.data.dataset import Dataset, Factor, Split

SIDE = 64  # image height and width
BOX = 32  # the box a sprite is drawn in; its centre moves over 32 whole-pixel positions
POSITIONS = 32
SCALES = tuple(round(0.5 + 0.1 * i, 10) for i in range(6))
ORIENTATIONS = tuple(round(2 * math.pi * i / 40, 12) for i in range(40))
SHAPES = ("square", "ellipse", "heart")
HUES = tuple(i / 8 for i in range(8))  # fractions of the colour wheel
RADIUS = 11.0  # pixels from the centre to the outline of a scale-1 sprite
SIZES = {"train": 60_000, "test": 10_000}
# Three times the bytes per image: the colour set trains on half as many (368 MB in memory).
COLOUR_SIZES = {"train": 30_000, "test": 10_000}
STRIDE = 104_729  # a prime: k -> k * STRIDE mod N visits every combination once


def _factors(colour: bool) -> tuple[Factor, ...]:
    positions = tuple(round(i / (POSITIONS - 1), 10) for i in range(POSITIONS))
    found = (
        Factor("shape", (0.0, 1.0, 2.0), categorical=True, labels=SHAPES),
        Factor("scale", SCALES),
        Factor("orientation", ORIENTATIONS, unit="rad", cyclic=True),
        Factor("position x", positions),
        Factor("position y", positions),
    )
    return (*found, Factor("hue", HUES, cyclic=True)) if colour else found


def _inside(shape: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether points (in units of the sprite's radius, y upwards) lie inside ``shape``."""
    if shape == "square":
        return np.maximum(np.abs(x), np.abs(y)) <= 0.75
    if shape == "ellipse":
        return x * x + 4.0 * y * y <= 1.0
    # The heart curve (x^2 + y^2 - 1)^3 = x^2 y^3, shrunk to the radius and lowered to centre it.
    hx, hy = x * 1.15, y * 1.15 - 0.1
    t = hx * hx + hy * hy - 1.0
    return t * t * t - hx * hx * hy * hy * hy <= 0.0


@functools.cache
def sprites() -> np.ndarray:
    """bool [3, 6, 40, BOX, BOX]: every shape at every scale and orientation, centred."""
    offsets = np.arange(BOX, dtype=np.float64) + 0.5 - BOX / 2  # pixel centres from the middle
    u, v = np.meshgrid(offsets, offsets)  # u rightwards, v downwards
    out = np.zeros((len(SHAPES), len(SCALES), len(ORIENTATIONS), BOX, BOX), bool)
    for k, angle in enumerate(ORIENTATIONS):
        c, s = round(math.cos(angle), 12), round(math.sin(angle), 12)
        # Rotate the pixel back by the sprite's angle (y upwards, anticlockwise).
        x, y = c * u - s * v, -(s * u + c * v)
        for j, scale in enumerate(SCALES):
            r = RADIUS * scale
            for i, shape in enumerate(SHAPES):
                out[i, j, k] = _inside(shape, x / r, y / r)
    return out


def grid_shape(colour: bool) -> tuple[int, ...]:
    """How many values each factor takes."""
    return tuple(len(f.values) for f in _factors(colour))


def combinations(colour: bool) -> int:
    return math.prod(grid_shape(colour))


def split_indices(colour: bool, split: str) -> np.ndarray:
    """The flat grid indices of a split: consecutive runs of the stride permutation (train
    first, then test), so the splits never share an image."""
    sizes = COLOUR_SIZES if colour else SIZES
    start = 0 if split == "train" else sizes["train"]
    k = np.arange(start, start + sizes[split], dtype=np.int64)
    return (k * STRIDE) % combinations(colour)


def render(factors: np.ndarray, colour: bool) -> np.ndarray:
    """Images of factor-index rows [N, 5] (or [N, 6] with the hue): uint8 [N, 64, 64] (grey)
    or [N, 64, 64, 3] (colour), ink 255 on 0."""
    factors = np.asarray(factors, np.int64)
    boxes = sprites()[factors[:, 0], factors[:, 1], factors[:, 2]]  # [N, BOX, BOX]
    images = np.zeros((len(factors), SIDE, SIDE), np.uint8)
    for n, (left, top) in enumerate(factors[:, 3:5]):
        # position y runs upwards, as in dSprites' plots: index 0 is the bottom row
        row = (POSITIONS - 1 - top) + (SIDE - BOX - (POSITIONS - 1)) // 2
        col = left + (SIDE - BOX - (POSITIONS - 1)) // 2
        images[n, row : row + BOX, col : col + BOX] = boxes[n] * np.uint8(255)
    if not colour:
        return images
    paint = np.array([_rgb(hue) for hue in HUES], np.uint8)[factors[:, 5]]  # [N, 3]
    return (images[..., None] // np.uint8(255)) * paint[:, None, None, :]


def _rgb(hue: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue, 1.0, 1.0)
    return round(r * 255), round(g * 255), round(b * 255)


def _reader(colour: bool):
    def read(split: str) -> Split:
        flat = split_indices(colour, split)
        factors = np.stack(np.unravel_index(flat, grid_shape(colour)), axis=1).astype(np.int16)
        return Split(render(factors, colour), factors[:, 0].astype(np.int64), factors)

    return read


def _dataset(colour: bool) -> Dataset:
    return Dataset(
        name="shapes-colour" if colour else "shapes",
        label="Shapes in colour (known factors)" if colour else "Shapes (known factors)",
        shape=(3 if colour else 1, SIDE, SIDE),
        reader=_reader(colour),
        sizes=dict(COLOUR_SIZES if colour else SIZES),
        class_names=SHAPES,
        factors=_factors(colour),
        source="rendered by vae_core.data.shapes on dSprites' factor grid"
        + (" with eight hues" if colour else "")
        + " (our pixels, not DeepMind's file)",
        checksum=CHECKSUMS[colour],
        order=3 if colour else 2,
    )


# sha256 of the splits (vae_core.data.dataset.data_checksum): what every machine draws
CHECKSUMS = {
    False: "8d9190662b298fa5765e2521cc6791d587cc41013527ad43f91fd5ce35dc2b86",
    True: "31fb78f2f7008e38974306f7f47a267a08104cabc42337e0898490615de652f7",
}
DATASETS = (_dataset(False), _dataset(True))
