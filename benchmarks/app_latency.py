"""Latency of the latent map as a person sees it, in headless chromium: the canvas (the
app) beside the rerun path it replaced (``rerun_baseline.py``), measured in the same run.

For each:
1. launch to first latent map visible: from starting ``streamlit run`` until the map's
   points are drawn (the page is opened as soon as the server answers its health check);
   the app with an empty cache (no exported models or figures yet) and again warm. The
   canvas draws the points at once and becomes interactive when plotly.js has compiled:
   both times are given;
2. bytes sent to the browser until then: HTTP bodies as sent (gzip counts as sent) and
   websocket messages; scripts (Streamlit's, plotly.js) apart, since the browser keeps them;
3. hover to decoded image drawn (app only): the canvas's own measure, from the mouse
   event's time stamp to the image on its canvas, over moves across the map;
4. click to pinned image: the app draws it in the browser (the canvas's measure); the
   baseline reruns the page and decodes on the server (until the image is on screen);
   clicks on empty places and on data points, each checked, lost ones counted.

    python -m benchmarks.app_latency [--clicks 100] [--baseline-clicks 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from tests.drivers.browser import CANVAS, app_server, browser, canvas_frame

HERE = Path(__file__).resolve().parent
DECODED = ".st-key-map_decoded"


class Traffic:
    """Bytes the page received: HTTP bodies as sent, websocket messages, by kind."""

    SCRIPT = (".js", ".css", ".woff", ".woff2", ".ttf", ".svg", ".png", ".ico", ".html")

    def __init__(self, page):
        self.http: dict[str, int] = {}
        self.websocket = 0
        page.on("requestfinished", self.finished)
        page.on("websocket", lambda ws: ws.on("framereceived", self.frame))

    def frame(self, payload) -> None:
        self.websocket += len(payload)

    def finished(self, request) -> None:
        try:
            size = request.sizes()["responseBodySize"]
        except Exception:  # a request the browser cancelled
            return
        path = request.url.split("?")[0]
        kind = (
            "models"
            if "/models/" in path
            else "figures"
            if "/figures/" in path
            else "scripts"
            if path.endswith(self.SCRIPT)
            else "other"
        )
        self.http[kind] = self.http.get(kind, 0) + size

    def summary(self) -> str:
        data = self.websocket + self.http.get("figures", 0) + self.http.get("other", 0)
        parts = [
            f"map data {data / 1e6:.2f} MB (websocket {self.websocket / 1e6:.2f} MB, figure files "
            f"{self.http.get('figures', 0) / 1e6:.2f} MB)"
        ]
        if self.http.get("models"):
            parts.append(f"decoder weights {self.http['models'] / 1e6:.2f} MB (once per model)")
        parts.append(
            f"scripts and styles {self.http.get('scripts', 0) / 1e6:.2f} MB (kept by the browser)"
        )
        return "; ".join(parts)


def measure_first_map(
    chromium, script: Path, cache: str, path: str, canvas: bool
) -> tuple[str, str]:
    launch = time.perf_counter()
    with app_server(env={"VAE_EXPLORER_CACHE": cache}, script=script) as (url, _):
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        traffic = Traffic(page)
        page.goto(f"{url}/{path}")
        if canvas:
            page.frame_locator(CANVAS).first.locator('[data-testid="latent-canvas"]').wait_for(
                state="attached", timeout=120_000
            )
            frame = canvas_frame(page)
            frame.wait_for_function(
                "() => window.__latentCanvas.firstMap !== null", timeout=120_000, polling=10
            )
            seconds = time.perf_counter() - launch
            frame.wait_for_function(
                "() => window.__latentCanvas.interactive !== null", timeout=120_000, polling=10
            )
            times = f"{seconds:5.2f} s (interactive {time.perf_counter() - launch:.2f} s)"
            # The weights arrive after the map: count them too, apart.
            page.frame_locator(CANVAS).first.locator(
                '[data-testid="latent-canvas"][data-state="ready"]'
            ).wait_for(timeout=60_000)
        else:
            plot_box(page)
            times = f"{time.perf_counter() - launch:5.2f} s"
        page.wait_for_timeout(300)
        page.close()
    return times, traffic.summary()


def plot_box(target):
    locator = target.locator(".js-plotly-plot .nsewdrag").first
    locator.wait_for(state="visible", timeout=60_000)
    return locator.bounding_box()


def data_points(page, count: int, rng) -> list[tuple[float, float]]:
    """``count`` random test points of the canvas's map, in data coordinates (occupied places)."""
    points = canvas_frame(page).evaluate(
        "() => document.querySelector('.js-plotly-plot')._fullData.filter(t => t.customdata)"
        ".flatMap(t => Array.from(t.x, (x, i) => [x, t.y[i]]))"
    )
    return [tuple(points[i]) for i in rng.choice(len(points), count, replace=False)]


def to_screen(page, point) -> tuple[float, float]:
    """Where a data point is on the screen now (the map may have moved since the last click)."""
    frame = page.frame_locator(CANVAS).first
    origin = frame.locator(".js-plotly-plot").first.bounding_box()
    x, y = canvas_frame(page).evaluate(
        "([x, y]) => { const f = document.querySelector('.js-plotly-plot')._fullLayout;"
        " return [f.xaxis._offset + f.xaxis.d2p(x), f.yaxis._offset + f.yaxis.d2p(y)]; }",
        list(point),
    )
    return origin["x"] + x, origin["y"] + y


