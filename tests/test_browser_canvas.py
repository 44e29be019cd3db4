"""The latent canvas in a real browser: hover, pin, drag, draw, samples, both maps at once,
interpolation ends, server decoding for models too large for a browser, forged messages.
Every wait is for the state asserted, never for a time."""

from __future__ import annotations

import pytest

from tests.drivers.browser import (
    app_server,
    box_of,
    browser_marks,
    canvas,
    canvas_attribute_changes,
    canvas_frame,
    map_box,
    plot_area,
    wait_for_text_change,
)

pytestmark = browser_marks()
ROOT_SELECTOR = '[data-testid="latent-canvas"]'
IMAGE = '[data-testid="decoded-image"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"VAE_EXPLORER_STORE": str(tmp_path_factory.mktemp("store"))}
    with app_server(env=env) as (url, _):
        yield url


def at(box, fx: float, fy: float) -> tuple[float, float]:
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


def point(text: str) -> tuple[float, float]:
    x, y = text.split(",")
    return float(x), float(y)


def image_pixels(page, index: int = 0) -> str:
    return canvas_frame(page).evaluate(
        f"() => document.querySelectorAll('{IMAGE}')[{index}].toDataURL()"
    )


def open_map(page, server, path: str = "Latent_map"):
    page.goto(f"{server}/{path}")
    frame = canvas(page)
    return frame, plot_area(frame)


def test_hovering_decodes_any_position_in_the_browser(server, page):
    frame, box = open_map(page, server)
    page.mouse.move(*at(box, 0.3, 0.3))
    first = canvas_attribute_changes(page, IMAGE, "data-z", None)
    before = image_pixels(page)
    page.mouse.move(*at(box, 0.7, 0.65))
    second = canvas_attribute_changes(page, IMAGE, "data-z", first)
    assert point(second)[0] > point(first)[0] and point(second)[1] < point(first)[1]
    assert image_pixels(page) != before
    assert "· hover" in frame.locator(".coords").inner_text()
    # hovering asks the server nothing
    assert "Click anywhere" in page.locator(".st-key-map_decoded").inner_text()


def test_the_sketch_takes_a_pin_before_plotly_is_ready_and_plotly_keeps_it(server, page):
    """plotly.js compiles for a second or more on a slow machine: the map's sketch is on screen
    first and takes a click as the plot does; plotly.js, once it runs, shows the same pin."""
    held = []
    page.route("**/plotly.min.js", lambda route: held.append(route))  # held back until released
    page.goto(f"{server}/Latent_map")
    frame = canvas(page, state=None)
    sketch = map_box(frame)
    assert frame.locator("[data-testid='map-sketch']").count() == 1
    click = at(sketch, 0.62, 0.38)
    page.mouse.click(*click)
    pinned = canvas_attribute_changes(page, ROOT_SELECTOR, "data-pinned", None)
    star = box_of(frame.locator('[data-testid="pinned-point"]'))
    assert abs(star["x"] + star["width"] / 2 - click[0]) < 3
    assert abs(star["y"] + star["height"] / 2 - click[1]) < 3  # drawn where it was clicked
    assert frame.locator(f"{ROOT_SELECTOR}[data-state='loading']").count() == 1  # no plotly.js yet
    for route in held:
        route.continue_()
    page.unroute("**/plotly.min.js")
    frame = canvas(page)  # plotly.js took over
    assert frame.locator("[data-testid='map-sketch']").count() == 0
    assert frame.locator(ROOT_SELECTOR).get_attribute("data-pinned") == pinned
    star = box_of(frame.locator('[data-testid="pinned-point"]'))
    x, y = point(pinned)
    # the server heard the pin too
    page.locator(".st-key-map_decoded").get_by_text(f"z = ({x:.3f}, {y:.3f})").wait_for(
        timeout=60_000
    )
    # the plot puts it where the sketch did
    assert abs(star["x"] + star["width"] / 2 - click[0]) < 4
    assert abs(star["y"] + star["height"] / 2 - click[1]) < 4


