"""Images for display: uint8 conversion, tiling, crisp enlargement, PNG/GIF bytes, data URIs.

Inputs are numpy arrays, greyscale [H, W] in [0, 1] (float) or uint8; nothing here needs torch.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

_SHADES = np.array(list(" ░▒▓█"))


def to_uint8(image) -> np.ndarray:
    """[..., H, W] in [0, 1] (or already uint8) -> uint8 with rounding."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array
    return np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)


def tile(images: np.ndarray, rows: int, cols: int, pad: int = 0) -> np.ndarray:
    """Arrange images [rows*cols, H, W] (row-major) into one uint8 mosaic [rows*(H+pad)-pad,
    cols*(W+pad)-pad]
    on a white background."""
    images = np.asarray(images)
    count, height, width = images.shape
    if count != rows * cols:
        raise ValueError(f"{count} images do not fill a {rows}x{cols} grid")
    mosaic = np.full((rows * (height + pad) - pad, cols * (width + pad) - pad), 255, dtype=np.uint8)
    pixels = to_uint8(images)
    for index in range(count):
        r, c = divmod(index, cols)
        top, left = r * (height + pad), c * (width + pad)
        mosaic[top : top + height, left : left + width] = pixels[index]
    return mosaic


def upscale(image: np.ndarray, size: int = 224) -> np.ndarray:
    """An image in [0, 1] ([H, W]) or uint8 as a uint8 array enlarged with nearest
    neighbours (its longer side near ``size``), so pixels stay crisp on a projector."""
    array = to_uint8(image)
    height, width = array.shape[:2]
    scale = max(1, round(size / max(height, width)))
    return np.kron(array, np.ones((scale, scale), np.uint8)) if array.ndim == 2 else array


def png_bytes(image: np.ndarray) -> bytes:
    """PNG encoding of a greyscale image ([H, W] float in [0, 1] or uint8)."""
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(image), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def gif_bytes(frames: np.ndarray, size: int = 112, frame_ms: int = 120) -> bytes:
    """Animated GIF of frames [T, H, W] in [0, 1], played forwards then backwards."""
    images = [Image.fromarray(upscale(frame, size), mode="L") for frame in frames]
    sequence = images + images[-2:0:-1]
    buffer = io.BytesIO()
    sequence[0].save(
        buffer, format="GIF", save_all=True, append_images=sequence[1:], duration=frame_ms, loop=0
    )
    return buffer.getvalue()


def png_data_uri(image: np.ndarray) -> str:
    """A greyscale image as a ``data:image/png;base64,...`` URI (for figures and web pages)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def text_thumbnail(image: np.ndarray) -> str:
    """A 28x28 image as 14 lines of 14 shade characters (for hover labels, which
    cannot show pictures): each character is the mean of a 2x2 block."""
    blocks = np.asarray(image, np.float32).reshape(14, 2, 14, 2).mean(axis=(1, 3))
    levels = np.clip((blocks * len(_SHADES)).astype(int), 0, len(_SHADES) - 1)
    return "<br>".join("".join(row) for row in _SHADES[levels])
