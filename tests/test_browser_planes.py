"""A 20-D model on the Latent map: the plane's hover decoding and pinned point, a dragged
anchor, and a traversal row, each checked against torch. Every wait is for the state asserted."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from tests.drivers.browser import (
    app_server,
    box_of,
    browser_marks,
    canvas,
    canvas_frame,
    plot_area,
)
from vae_core.analysis.latent import decode
from vae_core.analysis.planes import principal_plane, traversal_codes
from vae_core.data.images import to_uint8
from vae_core.experiments.pretrain import CATALOG
from vae_core.store.checkpoints import load_model
from vae_core.store.codes import read_codes

pytestmark = browser_marks()
WIDE = next(e for e in CATALOG if e.role == "beta-vae-20d")
IMAGE = "canvas[data-testid='decoded-image']"
PIXELS = (
    "(c) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).filter((_, "
    "i) => i % 4 === 0)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(env={"VAE_EXPLORER_STORE": str(tmp_path_factory.mktemp("store"))}) as (url, _):
        yield url


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return load_model(WIDE.path)


def torch_image(model, code) -> np.ndarray:
    return to_uint8(decode(model, np.asarray(code, np.float32))).astype(np.int16).ravel()


def test_a_plane_of_a_20d_model_decodes_pins_and_moves_with_its_anchors(server, page, model):
    page.goto(f"{server}/Latent_map?model={WIDE.name}")
    frame = canvas(page)
    plane = principal_plane(read_codes(WIDE.path).mu)
    box = plot_area(frame)
    page.mouse.move(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.6)
    hovered = frame.locator(f"{IMAGE}[data-z]:not([data-z=''])").first
    hovered.wait_for(timeout=30_000)
    uv = [float(v) for v in hovered.get_attribute("data-z").split(",")]
    ours = np.asarray(hovered.evaluate(PIXELS), np.int16)
    # origin + u·e₁ + v·e₂, decoded alike
    assert np.abs(ours - torch_image(model, plane.codes(uv))).max() <= 2
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4)
    frame.locator("[data-testid='latent-canvas'][data-pinned]").wait_for(timeout=30_000)
    # the link carries all 20 coordinates
    page.wait_for_url(re.compile(r"z=([-0-9.e]+(,|%2C)){19}[-0-9.e]+"), timeout=60_000)
    page.get_by_text("The plane through three class means").click()
    anchor = canvas(page).locator("[data-testid='anchor-0']")
    anchor.wait_for(timeout=60_000)
    assert anchor.get_attribute("data-uv") == "0,0"  # the first anchor is the plane's origin
    second = canvas(page).locator("[data-testid='anchor-1']").get_attribute("data-uv")
    figure = canvas_frame(page).evaluate(
        "() => Object.keys(window.__latentCanvas.figureBytes).length"
    )
    handle = box_of(anchor)
    page.mouse.move(handle["x"] + 10, handle["y"] + 10)
    page.mouse.down()
    page.mouse.move(handle["x"] + 60, handle["y"] - 50, steps=6)
    page.mouse.up()
    # the plane moved: a new map
    canvas_frame(page).wait_for_function(
        "(n) => Object.keys(window.__latentCanvas.figureBytes).length > n",
        arg=figure,
        timeout=60_000,
    )
    # measured anew
    canvas(page).locator(f"[data-testid='anchor-1']:not([data-uv='{second}'])").wait_for(
        timeout=30_000
    )


def test_a_traversal_row_matches_torch_and_idle_dimensions_stay_still(server, page, model):
    page.goto(f"{server}/Latent_map?model={WIDE.name}")
    canvas(page)
    traversal = page.frame_locator("iframe[title='explorer.canvas.traversal']")
    traversal.locator("[data-testid='traversal'][data-state='ready']").wait_for(timeout=60_000)
    rows = traversal.locator("canvas[data-testid='traversal-row']")
    first = rows.first
    dim, kl = int(first.get_attribute("data-dim")), float(first.get_attribute("data-kl"))
    codes = read_codes(WIDE.path)
    around = np.stack([codes.mu[codes.labels == c].mean(axis=0) for c in range(10)]).mean(axis=0)
    grid = traversal_codes(around, 9)[dim]
    strip = np.asarray(first.evaluate(PIXELS), np.int16).reshape(28, 9 * 28)
    for k, code in enumerate(grid):
        assert (
            np.abs(strip[:, 28 * k : 28 * (k + 1)].ravel() - torch_image(model, code)).max() <= 2
        ), k
    # the most used dimension changes it
    assert kl > 0.1 and np.ptp(strip.reshape(28, 9, 28).mean(axis=(0, 2))) > 3
    last = rows.last
    assert float(last.get_attribute("data-kl")) < 0.01
    idle = np.asarray(last.evaluate(PIXELS), np.int16).reshape(28, 9, 28)
    # an unused dimension: about a grey level on average
    assert np.abs(idle - idle[:, :1, :]).mean() < 1.5
    slider = traversal.locator(f"input[data-dim='{dim}']")
    before = traversal.locator("canvas[data-testid='traversal-current']").get_attribute("data-code")
    slider.focus()
    for _ in range(10):
        slider.press("ArrowRight")
    traversal.locator(
        f"canvas[data-testid='traversal-current']:not([data-code='{before}'])"
    ).wait_for(timeout=30_000)


def test_a_projected_point_becomes_the_planes_anchor_on_the_latent_map(server, page):
    page.goto(f"{server}/Projections?model={WIDE.name}")
    page.get_by_text("PCA", exact=True).click()  # computed at once
    page.locator(".stPlotlyChart .js-plotly-plot").first.wait_for(timeout=120_000)
    where = page.wait_for_function(
        """() => { const g = document.querySelector('.stPlotlyChart .js-plotly-plot');
                   if (!g || !g._fullLayout || !g._fullLayout.xaxis || !g._fullData) return null;
                   const t = g._fullData.find((trace) => trace.x && trace.x.length);
                   if (!t) return null;
                   const xa = g._fullLayout.xaxis, ya = g._fullLayout.yaxis;
                   const r = g.getBoundingClientRect();
                   return [r.left + xa._offset + xa.c2p(t.x[0]),
                           r.top + ya._offset + ya.c2p(t.y[0])]; }""",
        timeout=60_000,
    ).json_value()
    page.mouse.click(*where)
    page.get_by_role("button", name="Open its code on the Latent map").click()
    page.wait_for_url(re.compile(r"/Latent_map"), timeout=60_000)
    frame = canvas(page)
    # the image's code: the plane's origin
    frame.locator("[data-testid='anchor-0'][data-uv='0,0']").wait_for(timeout=60_000)
    # and the pinned point
    frame.locator("[data-testid='latent-canvas'][data-pinned='0,0']").wait_for(timeout=60_000)
    area = plot_area(frame)
    for handle in ("anchor-0", "pinned-point"):  # both drawn on the map, not over its axes
        box = box_of(frame.locator(f"[data-testid='{handle}']"))
        assert box is not None, f"{handle} is not drawn"
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert area["x"] < centre[0] < area["x"] + area["width"], (handle, box, area)
        assert area["y"] < centre[1] < area["y"] + area["height"], (handle, box, area)


def test_the_classifier_lens_colours_the_plane_and_names_the_hovered_image(server, page, model):
    from vae_core.analysis.classifier import load_classifier

    page.goto(f"{server}/Latent_map?model={WIDE.name}")
    frame = canvas(page)
    page.get_by_text("Classifier lens").click()
    frame.locator("[data-testid='latent-canvas'][data-lens='32']").wait_for(timeout=60_000)
    assert canvas_frame(page).evaluate("() => window.__latentCanvas.lensMs") > 0
    box = plot_area(frame)
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)
    said = frame.locator("[data-testid='prediction'][data-prediction]").first
    said.wait_for(timeout=30_000)
    uv = [
        float(v) for v in frame.locator(f"{IMAGE}[data-z]").first.get_attribute("data-z").split(",")
    ]
    image = decode(model, principal_plane(read_codes(WIDE.path).mu).codes(uv).astype(np.float32))
    probabilities = load_classifier("mnist").probabilities(image[None])[0]
    top, second = np.sort(probabilities)[::-1][:2]
    if top - second > 0.05:  # a clear answer: the browser's is the same
        assert int(said.get_attribute("data-prediction")) == int(probabilities.argmax())
    assert re.match(r"The classifier sees \d \(\d+ %\)", said.inner_text())
