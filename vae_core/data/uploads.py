"""Turn an uploaded picture into an image prepared like a dataset's.

MNIST digits are white ink on black, their ink fitted into a 20x20 box and
centred by its centre of mass in a 28x28 frame (LeCun et al.'s preprocessing);
an upload for a set of ink pictures (``Dataset.ink``) goes through the same steps, in a
frame of the dataset's side. For any other set it is centre-cropped and resized to the
dataset's side, in grey or in colour, as imported pictures are. Anything that is not a
usable image is refused with :class:`UploadError` and a sentence saying why.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from vae_core.data.catalog import DEFAULT_DATASET, Dataset, get
from vae_core.data.images import square_picture

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # the largest file prepare_image reads unless told otherwise
MAX_PIXELS = 25_000_000  # width x height beyond which an image is refused (decompression bombs)
INK_THRESHOLD = 0.15  # pixels above this (after inversion) count as ink


class UploadError(ValueError):
    """An upload that cannot be used; the message is meant for the user."""


def _to_grey(image: Image.Image) -> np.ndarray:
    """Any PIL mode -> float32 [H, W] in [0, 1]; transparency is composited on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        low, high = float(array.min()), float(array.max())
        return ((array - low) / (high - low) if high > low else np.zeros_like(array)).astype(
            np.float32
        )
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def prepare_image(
    data: bytes,
    invert: bool | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    dataset: Dataset | None = None,
) -> np.ndarray:
    """Decode and normalise an upload for ``dataset`` (MNIST by default): bytes -> float32 in
    [0, 1], [side, side] in grey or [side, side, 3] in colour.

    For a set of ink pictures, ``invert=None`` decides from the border: a light border means
    dark ink on light paper, which is inverted to match the data. Files over ``max_bytes`` are
    refused (an app passes the limit its server enforces).
    """
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > max_bytes:
        raise UploadError(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB."
        )
    dataset = dataset or get(DEFAULT_DATASET)
    image = _open(data)
    image = ImageOps.exif_transpose(image) or image
    if not dataset.ink:
        return _fitted(image, dataset)
    grey = _to_grey(image)
    if grey.size == 0:
        raise UploadError("The image has no pixels.")
    if invert is None:
        border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
        invert = float(border.mean()) > 0.5
    if invert:
        grey = 1.0 - grey
    ink = grey > INK_THRESHOLD
    if not ink.any():
        raise UploadError("The image looks blank: no strokes stand out from the background.")
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return _centred(grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], dataset.side)


def _fitted(image: Image.Image, dataset: Dataset) -> np.ndarray:
    """The picture centre-cropped and resized to the dataset's side, grey or colour."""
    return square_picture(image, dataset.side, dataset.colour).astype(np.float32) / 255.0


def _open(data: bytes) -> Image.Image:
    """The decoded image; UploadError for too many pixels or bytes that are not an image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise UploadError(
                    f"The image is {image.width}x{image.height} pixels; the limit is "
                    f"{MAX_PIXELS:,} pixels."
                )
            image.load()
            return image
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadError("The image has too many pixels to open safely.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise UploadError(
            "This file is not an image this app can read (PNG, JPEG, GIF, BMP or WebP)."
        ) from None


def _centred(crop: np.ndarray, side: int) -> np.ndarray:
    """The ink [h, w] fitted into a box of 20/28 of the side (aspect kept) and centred by its
    centre of mass in a side x side frame, as MNIST's digits were in 28 x 28."""
    height, width = crop.shape
    scale = round(side * 20 / 28) / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = (
        np.asarray(
            Image.fromarray((crop * 255).astype(np.uint8)).resize(new_size, Image.LANCZOS),
            dtype=np.float32,
        )
        / 255.0
    )
    # Centre by the centre of mass in the frame.
    frame = np.zeros((side, side), np.float32)
    mass = small.sum()
    cy, cx = (
        ((np.indices(small.shape) * small).sum(axis=(1, 2)) / mass)
        if mass > 0
        else (small.shape[0] / 2, small.shape[1] / 2)
    )
    top = int(np.clip(round(side / 2 - cy), 0, side - small.shape[0]))
    left = int(np.clip(round(side / 2 - cx), 0, side - small.shape[1]))
    frame[top : top + small.shape[0], left : left + small.shape[1]] = small
    return np.clip(frame, 0.0, 1.0)
