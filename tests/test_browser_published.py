"""A published view in a real browser, opened from the file system with the network off: no
request at all, hover decoding, pins with the app's pixels, links to a point, interpolation,
a wider model's planes and traversals, inside a course page's iframe, and a title that tries
to be a script. Every wait is for the state asserted, never for a time."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest

from explorer.standalone.page import PublishedView, write_page
from tests.drivers.browser import browser_marks
from vae_core.store.checkpoints import check_data, read_checkpoint_info
from vae_core.store.export import (
    checkpoint_state,
    decoder_program,
    export_weights,
    read_exported,
    run_program,
)

pytestmark = browser_marks()
ROOT = Path(__file__).resolve().parents[1]
TWO_D = ROOT / "checkpoints" / "mnist-vae-2d-0c5935d11fa4"
TWENTY_D = ROOT / "checkpoints" / "mnist-vae-20d-883a03be427a"
CANVAS = '[data-testid="latent-canvas"]'
IMAGE = '[data-testid="decoded-image"]'
TITLE = "</script><script>window.__forged = 1</script><img src=x onerror='window.__forged=2'>"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("published")
    written = {"2d": folder / "two.html", "20d": folder / "twenty.html"}
    write_page(PublishedView(TWO_D, title=TITLE, note="Find the 7s."), written["2d"])
    write_page(PublishedView(TWENTY_D), written["20d"])
    course = folder / "course.html"
    course.write_text(
        "<!doctype html><title>Week 3</title><h1>Week 3</h1>"
        '<iframe src="two.html" width="1100" height="900" title="the map"></iframe>'
    )
    written["course"] = course
    return written


@contextlib.contextmanager
def opened(chromium, path: Path, fragment: str = ""):
    """(page, requests) for ``path`` in a fresh context with the network off; the requests the
    page made besides the documents themselves. An error in the page fails the test."""
    context = chromium.new_context(viewport={"width": 1300, "height": 1000}, offline=True)
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri() + fragment)
    try:
        yield page, requests
    finally:
        context.close()
    assert not errors, errors


def ready(page_or_frame):
    page_or_frame.locator(f"{CANVAS}[data-state='ready']").wait_for(state="attached")


def map_box(page_or_frame) -> dict:
    sketch = page_or_frame.locator("[data-testid='map-sketch']").first
    page_or_frame.locator(CANVAS).scroll_into_view_if_needed()
    box = sketch.bounding_box()
    left, top, size = (float(v) for v in sketch.get_attribute("data-area").split(","))
    return {"x": box["x"] + left, "y": box["y"] + top, "size": size}


def at(box: dict, fx: float, fy: float) -> tuple[float, float]:
    return box["x"] + box["size"] * fx, box["y"] + box["size"] * fy


def z_changes(page_or_frame, previous: str | None, selector: str = IMAGE) -> str:
    return page_or_frame.wait_for_function(
        "([s, p]) => { const v = document.querySelector(s).dataset.z; "
        "return v && v !== p ? v : null; }",
        arg=[selector, previous or ""],
    ).json_value()


def decoded_bytes(page) -> np.ndarray:
    values = page.evaluate(
        "(s) => Array.from(document.querySelector(s).getContext('2d')"
        ".getImageData(0, 0, 28, 28).data)",
        IMAGE,
    )
    return np.asarray(values, np.int16).reshape(784, 4)[:, 0]


def python_bytes(folder: Path, z) -> np.ndarray:
    """The app's pixels for ``z``: the float16 weights the browser gets, run by the reference."""
    info = read_checkpoint_info(folder)
    config, data = info.model_config, check_data(info)
    _, tensors = read_exported(export_weights(checkpoint_state(folder), config, data, ("decoder",)))
    values = run_program(decoder_program(config, data), tensors, np.asarray(z, np.float64))
    return np.clip(np.round(values * 255), 0, 255).astype(np.int16)


def test_the_page_makes_no_request_and_decodes_what_the_app_decodes(chromium, pages):
    with opened(chromium, pages["2d"]) as (page, requests):
        ready(page)
        box = map_box(page)
        resting = page.locator(IMAGE).get_attribute("data-z")  # the prior's centre
        page.mouse.move(*at(box, 0.3, 0.35))
        hovered = z_changes(page, resting)
        page.mouse.move(*at(box, 0.62, 0.55))
        z_changes(page, hovered)
        page.mouse.click(*at(box, 0.6, 0.45))
        page.wait_for_function(
            f"location.hash.startsWith('#z=') && document.querySelector('{CANVAS}').dataset.pinned"
        )
        pinned = page.locator(CANVAS).get_attribute("data-pinned")
        z = [float(v) for v in pinned.split(",")]
        page.mouse.move(box["x"] - 30, box["y"] - 30)  # off the map: the pinned point shows
        page.wait_for_function(f"document.querySelector('{IMAGE}').dataset.z === '{pinned}'")
        difference = np.abs(decoded_bytes(page) - python_bytes(TWO_D, z))
        assert difference.max() <= 1  # float32 in the browser, float64 in the reference
        assert page.evaluate("window.__latentCanvas.hover.length") >= 2
        assert page.evaluate("window.__latentCanvas.kernel") is True  # the WebAssembly kernel ran
        assert requests == [pages["2d"].as_uri()]  # the document, and nothing else
        assert page.evaluate("window.__forged") is None  # the title stayed text
        assert page.locator("h1").inner_text() == TITLE
        assert page.title() == TITLE


