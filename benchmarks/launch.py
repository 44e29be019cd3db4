"""Launch to first view: from ``streamlit run`` to the Latent map drawn, beside Streamlit's own
hello page in the same run.

    python -m benchmarks.launch [--runs 3]

Each run starts a fresh server and opens one page in a chromium that is already running, with
one profile throughout (as a teacher's browser, which keeps the scripts it fetched before): the
explorer's ``/Latent_map`` until its points are drawn, and Streamlit's hello app
(``streamlit/hello/streamlit_app.py``) until its title shows. Each time is split into the server
answering its health check, the page's first element, and the rest. The explorer's goal is a
first map under 2 s on two cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import streamlit

from tests.drivers.browser import CANVAS, ROOT, browser, free_port, server_flags

HELLO = Path(streamlit.__file__).parent / "hello" / "streamlit_app.py"
GOAL_SECONDS = 2.0


def _healthy(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {process.returncode}") from None
        time.sleep(0.01)  # a fine poll: the benchmark's own resolution
    raise TimeoutError("streamlit did not become healthy")


def one_launch(chromium, script: Path, path: str, drawn, env: dict) -> dict[str, float]:
    """Seconds from launch to: healthy, the app's first element, and ``drawn(page)``."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), *server_flags(port)]
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _healthy(url, process)
        healthy = time.perf_counter() - start
        page = chromium.new_page()
        page.goto(f"{url}/{path}")
        page.locator("[data-testid='stMainBlockContainer'] h1").first.wait_for(timeout=60_000)
        first = time.perf_counter() - start
        drawn(page)
        done = time.perf_counter() - start
        page.close()
        return {"healthy": healthy, "first element": first, "drawn": done}
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def map_drawn(page) -> None:
    """The Latent map's points are on screen (the canvas's first map)."""
    page.frame_locator(CANVAS).first.locator('[data-testid="latent-canvas"]').wait_for(
        state="attached", timeout=60_000
    )
    frame = next(f for f in page.frames if "latent_canvas" in f.url)
    frame.wait_for_function(
        "() => !!window.__latentCanvas && window.__latentCanvas.firstMap !== null", polling=10
    )


def hello_drawn(page) -> None:
    """The hello page's title is on screen (its whole first view)."""
    page.get_by_text("Welcome to Streamlit!").wait_for(timeout=60_000)


def describe(runs: list[dict[str, float]]) -> str:
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    each = ", ".join(f"{run['drawn']:.2f}" for run in runs)
    return (
        f"{median['drawn']:5.2f} s  (healthy {median['healthy']:.2f} s, first element "
        f"{median['first element']:.2f} s; runs {each})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="launch-cache-")
    env = {"VAE_EXPLORER_CACHE": cache}
    with browser() as running:
        # One browser profile throughout, as a teacher's: scripts it fetched once are kept.
        chromium = running.new_context(viewport={"width": 1400, "height": 1000})
        one_launch(chromium, ROOT / "explorer_app.py", "Latent_map", map_drawn, env)  # warm files
        explorer, hello = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine
            hello.append(one_launch(chromium, HELLO, "", hello_drawn, env))
            explorer.append(
                one_launch(chromium, ROOT / "explorer_app.py", "Latent_map", map_drawn, env)
            )
    print(f"launch to first view, median of {args.runs} (the browser already open):")
    print(f"  Streamlit's hello page       {describe(hello)}")
    print(f"  explorer, Latent map drawn   {describe(explorer)}  (goal < {GOAL_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
