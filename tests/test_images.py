import io

import numpy as np
import pytest
from PIL import Image

from vae_core.data.images import (
    gif_bytes,
    png_bytes,
    png_data_uri,
    text_thumbnail,
    tile,
    to_uint8,
    upscale,
)


def test_tile_layout():
    images = np.stack([np.full((2, 2), i / 5) for i in range(6)])
    mosaic = tile(images, 2, 3, pad=1)
    assert mosaic.shape == (5, 8)
    assert mosaic[0, 0] == 0 and mosaic[3, 6] == 255  # image 5 is white (value 1.0)
    assert mosaic[2, 0] == 255  # the padding row between the two rows is white
    with pytest.raises(ValueError):
        tile(images, 4, 4)


def test_uint8_rounds_and_clips():
    assert to_uint8(np.array([0.0, 0.5, 1.0, 1.7, -0.2])).tolist() == [0, 128, 255, 255, 0]
    already = np.array([3, 200], np.uint8)
    assert to_uint8(already) is already


def test_thumbnails_and_images():
    image = np.zeros((28, 28))
    image[:, 14:] = 1.0
    lines = text_thumbnail(image).split("<br>")
    assert len(lines) == 14 and all(line == " " * 7 + "█" * 7 for line in lines)
    big = upscale(image, 112)
    assert big.shape == (112, 112) and big.dtype == np.uint8
    assert big[0, 55] == 0 and big[0, 56] == 255  # nearest neighbours: the edge stays sharp
    decoded = Image.open(io.BytesIO(png_bytes(image)))
    assert decoded.size == (28, 28) and decoded.mode == "L"
    assert np.array_equal(np.asarray(decoded), to_uint8(image))
    gif = Image.open(io.BytesIO(gif_bytes(np.stack([image, 1 - image, image]), size=56)))
    assert gif.n_frames == 4  # forwards and back: 0 1 2 1


def test_data_uri_holds_the_png():
    import base64

    image = np.eye(4)
    uri = png_data_uri(image)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == png_bytes(image)
