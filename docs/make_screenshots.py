"""Regenerate the README's screenshots from the running app in headless chromium.

    python docs/make_screenshots.py

Writes docs/screenshots/*.png: the latent map with a decoded point, posterior ellipses
with density contours, the latent replay of a shipped model, and the linked ELBO vs MMD
maps with a box selection.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import app_server, box_select, browser, plot_area  # noqa: E402
from vae_core.pretrain import CATALOG  # noqa: E402

OUT = Path(__file__).resolve().parent / "screenshots"


def settle(page, ms: int = 2500) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    page.wait_for_timeout(ms)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    mmd = next(e for e in CATALOG if e.dataset == "mnist" and e.role == "mmd_vae")
    vae = next(e for e in CATALOG if e.dataset == "mnist" and e.role == "vae")
    with app_server(env={"VAE_EXPLORER_STORE": tempfile.mkdtemp()}) as (url, _), browser() as chromium:
        page = chromium.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url)  # the home page first: later direct links then use the app's navigation
        page.get_by_text("Models ready to explore").wait_for(timeout=120_000)

        page.goto(f"{url}/Latent_map?model={vae.name}&z=-0.6,1.1")
        plot_area(page)
        page.locator(".st-key-map_decoded img").nth(1).wait_for(timeout=60_000)
        settle(page)
        page.screenshot(path=str(OUT / "latent-map.png"))

        page.get_by_text("Display options").click()
        page.get_by_text("Density contours of the codes").click()
        settle(page, 1000)
        slider = page.locator('[data-testid="stSlider"]').filter(has_text="Posterior σ-ellipses").get_by_role("slider")
        slider.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        settle(page)
        page.get_by_text("Display options").click()
        settle(page, 1500)
        page.screenshot(path=str(OUT / "posterior-ellipses.png"))

        page.goto(f"{url}/Latent_map?model={mmd.name}")
        plot_area(page)
        settle(page)
        page.get_by_text("Replay: how this latent space organised itself").click()  # the toggle
        replay = page.locator(".js-plotly-plot").nth(1)
        replay.wait_for(timeout=60_000)
        replay.scroll_into_view_if_needed()
        settle(page, 1500)
        replay.screenshot(path=str(OUT / "latent-replay.png"))

        page.goto(f"{url}/ELBO_vs_MMD")
        plot_area(page, 1)
        box_select(page, 0, (0.55, 0.2), (0.85, 0.5))
        page.get_by_text("images selected").wait_for(timeout=60_000)
        settle(page)
        page.screenshot(path=str(OUT / "linked-maps.png"))
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