def test_a_click_on_empty_space_pins_it_and_a_drag_moves_it(server, page):
    frame, box = open_map(page, server)
    page.mouse.click(*at(box, 0.06, 0.94))  # a corner: no data there
    pinned = canvas_attribute_changes(page, ROOT_SELECTOR, "data-pinned", None)
    page.locator(".st-key-map_decoded").get_by_text("clicked point").wait_for(timeout=60_000)
    star = box_of(frame.locator('[data-testid="pinned-point"]'))
    page.mouse.move(star["x"] + star["width"] / 2, star["y"] + star["height"] / 2)
    page.mouse.down()
    page.mouse.move(*at(box, 0.5, 0.5), steps=12)
    page.mouse.up()
    moved = canvas_attribute_changes(page, ROOT_SELECTOR, "data-pinned", pinned)
    assert point(moved)[0] > point(pinned)[0] and point(moved)[1] > point(pinned)[1]
    x, y = point(moved)
    page.locator(".st-key-map_decoded").get_by_text(f"z = ({x:.3f}, {y:.3f})").wait_for(
        timeout=30_000
    )
    assert frame.locator(IMAGE).get_attribute("data-z") == moved  # the image shows the pinned point


def test_reset_forgets_the_pinned_point_everywhere(server, page):
    frame, box = open_map(page, server)
    page.mouse.click(*at(box, 0.3, 0.7))
    canvas_attribute_changes(page, ROOT_SELECTOR, "data-pinned", None)
    frame.locator(".coords").get_by_text("· pinned").wait_for(timeout=30_000)
    page.mouse.move(1, 1)  # off the map: the side panel rests on the pinned point
    page.get_by_role("button", name="Reset").click()
    frame.locator('[data-testid="pinned-point"]').wait_for(state="detached", timeout=30_000)
    frame.locator(".coords").get_by_text("the prior's centre").wait_for(timeout=30_000)
    assert "pinned" not in frame.locator(".coords").inner_text()
    assert frame.locator(ROOT_SELECTOR).get_attribute("data-pinned") is None
    page.locator(".st-key-map_decoded").get_by_text("Click anywhere on the map").wait_for(
        timeout=30_000
    )


def test_a_drawn_stroke_places_a_point_on_the_map(server, page):
    frame, _ = open_map(page, server)
    page.get_by_text("Draw your own").click()
    pad = frame.locator('[data-testid="draw-pad"]')
    pad.wait_for(timeout=30_000)
    canvas(page)  # ready again: the encoder is loaded with the pad
    box = box_of(pad)
    page.mouse.move(*at(box, 0.5, 0.15))
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(*at(box, 0.5 - 0.005 * step, 0.15 + 0.065 * step))
    page.mouse.up()
    drawn = canvas_attribute_changes(page, ROOT_SELECTOR, "data-drawn", None)
    x, y = point(drawn)
    panel = page.locator(".st-key-map_decoded")
    panel.get_by_text("your drawing's posterior mean").wait_for(timeout=60_000)
    server_x, server_y = (
        float(v) for v in panel.inner_text().split("z = (")[1].split(")")[0].split(",")
    )
    # the browser's encoder agrees with the server's
    assert abs(server_x - x) < 0.01 and abs(server_y - y) < 0.01


@pytest.mark.parametrize(
    "sampler",
    [
        "the prior N(0, I)",
        "a Gaussian mixture fitted to the codes",
        "a kernel density of the codes",
    ],
)
def test_samplers_draw_a_sheet(server, page, sampler):
    frame, _ = open_map(page, server)
    page.locator(".st-key-map_sampler").click()
    page.get_by_role("option", name=sampler).click()
    page.get_by_role("button", name="Sample a sheet").click()
    frame.locator('[data-testid="sample-sheet"][data-count="64"]').wait_for(timeout=60_000)
    assert sampler in frame.locator(".panel h4").first.inner_text()
    assert frame.locator("svg.overlay circle[r='4']").count() == 64  # each sample drawn on the map