def canvas_clicks(page, count: int, rng):
    """(pin latencies ms, lost clicks, hover latencies ms, decoding times ms) of the canvas.
    Each click is aimed at the map as it is on screen at that moment, as a person aims."""
    frame = page.frame_locator(CANVAS).first
    box = plot_box(frame)
    for fx, fy in rng.uniform(0.05, 0.95, (200, 2)):  # hover: a path across the map
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(20)
    targets = [("empty", tuple(f)) for f in rng.uniform(0.03, 0.97, (count // 2, 2))]
    targets += [("point", p) for p in data_points(page, count - len(targets), rng)]
    rng.shuffle(targets)
    root = canvas_frame(page)
    lost = 0
    for kind, where in targets:
        if kind == "empty":
            box = plot_box(frame)
            x, y = box["x"] + box["width"] * where[0], box["y"] + box["height"] * where[1]
        else:
            x, y = to_screen(page, where)
        before = root.evaluate("() => window.__latentCanvas.pin.length")
        page.mouse.click(x, y)
        try:
            root.wait_for_function(
                "n => window.__latentCanvas.pin.length > n", arg=before, timeout=5_000
            )
        except Exception:
            lost += 1
        page.wait_for_timeout(int(rng.uniform(50, 150)))
    stats = root.evaluate("() => window.__latentCanvas")
    return stats["pin"], lost, stats["hover"], stats["decode"]


def baseline_clicks(page, count: int, rng) -> tuple[list[float], int]:
    """(click to decoded image ms, clicks without an update) of the rerun path."""
    box = plot_box(page)
    text = page.locator(DECODED).first.inner_text()
    latencies, lost = [], 0
    for fx, fy in rng.uniform(0.05, 0.95, (count, 2)):
        start = time.perf_counter()
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        try:
            page.wait_for_function(
                "([sel, prev]) => { const e = document.querySelector(sel); return e && e.innerText "
                "!== prev && [...e.querySelectorAll('img')].length > 1 && "
                "[...e.querySelectorAll('img')].every(i => i.complete && i.naturalWidth); }",
                arg=[DECODED, text],
                timeout=10_000,
            )
        except Exception:  # no rerun: the click fell between markers, or during a redraw
            lost += 1
            continue
        latencies.append(1000 * (time.perf_counter() - start))
        text = page.locator(DECODED).first.inner_text()
        page.wait_for_timeout(300)
    return latencies, lost


def describe(values: list[float]) -> str:
    if not values:
        return "no measurements"
    return (
        f"median {statistics.median(values):.1f} ms, p95 {np.percentile(values, 95):.1f} ms (n = "
        f"{len(values)})"
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=100)
    parser.add_argument("--baseline-clicks", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def first_maps(chromium, app, baseline) -> list[tuple]:
    """(name, times, traffic) of the first map: the canvas with an empty and a warm cache, and
    the rerun baseline."""
    cache = tempfile.mkdtemp(prefix="latency-cache-")
    return [
        ("canvas, empty cache", *measure_first_map(chromium, app, cache, "Latent_map", True)),
        ("canvas, warm cache", *measure_first_map(chromium, app, cache, "Latent_map", True)),
        ("rerun baseline", *measure_first_map(chromium, baseline, tempfile.mkdtemp(), "", False)),
    ]


def main() -> None:
    args = arguments()
    rng = np.random.default_rng(args.seed)
    app, baseline = HERE.parent / "explorer_app.py", HERE / "rerun_baseline.py"
    with browser() as chromium:
        rows = first_maps(chromium, app, baseline)
        print("launch to first latent map visible, and what the browser received until then:")
        for name, times, traffic in rows:
            print(f"  {name:<20} {times:<32} {traffic}")
        with app_server() as (url, _):
            page = chromium.new_page(viewport={"width": 1400, "height": 1200})  # the whole map
            page.goto(f"{url}/Latent_map")
            ready = '[data-testid="latent-canvas"][data-state="ready"]'
            page.frame_locator(CANVAS).first.locator(ready).wait_for(timeout=120_000)
            pins, lost, hovers, decodes = canvas_clicks(page, args.clicks, rng)
        with app_server(script=baseline) as (url, _):
            page = chromium.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(url)
            page.locator(DECODED).wait_for(timeout=120_000)
            base_latencies, base_lost = baseline_clicks(page, args.baseline_clicks, rng)
    print("hover to decoded image drawn:")
    print(
        f"  canvas               {describe(hovers[1:])}; decoding alone {describe(decodes)} (goal: "
        "median < 16 ms)"
    )
    print(
        "  rerun baseline       nothing happens between lattice points (hover shows a text drawing "
        "of the point's image)"
    )
    print("click to pinned (decoded) image:")
    print(
        f"  canvas               {describe(pins)}; lost clicks {lost} of {args.clicks} (goal: "
        "median < 50 ms, none lost)"
    )
    print(
        f"  rerun baseline       {describe(base_latencies)}; lost clicks {base_lost} of "
        f"{args.baseline_clicks}"
    )


if __name__ == "__main__":
    main()
