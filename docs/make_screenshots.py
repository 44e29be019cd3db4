"""Regenerate the README's screenshots from the running app in headless chromium.

    python -m docs.make_screenshots

Writes docs/screenshots/*.png: the latent canvas with a hovered and a pinned point, the
shapes VAE's codes coloured by a sprite's position, a
drawing placed on the map with a sheet of samples, posterior ellipses with density
contours, the interpolation path on the map, the latent replay of a shipped model, and
the linked ELBO vs MMD maps with a box selection. Each waits for the state it shows.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from tests.drivers.browser import (
    IDLE,
    app_server,
    box_select,
    browser,
    canvas,
    choose,
    plot_area,
)
from vae_core.experiments.pretrain import main_entry
from vae_core.models.kinds import MMD_VAE, VAE

OUT = Path(__file__).resolve().parent / "screenshots"


def at(box, fx: float, fy: float) -> tuple[float, float]:
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


def latent_map(page, url: str, model: str) -> None:
    page.goto(f"{url}/Latent_map?model={model}&z=-0.6,1.1")
    frame = canvas(page)
    frame.locator('[data-testid="latent-canvas"][data-mosaic]').wait_for(timeout=60_000)
    page.locator(".st-key-map_decoded img").nth(1).wait_for(timeout=60_000)
    page.mouse.move(*at(plot_area(frame), 0.62, 0.35))
    frame.locator(".coords").get_by_text("hover").wait_for()
    page.wait_for_function(IDLE)
    page.screenshot(path=str(OUT / "latent-map.png"))


def shapes_factor(page, url: str, model: str) -> None:
    """The shipped shapes VAE's map coloured by a sprite's horizontal position."""
    page.goto(f"{url}/Latent_map?model={model}&z=0.4,-0.8")
    frame = canvas(page)
    page.get_by_text("Display options").click()
    choose(page, "Colour the codes by", "position x")
    frame = canvas(page)
    frame.locator('[data-testid="latent-canvas"][data-mosaic]').wait_for(timeout=60_000)
    page.mouse.move(*at(plot_area(frame), 0.35, 0.4))
    frame.locator(".coords").get_by_text("hover").wait_for()
    page.wait_for_function(IDLE)
    page.screenshot(path=str(OUT / "shapes-position.png"))


def drawing(page, url: str, model: str) -> None:
    page.goto(f"{url}/Latent_map?model={model}")
    frame = canvas(page)
    page.get_by_role("button", name="Sample a sheet").click()
    frame.locator('[data-testid="sample-sheet"][data-count="64"]').wait_for(timeout=60_000)
    page.get_by_text("Draw your own").click()
    pad = frame.locator('[data-testid="draw-pad"]')
    pad.wait_for(timeout=60_000)
    canvas(page)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(*at(box, 0.32, 0.25))
    page.mouse.down()
    for step in range(1, 25):  # a 7: across, then down and to the left
        fx, fy = (
            (0.32 + 0.4 * step / 8, 0.25)
            if step <= 8
            else (0.72 - 0.25 * (step - 8) / 16, 0.25 + 0.55 * (step - 8) / 16)
        )
        page.mouse.move(*at(box, fx, fy))
    page.mouse.up()
    page.locator(".st-key-map_decoded").get_by_text("your drawing's posterior mean").wait_for(
        timeout=60_000
    )
    page.wait_for_function(IDLE)
    page.screenshot(path=str(OUT / "draw-and-sample.png"))


def ellipses(page, url: str, model: str) -> None:
    page.goto(f"{url}/Latent_map?model={model}")
    canvas(page)
    page.get_by_text("Display options").click()
    page.get_by_text("Density contours of the codes").click()
    page.wait_for_function(IDLE)
    slider = (
        page.locator('[data-testid="stSlider"]')
        .filter(has_text="Posterior σ-ellipses")
        .get_by_role("slider")
    )
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(IDLE)
    page.get_by_text("Display options").click()
    slider.wait_for(state="hidden")
    # 30 ellipses at 1σ and 2σ
    canvas(page).locator(".shapelayer path").nth(59).wait_for(state="attached", timeout=60_000)
    page.screenshot(path=str(OUT / "posterior-ellipses.png"))


def interpolation(page, url: str) -> None:
    page.goto(f"{url}/Interpolate?a=-1.9,0.6&b=1.7,-0.4")
    frame = canvas(page)
    frame.locator('[data-testid="path-strip"][data-steps="12"]').wait_for(timeout=60_000)
    page.get_by_text("slerp").click()
    page.wait_for_function(IDLE)
    frame.locator('[data-testid="path-strip"][data-steps="12"]').wait_for(timeout=60_000)
    page.screenshot(path=str(OUT / "interpolate.png"))


def replay(page, url: str, model: str) -> None:
    page.goto(f"{url}/Latent_map?model={model}")
    canvas(page)
    page.get_by_text("Replay: how this latent space organised itself").click()  # the toggle
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for(timeout=60_000)
    chart.scroll_into_view_if_needed()
    page.wait_for_function(IDLE)
    chart.screenshot(path=str(OUT / "latent-replay.png"))


def linked_maps(page, url: str) -> None:
    page.goto(f"{url}/ELBO_vs_MMD")
    frame = canvas(page)
    plot_area(frame, 1)
    box_select(page, 0, (0.55, 0.2), (0.85, 0.5), within=frame)
    page.get_by_text("images selected").wait_for(timeout=60_000)
    page.wait_for_function(IDLE)
    page.screenshot(path=str(OUT / "linked-maps.png"))


def arithmetic(page, url: str) -> None:
    page.goto(f"{url}/Latent_arithmetic")
    page.get_by_text("Analogies a : b :: c : ?").click()
    page.get_by_text("the class of b (a and c share a class)").wait_for(timeout=60_000)
    canvas(page).locator('[data-testid="arrow"]').nth(1).wait_for(timeout=60_000)
    page.wait_for_function(IDLE)
    page.screenshot(path=str(OUT / "latent-arithmetic.png"))


def quiz(page, url: str, chromium) -> None:
    """A teacher's map after three students answered a quiz, revealed."""
    page.goto(f"{url}/Latent_map")
    canvas(page)
    page.get_by_role("button", name="Open a room (teacher)").click()
    code = re.search(
        r"Room ([A-Z2-9]{5})",
        page.get_by_text(re.compile(r"Room [A-Z2-9]{5}: students")).inner_text(),
    ).group(1)
    students = [
        chromium.new_context(viewport={"width": 1400, "height": 1100}).new_page() for _ in range(3)
    ]
    for student in students:
        student.goto(url)
        student.get_by_placeholder("code on the board").fill(code)
        student.get_by_role("button", name="Join").click()
        student.wait_for_url(re.compile(r"/Latent_map"), timeout=60_000)
    page.get_by_role("button", name="Start the quiz").click()
    for index, student in enumerate(students):
        canvas(student).get_by_text("the colours are hidden").wait_for(timeout=60_000)
        box = plot_area(canvas(student))
        student.mouse.click(*at(box, 0.62 + 0.04 * index, 0.45 + 0.03 * index))
        canvas(student).get_by_text("Your answer is in").wait_for(timeout=60_000)
        if (
            index == 0
        ):  # a student's map in the quiz: no colours, no decoded grid, the question on top
            student.wait_for_function(IDLE)
            student.screenshot(path=str(OUT / "classroom-quiz-student.png"))
    page.get_by_text("3 answers").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Reveal").click()
    heatmap = page.locator(".st-key-map_quiz_heatmap")
    page.get_by_text("where 0 lives").first.wait_for(timeout=60_000)
    heatmap.scroll_into_view_if_needed()
    page.wait_for_function(IDLE)
    heatmap.screenshot(path=str(OUT / "classroom-quiz.png"))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    mmd = main_entry("mnist", MMD_VAE)
    vae = main_entry("mnist", VAE)
    with (
        app_server(env={"VAE_EXPLORER_STORE": tempfile.mkdtemp()}) as (url, _),
        browser() as chromium,
    ):
        page = chromium.new_page(viewport={"width": 1500, "height": 1400})
        latent_map(page, url, vae.name)
        shapes_factor(page, url, main_entry("shapes", VAE).name)
        drawing(page, url, vae.name)
        ellipses(page, url, vae.name)
        interpolation(page, url)
        replay(page, url, mmd.name)
        linked_maps(page, url)
        arithmetic(page, url)
        quiz(chromium.new_page(viewport={"width": 1500, "height": 1400}), url, chromium)
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
