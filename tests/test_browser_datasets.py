"""Any images in a real browser: a user's own colour pictures, imported and trained on, shown in
colour on every page; the shipped shapes models and their factors. Every wait is for the state
asserted, never for a time."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.drivers.browser import (
    IDLE,
    app_server,
    browser_marks,
    canvas,
    canvas_attribute_changes,
    canvas_frame,
    choose,
    plot_area,
)
from vae_core.experiments.pretrain import MMD_VAE, VAE, main_entry

pytestmark = browser_marks()
IMAGE = '[data-testid="decoded-image"]'
SHAPES = main_entry("shapes", VAE)
UNLABELLED: list[str] = []  # the model of the set without classes, once the server made it


def _photos(root):
    """Three classes of colour pictures: a red, a green and a blue blob on a pale ground."""
    rng = np.random.default_rng(0)
    for label, colour in enumerate(((220, 30, 30), (30, 200, 40), (30, 60, 220))):
        folder = root / f"class-{label}"
        folder.mkdir(parents=True)
        for index in range(16):
            picture = np.full((40, 50, 3), 235, np.uint8)
            top, left = rng.integers(2, 18, 2)
            picture[top : top + 18, left : left + 24] = colour
            Image.fromarray(picture).save(folder / f"{index}.png")
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server whose user imported a folder of colour photos and trained a model on it."""
    from vae_core import ModelConfig, TrainConfig, save_model, train
    from vae_core.data.catalog import add_dataset
    from vae_core.models.layout import network_for
    from vae_core.store.encoding import encode_dataset

    data, store = tmp_path_factory.mktemp("datasets"), tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VAE_EXPLORER_DATA", str(data))
        dataset = add_dataset("my-photos", _photos(tmp_path_factory.mktemp("photos")), size=32)
        config = ModelConfig(**network_for("auto", dataset.side), hidden_sizes=(32,))
        result = train(config, TrainConfig(dataset="my-photos", epochs=2, batch_size=16))
        codes = encode_dataset(result.model, "my-photos", "test")
        folder = save_model(result.model, result.train_config, store, codes=codes)
        # the same pictures in one flat folder: a set without classes
        flat = tmp_path_factory.mktemp("flat")
        for picture in sorted(_photos(tmp_path_factory.mktemp("loose")).rglob("*.png")):
            picture.rename(flat / f"{picture.parent.name}-{picture.name}")
        add_dataset("loose-photos", flat, size=28)
        loose = train(
            ModelConfig(hidden_sizes=(16,)),
            TrainConfig(dataset="loose-photos", epochs=1, batch_size=16),
        )
        codes = encode_dataset(loose.model, "loose-photos", "test")
        UNLABELLED.append(save_model(loose.model, loose.train_config, store, codes=codes).name)
    env = {"VAE_EXPLORER_DATA": str(data), "VAE_EXPLORER_STORE": str(store)}
    with app_server(env=env) as (url, _):
        yield url, folder.name


def decoded_colours(page) -> dict:
    """The decoded image beside the map: its size and how far its channels part anywhere."""
    return canvas_frame(page).evaluate(
        f"""() => {{
            const c = document.querySelector('{IMAGE}');
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let spread = 0;
            for (let i = 0; i < data.length; i += 4) {{
                const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
                spread = Math.max(spread, Math.abs(r - g), Math.abs(g - b));
            }}
            return {{ width: c.width, height: c.height, spread }};
        }}"""
    )


def no_error_on(page) -> None:
    """Once the page's run has finished, it shows no exception."""
    page.wait_for_function(IDLE)
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def hover_map(page, url: str, model: str) -> dict:
    """Open the model's Latent map, hover it, and read the image decoded beside it."""
    page.goto(f"{url}/Latent_map?model={model}")
    box = plot_area(canvas(page))
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6)
    canvas_attribute_changes(page, IMAGE, "data-z", None)
    return decoded_colours(page)


def test_own_colour_photos_show_in_colour_on_the_latent_map(server, page):
    url, name = server
    shown = hover_map(page, url, name)
    assert shown["width"] == shown["height"] == 32 and shown["spread"] > 20, shown
    # the sidebar names the user's dataset; the pad is offered only for grey images
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input').first
    assert picker.input_value() == "my-photos"
    pad = page.get_by_role("switch", name="Draw your own")
    assert pad.is_disabled()
    no_error_on(page)


@pytest.mark.parametrize("path", ["Interpolate", "Latent_arithmetic", "Projections"])
def test_every_page_opens_on_the_users_dataset(server, page, path):
    url, name = server
    page.goto(f"{url}/{path}?model={name}")
    page.get_by_role("heading", level=1).first.wait_for()
    page.get_by_role("heading", level=1).first.wait_for()
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input').first
    assert picker.input_value() == "my-photos"
    no_error_on(page)


def test_a_set_without_classes_says_what_it_cannot_show(server, page):
    url, _ = server
    (name,) = UNLABELLED
    assert hover_map(page, url, name)["width"] == 28
    page.get_by_text("all in one colour, as this dataset's images carry no class").wait_for()
    no_error_on(page)
    page.goto(f"{url}/Latent_arithmetic?model={name}")
    page.get_by_text("this dataset has no classes").wait_for()
    page.goto(f"{url}/Interpolate?model={name}")
    page.get_by_role("heading", level=1).first.wait_for()
    no_error_on(page)
    assert page.get_by_text("Two class means").count() == 0


def _zip_of_photos(root) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(_photos(root).rglob("*.png")):
            archive.write(path, f"{path.parent.name}/{path.name}")
    return buffer.getvalue()


def test_a_zip_uploaded_on_train_live_becomes_a_dataset(server, page, tmp_path):
    url, _ = server
    page.goto(f"{url}/Train_live")
    page.get_by_text("Add your own images").first.click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": "pets.zip", "mimeType": "application/zip", "buffer": _zip_of_photos(tmp_path)}
    )
    page.get_by_label("Name").fill("pets")
    page.get_by_role("button", name="Add the images").click()
    page.get_by_text("Added pets: 48 colour images of 32x32, 3 classes").wait_for()
    # the same name again: refused with a sentence, nothing changes
    page.get_by_role("button", name="Add the images").click()
    page.get_by_text("a dataset called 'pets' exists already").wait_for()
    form = page.locator('[data-testid="stForm"] [data-testid="stSelectbox"]')
    form.filter(has_text="Dataset").first.click()
    page.get_by_role("option", name="pets").wait_for()
    no_error_on(page)


@pytest.mark.skipif(not SHAPES.exists(), reason="the shipped shapes models are missing")
def test_the_shipped_shapes_models_open_with_their_factors(server, page):
    url, _ = server
    assert hover_map(page, url, SHAPES.name)["width"] == 64
    page.get_by_text("Display options").click()
    choose(page, "Colour the codes by", "orientation")
    # the map is drawn again, coloured on a scale whose bar is titled by the factor
    canvas(page).locator(".colorbar").get_by_text("orientation").wait_for()
    no_error_on(page)
    mmd = main_entry("shapes", MMD_VAE)
    page.goto(f"{url}/ELBO_vs_MMD?model={mmd.name}")
    page.get_by_role("heading", level=1).first.wait_for()
    no_error_on(page)
