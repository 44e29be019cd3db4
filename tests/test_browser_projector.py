"""What a class sees on a projector (1280 x 720): whole labels, a map that fits the window,
every class in a legend, words that say what is shown, and Step by step after fast presses.
Every wait is for the state asserted."""

from __future__ import annotations

import pytest

from tests.drivers.browser import CANVAS, app_server, browser_marks, canvas, canvas_frame
from vae_core.experiments.pretrain import CATALOG, main_entry
from vae_core.models.kinds import VAE

pytestmark = browser_marks()

FASHION = main_entry("fashion-mnist", VAE).name
WIDE = next(e.name for e in CATALOG if e.dataset == "mnist" and e.role == "vae-20d")
CUT = """(root) => [...root.querySelectorAll('button p, label p, [data-testid="stWidgetLabel"] p')]
  .filter((e) => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(env={"VAE_EXPLORER_STORE": str(tmp_path_factory.mktemp("store"))}) as (url, _):
        yield url


@pytest.fixture
def viewport() -> dict:
    return {"width": 1280, "height": 720}


def test_the_maps_controls_are_whole_and_the_map_fits_the_window(server, page):
    page.goto(f"{server}/Latent_map")
    canvas(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.evaluate(CUT) == []  # "Random prior s…", "Draw yo…" before
    assert page.locator(CANVAS).first.bounding_box()["height"] <= 720


def test_every_class_of_a_long_legend_is_on_the_map(server, page):
    page.goto(f"{server}/Latent_map?model={FASHION}")
    canvas(page)
    frame = canvas_frame(page)
    width = frame.evaluate("() => document.querySelector('.js-plotly-plot').offsetWidth")
    entries = frame.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot .legend .traces')].map((e) => {
            const b = e.getBoundingClientRect(); return [e.textContent, b.left, b.right]; })"""
    )
    names = [name for name, _, _ in entries]
    assert {"Shirt", "Sneaker", "Ankle boot"} <= set(names), names  # once lost off the edge
    assert all(0 <= left and right <= width for _, left, right in entries), entries


def test_a_planes_side_panel_names_its_origin_not_the_priors_centre(server, page):
    page.goto(f"{server}/Latent_map?model={WIDE}")
    frame = canvas(page)
    frame.locator(".coords").get_by_text("the plane's origin").wait_for(timeout=30_000)


def test_step_by_step_after_fast_presses_counts_and_draws_the_same_batches(server, page):
    page.goto(f"{server}/Train_live")
    page.get_by_text("Step by step").first.click()
    page.get_by_role("button", name="Set up").click()
    page.get_by_role("button", name="Step").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stMain"]').evaluate(CUT) == []  # "an e…" before
    page.get_by_text("100 batches").click()
    page.get_by_text("100 batches").wait_for()
    for _ in range(5):  # faster than a step trains
        page.get_by_role("button", name="Step").click()
    page.get_by_text("Loss in the last step").wait_for(timeout=120_000)
    page.get_by_text("not counted").wait_for(state="detached", timeout=60_000)
    batches = int(page.locator('[data-testid="stMetricValue"]').first.inner_text().replace(",", ""))
    drawn = page.locator(".st-key-train_step_losses .js-plotly-plot").first.evaluate(
        "(p) => Math.max(...p._fullData.flatMap((t) => Array.from(t.x || [])))"
    )
    assert batches % 100 == 0 and batches >= 100 and drawn == batches  # 22 beside 3, before
