"""Drive the real app in a real browser: a ``streamlit run`` server on a free port and
Debian's chromium through Playwright (no browser download). Shared by the browser
tests and the latency / load benchmarks."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("VAE_EXPLORER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_available() -> bool:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return False
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def app_server(env: dict | None = None, timeout: float = 60.0, with_process: bool = False, flags: tuple[str, ...] = ()):
    """Start ``streamlit run explorer_app.py`` (with extra command-line ``flags``) and
    yield (url, seconds until healthy) (plus the server's Popen when ``with_process``)."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "explorer_app.py"),
        "--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *flags,
    ]  # fmt: skip
    log = open(os.environ.get("VAE_EXPLORER_SERVER_LOG", os.devnull), "w")
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {process.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - start > timeout:
                raise TimeoutError("streamlit did not become healthy")
            time.sleep(0.2)
        yield (url, time.perf_counter() - start, process) if with_process else (url, time.perf_counter() - start)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextlib.contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


PLOT_AREA = ".js-plotly-plot .nsewdrag"


def plot_area(page, index: int = 0, timeout: float = 60_000):
    """The bounding box of the index-th Plotly chart's drawing area once it is visible."""
    locator = page.locator(PLOT_AREA).nth(index)
    locator.wait_for(state="visible", timeout=timeout)
    return locator.bounding_box()


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and its children (Linux /proc)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def wait_for_text_change(page, selector: str, previous: str | None, timeout: float = 30_000) -> str:
    """Wait until the first element matching ``selector`` shows text different from ``previous``."""
    page.wait_for_function(
        "([selector, previous]) => { const e = document.querySelector(selector); return e && e.innerText !== previous; }",
        arg=[selector, previous or ""],
        timeout=timeout,
    )
    return page.locator(selector).first.inner_text()


def click_plot_until(
    page, fx: float, fy: float, condition: str, arg=None, index: int = 0, attempts: int = 3, timeout: float = 5_000
):
    """Click the index-th Plotly chart at fractions (fx, fy) of its drawing area until the
    JavaScript ``condition`` (a function of ``arg``) holds, at most ``attempts`` times. The
    drawing area is measured again before every click: when an answer makes the page
    taller, Plotly redraws the chart a few hundred ms later, and a click in that window or
    at coordinates measured before it can miss, as a person's sometimes does."""
    for attempt in range(attempts):
        box = plot_area(page, index)
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        try:
            page.wait_for_function(condition, arg=arg, timeout=timeout)
            return
        except Exception:
            if attempt == attempts - 1:
                raise


def box_select(page, chart_index: int, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag a box selection on a Plotly chart, corners given as fractions of its plot area."""
    box = plot_area(page, chart_index)
    chart = page.locator(".js-plotly-plot").nth(chart_index)
    chart.hover()
    chart.locator('[data-title="Box Select"]').click()
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=8)
    page.mouse.up()
