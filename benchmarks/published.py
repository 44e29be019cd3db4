"""A published view (``python -m explorer publish``) beside the app: the page's size, its first
map from opening the file, and decoding under the mouse, with the app's launch to its first map
in the same run.

    python -m benchmarks.published [--runs 5] [--moves 120]

The page is written for the shipped 2-D MNIST VAE with all 10,000 test codes, then opened from
the file system in chromium with the network off, a fresh context each run: the first map is the
canvas's ``firstMap`` (milliseconds from the start of navigation), interactive is when hovering
decodes. Hover times are the canvas's own (from the pointer event to the decoded image drawn).
Goals: under 3 MB, first map under 1 s, hover median under 16 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from benchmarks.launch import map_drawn, one_launch
from explorer.standalone.page import PublishedView, write_page
from tests.drivers.browser import ROOT, browser

MODEL = ROOT / "checkpoints" / "mnist-vae-2d-0c5935d11fa4"


def open_page(chromium, path: Path, moves: int) -> dict[str, float]:
    """One opening of the page: first map and interactive (ms), and the median hover (ms)."""
    context = chromium.new_context(viewport={"width": 1300, "height": 1000}, offline=True)
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        page.locator("[data-testid='latent-canvas'][data-state='ready']").wait_for(state="attached")
        stats = page.evaluate("({...window.__latentCanvas})")
        sketch = page.locator("[data-testid='map-sketch']")
        sketch.scroll_into_view_if_needed()
        box = sketch.bounding_box()
        for index in range(moves):
            fraction = 0.2 + 0.6 * (index % 40) / 40
            page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] * 0.5)
            page.wait_for_function(f"window.__latentCanvas.hover.length >= {index + 1}")
        hovers = page.evaluate("window.__latentCanvas.hover")
    finally:
        context.close()
    return {
        "first map ms": stats["firstMap"],
        "interactive ms": stats["interactive"],
        "hover ms": statistics.median(hovers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--moves", type=int, default=120)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="published-"))
    page = folder / "map.html"
    size = write_page(PublishedView(MODEL), page)
    env = {"VAE_EXPLORER_CACHE": str(folder / "cache")}
    with browser() as chromium:
        opened = [open_page(chromium, page, args.moves) for _ in range(args.runs)]
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        one_launch(context, ROOT / "explorer_app.py", "Latent_map", map_drawn, env)  # warm files
        app = [
            one_launch(context, ROOT / "explorer_app.py", "Latent_map", map_drawn, env)
            for _ in range(args.runs)
        ]
    median = {key: statistics.median(run[key] for run in opened) for key in opened[0]}
    print(f"published page of {MODEL.name}: {size / 1e6:.2f} MB (goal < 3 MB)")
    print(f"median of {args.runs} openings from the file system, network off:")
    print(f"  first map      {median['first map ms']:7.0f} ms  (goal < 1000 ms)")
    print(f"  interactive    {median['interactive ms']:7.0f} ms")
    print(
        f"  hover decode   {median['hover ms']:7.1f} ms  median of {args.moves} moves (goal < 16)"
    )
    app_first = statistics.median(run["drawn"] for run in app)
    print(f"the app, launch to the Latent map's first map: {app_first:.2f} s (median)")


if __name__ == "__main__":
    main()