def test_one_hover_decodes_with_both_models(server, page):
    frame, box = open_map(page, server, "ELBO_vs_MMD")
    right = plot_area(frame, 1)
    page.mouse.move(*at(right, 0.4, 0.6))
    first = canvas_attribute_changes(page, f'{IMAGE}[data-map="0"]', "data-z", None)
    canvas_frame(page).wait_for_function(
        "z => document.querySelector('[data-testid=decoded-image][data-map=\"1\"]')"
        ".dataset.z === z",
        arg=first,
    )
    before = [image_pixels(page, 0), image_pixels(page, 1)]
    page.mouse.move(*at(box, 0.7, 0.3))  # now over the left map
    second = canvas_attribute_changes(page, f'{IMAGE}[data-map="1"]', "data-z", first)
    assert frame.locator(f'{IMAGE}[data-map="0"]').get_attribute("data-z") == second
    assert [image_pixels(page, 0), image_pixels(page, 1)] != before


def test_interpolation_ends_are_clicked_and_dragged_on_the_map(server, page):
    page.goto(f"{server}/Interpolate")
    page.get_by_text("Two clicks on the latent map").click()
    page.get_by_text("Click two points on the map").wait_for(timeout=60_000)
    frame = canvas(page)
    box = plot_area(frame)
    page.mouse.click(*at(box, 0.25, 0.25))
    page.mouse.click(*at(box, 0.75, 0.7))
    ends = canvas_attribute_changes(page, '[data-testid="path-strip"]', "data-ends", None)
    frame_text = page.locator(".st-key-interp_frame")
    frame_text.get_by_text("α = 0.00").wait_for(timeout=60_000)
    a = point(ends.split(";")[0])
    shown = [float(v) for v in frame_text.inner_text().split("z = (")[1].split(")")[0].split(",")]
    assert abs(shown[0] - a[0]) < 0.006 and abs(shown[1] - a[1]) < 0.006  # the frame at α = 0 is A
    handle = box_of(frame.locator('[data-testid="end-b"]'))
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(*at(box, 0.5, 0.9), steps=10)
    page.mouse.up()
    dragged = canvas_attribute_changes(page, '[data-testid="path-strip"]', "data-ends", ends)
    assert (
        dragged.split(";")[0] == ends.split(";")[0] and dragged.split(";")[1] != ends.split(";")[1]
    )
    page.wait_for_function("() => location.search.includes('b=')")


def test_a_forged_message_is_refused_with_a_message(server, page):
    open_map(page, server)
    canvas_frame(page).evaluate(
        """() => window.parent.postMessage({isStreamlitMessage: true,
               type: 'streamlit:setComponentValue',
               value: {kind: 'pin', id: 'forged-1', z: [1e9, 0]}, dataType: 'json'}, '*')"""
    )
    page.get_by_text("Ignored a message from the map", exact=False).wait_for(timeout=30_000)
    assert (
        "within ±50" in page.get_by_text("Ignored a message from the map", exact=False).inner_text()
    )
    assert "Click anywhere" in page.locator(".st-key-map_decoded").inner_text()


@pytest.fixture(scope="module")
def small_browser_server(tmp_path_factory):
    """A server that lets browsers load no model: every map is decoded on the server."""
    env = {
        "VAE_EXPLORER_STORE": str(tmp_path_factory.mktemp("store")),
        "VAE_EXPLORER_BROWSER_MB": "0.001",
    }
    with app_server(env=env) as (url, _):
        yield url


def test_a_model_the_browser_cannot_run_is_decoded_on_the_server(small_browser_server, page):
    page.goto(f"{small_browser_server}/Latent_map")
    frame = canvas(page, state="server")
    page.get_by_text("Decoded on the server after each click", exact=False).first.wait_for(
        timeout=30_000
    )
    assert "Decoded on the server" in frame.locator(".status").inner_text()
    box = plot_area(frame)
    before = page.locator(".st-key-map_decoded").inner_text()
    page.mouse.click(*at(box, 0.4, 0.4))
    wait_for_text_change(page, ".st-key-map_decoded", before)
    # the server's image, drawn on the canvas
    z = canvas_attribute_changes(page, IMAGE, "data-z", None)
    assert z == frame.locator(ROOT_SELECTOR).get_attribute("data-pinned")
