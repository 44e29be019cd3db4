"""Teaching tools in a real browser: class-mean walks, attribute arrows, analogies.
Every wait is for the state asserted, never for a time."""

from __future__ import annotations

import pytest

from tests.drivers.browser import app_server, browser_marks, canvas, canvas_frame, plot_area

pytestmark = browser_marks()
ARROW = '[data-testid="arrow"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(env={"VAE_EXPLORER_STORE": str(tmp_path_factory.mktemp("store"))}) as (url, _):
        yield url


@pytest.fixture
def viewport() -> dict:
    return {"width": 1400, "height": 1300}


def arrow_labels(page) -> list[str]:
    return canvas_frame(page).evaluate(
        f"() => [...document.querySelectorAll('{ARROW}')].map(a => a.dataset.label)"
    )


def arrow_start(page, label: str) -> list[float]:
    return canvas_frame(page).evaluate(
        "(label) => { const line = [...document.querySelectorAll('[data-testid=\"arrow\"]')]"
        ".find(a => a.dataset.label === label).querySelector('line');"
        " return [Number(line.getAttribute('x1')), Number(line.getAttribute('y1'))]; }",
        label,
    )


def test_a_class_mean_walk_decodes_and_draws_its_path(server, page):
    page.goto(f"{server}/Interpolate")
    canvas(page)
    page.get_by_text("Two class means").click()
    page.get_by_text("A: mean of class").wait_for()
    frame = canvas(page)
    frame.locator('[data-testid="end-a"]').wait_for(timeout=60_000)
    frame.locator('[data-testid="end-b"]').wait_for()
    assert frame.locator("polyline").count() >= 1  # the path between the two means
    # the strip of decoded frames
    page.locator('[data-testid="stImage"] img').last.wait_for(timeout=60_000)
    z_line = page.locator('[data-testid="stMarkdownContainer"]', has_text="α = 0.00").inner_text()
    assert "z = (" in z_line
    end_b = "document.querySelector('[data-testid=\"end-b\"] circle')"
    before = canvas_frame(page).evaluate(f"() => {end_b}.getAttribute('cx')")
    page.get_by_label("B: mean of class").click()  # another class: B moves to its mean
    page.get_by_role("option", name="0").click()
    canvas_frame(page).wait_for_function(
        f"(b) => {{ const e = {end_b}; return e && e.getAttribute('cx') !== b; }}",
        arg=before,
        timeout=60_000,
    )


def test_an_attribute_arrow_follows_a_click_and_an_analogy_draws_its_arrows(server, page):
    page.goto(f"{server}/Latent_arithmetic")
    frame = canvas(page)
    frame.locator(ARROW).nth(1).wait_for(timeout=60_000)
    labels = arrow_labels(page)
    assert labels[0] == "mean 0 → mean 6" and labels[1] == "1 × that arrow"
    page.get_by_text("looks like", exact=False).first.wait_for()
    before = arrow_start(page, "1 × that arrow")
    box = plot_area(frame)
    # start somewhere else
    page.mouse.click(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.2)
    canvas_frame(page).wait_for_function(
        "(b) => "
        "{ const a = [...document.querySelectorAll('[data-testid=\"arrow\"]')]"
        ".find(x => x.dataset.label === '1 × that arrow');"
        " const l = a && a.querySelector('line'); return l && "
        "Math.abs(Number(l.getAttribute('x1')) - b[0]) > 5; }",
        arg=before,
        timeout=60_000,
    )
    page.get_by_text("Analogies a : b :: c : ?").click()
    page.get_by_text("the class of b (a and c share a class)").wait_for(timeout=60_000)
    frame = canvas(page)
    canvas_frame(page).wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"arrow\"]')].map(a => "
        "a.dataset.label).join('|')"
        " === 'b − a|the same arrow from c'",
        timeout=60_000,
    )
    assert page.get_by_text("c + (b − a)").count() == 1


def test_a_training_step_moves_the_codes(server, page):
    page.goto(f"{server}/Train_live")
    page.get_by_text("Step by step").click()
    page.get_by_role("button", name="Set up").click()
    page.get_by_text("Batches trained").wait_for(timeout=60_000)
    chart = ".st-key-train_step_map .js-plotly-plot"
    first_point = (
        "() => "
        f"{{ const p = document.querySelector('{chart}'); const t = p && p._fullData"
        " && p._fullData.find(d => d.customdata && d.x && d.x.length);"
    )
    first_point += " return t ? [t.x[0], t.y[0]].join(',') : null; }"
    page.wait_for_function(first_point, timeout=60_000)
    before = page.evaluate(first_point)
    page.get_by_role("button", name="Step").click()
    page.locator('[data-testid="stMetricValue"]', has_text="10").first.wait_for(timeout=60_000)
    page.wait_for_function(
        f"(b) => {{ const v = ({first_point})(); return v && v !== b; }}",
        arg=before,
        timeout=60_000,
    )
    # every batch's loss terms
    page.locator(".st-key-train_step_losses .js-plotly-plot").first.wait_for(timeout=60_000)
