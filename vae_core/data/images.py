"""Images for display: uint8 conversion, tiling, crisp enlargement, PNG/GIF bytes, data URIs.

Inputs are numpy arrays in the display layout: grey [H, W] or colour [H, W, 3], floats in
[0, 1] or uint8 (a model's [C, H, W] becomes that layout through :func:`display_layout`);
nothing here needs torch.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image, ImageOps

_SHADES = np.array(list(" ░▒▓█"))


def to_uint8(image) -> np.ndarray:
    """[..., H, W] in [0, 1] (or already uint8) -> uint8 with rounding."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array
    return np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)


def square_picture(image: Image.Image, side: int, colour: bool) -> np.ndarray:
    """A picture centre-cropped to a square and resized to side x side: uint8 [side, side, 3]
    (RGB) or [side, side] (grey). Transparency lies on white; 16-bit and float pictures are
    stretched to their own range."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        array = np.asarray(image, np.float64)
        low, high = float(array.min()), float(array.max())
        scaled = (array - low) / (high - low) if high > low else np.zeros_like(array)
        image = Image.fromarray(np.rint(scaled * 255).astype(np.uint8))
    mode = "RGB" if colour else "L"
    return np.asarray(ImageOps.fit(image.convert(mode), (side, side), Image.LANCZOS), np.uint8)


def display_layout(images: np.ndarray) -> np.ndarray:
    """Model layout [..., C, H, W] -> display layout: [..., H, W] for one channel, [..., H, W, C]
    otherwise."""
    images = np.asarray(images)
    if images.shape[-3] == 1:
        return images[..., 0, :, :]
    return np.moveaxis(images, -3, -1)


def model_layout(images: np.ndarray, channels: int) -> np.ndarray:
    """Display layout ([N, H, W] or [N, H, W, C]) -> model layout [N, C, H, W]."""
    images = np.asarray(images)
    if channels == 1:
        return images[:, None] if images.ndim == 3 else images[:, None, :, :, 0]
    if images.ndim != 4:
        raise ValueError(f"colour images need [N, H, W, {channels}]; got {list(images.shape)}")
    return np.moveaxis(images, -1, 1)


def tile(images: np.ndarray, rows: int, cols: int, pad: int = 0) -> np.ndarray:
    """Arrange images [rows*cols, H, W(, 3)] (row-major) into one uint8 mosaic
    [rows*(H+pad)-pad, cols*(W+pad)-pad(, 3)] on a white background."""
    images = np.asarray(images)
    count, height, width = images.shape[:3]
    if count != rows * cols:
        raise ValueError(f"{count} images do not fill a {rows}x{cols} grid")
    mosaic = np.full(
        (rows * (height + pad) - pad, cols * (width + pad) - pad, *images.shape[3:]),
        255,
        dtype=np.uint8,
    )
    pixels = to_uint8(images)
    for index in range(count):
        r, c = divmod(index, cols)
        top, left = r * (height + pad), c * (width + pad)
        mosaic[top : top + height, left : left + width] = pixels[index]
    return mosaic


def upscale(image: np.ndarray, size: int = 224) -> np.ndarray:
    """An image in [0, 1] ([H, W] or [H, W, 3]) or uint8 as a uint8 array enlarged with
    nearest neighbours (its longer side near ``size``), so pixels stay crisp on a projector."""
    array = to_uint8(image)
    height, width = array.shape[:2]
    scale = max(1, round(size / max(height, width)))
    return array.repeat(scale, axis=0).repeat(scale, axis=1)


def _pil(image: np.ndarray) -> Image.Image:
    array = to_uint8(image)
    return Image.fromarray(array, mode="RGB" if array.ndim == 3 else "L")


def png_bytes(image: np.ndarray) -> bytes:
    """PNG encoding of an image ([H, W] or [H, W, 3], floats in [0, 1] or uint8)."""
    buffer = io.BytesIO()
    _pil(image).save(buffer, format="PNG")
    return buffer.getvalue()


def gif_bytes(frames: np.ndarray, size: int = 112, frame_ms: int = 120) -> bytes:
    """Animated GIF of frames [T, H, W(, 3)] in [0, 1], played forwards then backwards."""
    images = [_pil(upscale(frame, size)) for frame in frames]
    sequence = images + images[-2:0:-1]
    buffer = io.BytesIO()
    sequence[0].save(
        buffer, format="GIF", save_all=True, append_images=sequence[1:], duration=frame_ms, loop=0
    )
    return buffer.getvalue()


def png_data_uri(image: np.ndarray) -> str:
    """An image as a ``data:image/png;base64,...`` URI (for figures and web pages)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def text_thumbnail(image: np.ndarray, columns: int = 14) -> str:
    """An image as lines of shade characters (for hover labels, which cannot show pictures):
    ``columns`` characters a line, each the mean brightness of the block of pixels under it."""
    array = np.asarray(image)
    grey = array.astype(np.float32) / (255.0 if array.dtype == np.uint8 else 1.0)
    if grey.ndim == 3:
        grey = grey.mean(axis=2)
    step = max(1, grey.shape[0] // columns)
    rows, cols = grey.shape[0] // step, grey.shape[1] // step
    blocks = grey[: rows * step, : cols * step].reshape(rows, step, cols, step).mean(axis=(1, 3))
    levels = np.clip((blocks * len(_SHADES)).astype(int), 0, len(_SHADES) - 1)
    return "<br>".join("".join(row) for row in _SHADES[levels])