def test_a_link_restores_the_pinned_point(chromium, pages):
    with opened(chromium, pages["2d"], "#z=1.5,-0.75") as (page, _):
        ready(page)
        page.wait_for_function(f"document.querySelector('{IMAGE}').dataset.z === '1.5,-0.75'")
        assert page.locator(CANVAS).get_attribute("data-pinned") == "1.5,-0.75"
    with opened(chromium, pages["2d"], "#z=nan,1e999") as (page, _):  # a forged link: ignored
        ready(page)
        assert page.locator(CANVAS).get_attribute("data-pinned") is None


def test_interpolation_between_two_clicks_and_its_frames(chromium, pages):
    with opened(chromium, pages["2d"]) as (page, _):
        ready(page)
        page.check("input[value=interpolate]")
        page.locator(f"{CANVAS}[data-state='ready'] [data-testid='path-strip']").wait_for()
        box = map_box(page)
        page.mouse.click(*at(box, 0.25, 0.3))
        page.mouse.click(*at(box, 0.75, 0.7))
        strip = page.locator("[data-testid='path-strip']")
        page.wait_for_function("document.querySelector('[data-testid=path-strip]').dataset.ends")
        a, b = (
            [float(v) for v in end.split(",")]
            for end in strip.get_attribute("data-ends").split(";")
        )
        page.select_option("[data-testid=method]", "slerp")
        page.wait_for_function(
            "document.querySelector('[data-testid=path-strip]').dataset.method === 'slerp'"
        )
        page.mouse.move(box["x"] - 30, box["y"] - 30)
        page.locator("[data-testid=alpha]").fill("11")  # the last frame of 12 is point B
        page.wait_for_function(
            "([s, b]) => { const z = (document.querySelector(s).dataset.z || '').split(',')"
            ".map(Number); return z.length === 2 && Math.hypot(z[0] - b[0], z[1] - b[1]) < 1e-3; }",
            arg=[IMAGE, b],
        )
        assert page.locator(CANVAS).get_attribute("data-pinned") is not None
        assert "mode=interpolate" in page.url and a != b


def test_a_wider_model_shows_planes_and_traversals_of_the_pinned_point(chromium, pages):
    with opened(chromium, pages["20d"]) as (page, requests):
        ready(page)
        page.locator("#traversal[data-state='ready']").wait_for(state="attached")
        rows = page.locator("[data-testid='traversal-row']")
        assert rows.count() == 20
        kl = [float(rows.nth(i).get_attribute("data-kl")) for i in range(20)]
        assert kl == sorted(kl, reverse=True)  # most informative first
        before = page.locator("[data-testid='traversal-current']").get_attribute("data-code")
        page.mouse.click(*at(map_box(page), 0.3, 0.3))
        page.wait_for_function(
            "(b) => document.querySelector('[data-testid=traversal-current]').dataset.code !== b",
            arg=before,
        )
        page.select_option("[data-testid=plane]", "1")
        page.wait_for_function("location.hash.includes('plane=1')")
        ready(page)
        assert requests == [pages["20d"].as_uri()]


def test_the_page_works_inside_a_course_pages_frame(chromium, pages):
    with opened(chromium, pages["course"]) as (page, requests):
        frame = page.frame_locator("iframe")
        ready(frame)
        box = frame.locator("[data-testid='map-sketch']").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
        frame.locator(f"{IMAGE}:not([data-z='0,0']):not([data-z=''])").wait_for(state="attached")
        assert set(requests) == {pages["course"].as_uri(), pages["2d"].as_uri()}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.drivers.browser import app_server

    with app_server(env={"VAE_EXPLORER_STORE": str(tmp_path_factory.mktemp("store"))}) as (url, _):
        yield url


def test_the_latent_maps_button_publishes_the_view_it_shows(chromium, server, tmp_path):
    """A share link's point, the map's prior circles and the teacher's title reach the page."""
    import json
    import re

    context = chromium.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{server}/Latent_map?model={TWO_D.name}&z=1.25,-0.5")
        page.get_by_text("Publish this view as a web page").click()
        page.get_by_label("Title").fill("Week 3: the 2-D VAE")
        page.get_by_label("Title").press("Enter")
        page.get_by_text("“Week 3: the 2-D VAE” opens on the point (1.25, -0.50)").wait_for()
        button = page.get_by_role("button", name="Publish this view")
        with page.expect_download() as download:
            button.click()
        saved = tmp_path / "published.html"
        download.value.save_as(saved)
    finally:
        context.close()
    text = saved.read_text()
    data = json.loads(re.search(r'id="published-data">(.*?)</script>', text).group(1))
    assert data["title"] == "Week 3: the 2-D VAE"
    assert data["view"]["pinned"] == [1.25, -0.5]
    with opened(chromium, saved) as (published, requests):
        ready(published)
        published.wait_for_function(f"document.querySelector('{IMAGE}').dataset.z === '1.25,-0.5'")
        assert requests == [saved.as_uri()]
