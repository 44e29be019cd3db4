"""Wider latent spaces in chromium: a plane through the shipped 20-D VAE decoded as the mouse
moves, a 20 x 9 traversal grid and the 32 x 32 classifier lens, each timed in the browser
(``window.__latentCanvas`` and ``window.__traversal``), with the same measures on a 2-D
model beside them as the baseline.

    python -m benchmarks.wide_latent [--moves 120]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from tests.drivers.browser import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    app_server,
    canvas,
    canvas_frame,
    plot_area,
)
from vae_core.experiments.pretrain import main_entry
from vae_core.models.kinds import VAE


def measure(page, url: str, name: str, moves: int) -> dict:
    page.goto(f"{url}/Latent_map?model={name}")
    frame = canvas(page)
    box = plot_area(frame)
    for step in range(moves):  # a slow sweep across the map, one position per frame
        page.mouse.move(
            box["x"] + box["width"] * (0.1 + 0.8 * step / moves),
            box["y"] + box["height"] * (0.3 + 0.4 * (step % 7) / 7),
        )
        page.wait_for_timeout(16)
    hover = canvas_frame(page).evaluate("() => window.__latentCanvas.hover")
    page.get_by_text("Classifier lens").click()
    frame.locator("[data-testid='latent-canvas'][data-lens='32']").wait_for(timeout=120_000)
    lens = canvas_frame(page).evaluate("() => window.__latentCanvas.lensMs")
    grid = None
    if page.locator("iframe[title='explorer.canvas.traversal']").count():
        traversal = page.frame_locator("iframe[title='explorer.canvas.traversal']")
        traversal.locator("[data-testid='traversal'][data-state='ready']").wait_for(timeout=60_000)
        grid = traversal.locator("body").evaluate("() => window.__traversal.gridMs")
    return {"hover": hover, "lens": lens, "grid": grid}


def main(args) -> None:
    from playwright.sync_api import sync_playwright

    wide = main_entry("mnist", VAE, 20)
    flat = main_entry("mnist", VAE)
    with (
        tempfile.TemporaryDirectory() as store,
        app_server(env={"VAE_EXPLORER_STORE": store}) as (url, _),
        sync_playwright() as playwright,
    ):
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = chromium.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        print(
            f"{'model':34} {'hover: median / p95 (ms)':>26} {'32x32 lens (ms)':>16} "
            f"{'20x9 traversal (ms)':>20}"
        )
        for entry, words in (
            (flat, "2-D VAE (the map itself)"),
            (wide, "20-D VAE (its principal plane)"),
        ):
            got = measure(page, url, entry.name, args.moves)
            hover = sorted(got["hover"])
            p95 = hover[int(0.95 * (len(hover) - 1))]
            grid = "—" if got["grid"] is None else f"{got['grid']:.0f}"
            print(
                f"{words:34} {statistics.median(hover):>14.1f} / {p95:<9.1f} {got['lens']:>16.0f} "
                f"{grid:>20}"
            )
        chromium.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--moves", type=int, default=120)
    main(parser.parse_args())
