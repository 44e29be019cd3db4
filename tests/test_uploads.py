import io

import numpy as np
import pytest
from PIL import Image

from vae_core import load_dataset
from vae_core.data.uploads import MAX_UPLOAD_BYTES, UploadError, prepare_image


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def digit(mode: str = "L", size: int = 200, dark_on_light: bool = True) -> Image.Image:
    """A thick vertical bar ("1") drawn on a canvas."""
    canvas = np.full((size, size), 255 if dark_on_light else 0, np.uint8)
    canvas[size // 5 : 4 * size // 5, 2 * size // 5 : 3 * size // 5] = 0 if dark_on_light else 255
    image = Image.fromarray(canvas, mode="L")
    return image.convert(mode) if mode != "L" else image


def assert_mnist_like(result: np.ndarray) -> None:
    assert result.shape == (28, 28) and result.dtype == np.float32
    assert 0.0 <= result.min() and result.max() <= 1.0
    assert result[0].max() == 0 and result[:, 0].max() == 0, "the border is background (black)"
    ys, xs = np.nonzero(result > 0.5)
    assert abs(ys.mean() - 13.5) < 2 and abs(xs.mean() - 13.5) < 2, "ink is centred"
    assert ys.max() - ys.min() <= 20


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "1"])
def test_modes_are_converted(mode):
    assert_mnist_like(prepare_image(encode(digit(mode))))


def test_transparent_drawing_on_nothing():
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[20:80, 45:55] = (0, 0, 0, 255)  # black strokes, the rest fully transparent
    assert_mnist_like(prepare_image(encode(Image.fromarray(rgba, mode="RGBA"))))


def test_sixteen_bit_images():
    canvas = np.full((64, 64), 65535, np.uint16)
    canvas[10:54, 28:36] = 0
    image = Image.fromarray(canvas)
    assert image.mode.startswith("I;16")
    assert_mnist_like(prepare_image(encode(image)))


def test_light_ink_on_dark_is_kept_and_jpeg_works():
    assert_mnist_like(prepare_image(encode(digit("L", dark_on_light=False), "JPEG")))


def test_a_real_test_digit_round_trips_close_to_itself():
    original = load_dataset("mnist", "test").floats()[0, 0].numpy()
    prepared = prepare_image(encode(Image.fromarray((original * 255).astype(np.uint8))))
    assert np.abs(prepared - original).mean() < 0.08


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"%PDF-1.4 not an image at all", "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "limit is 5 MB"),
    ],
    ids=["zero-bytes", "pdf", "truncated-png", "too-large"],
)
def test_bad_uploads_are_refused_with_a_reason(data, message):
    with pytest.raises(UploadError, match=message):
        prepare_image(data)


def test_the_caller_sets_the_size_limit():
    picture = encode(digit("L"))
    assert prepare_image(picture, max_bytes=len(picture)).shape == (28, 28)
    with pytest.raises(UploadError, match="limit is 0 MB"):
        prepare_image(picture, max_bytes=len(picture) - 1)


def test_huge_dimensions_are_refused():
    header = Image.new("1", (6000, 6000))  # 36 megapixels, a few kB as PNG
    with pytest.raises(UploadError, match="pixels"):
        prepare_image(encode(header))


def test_blank_images_are_refused():
    with pytest.raises(UploadError, match="blank"):
        prepare_image(encode(Image.new("L", (50, 50), 255)))
