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

ROOT = Path(__file__).resolve().parents[2]  # the repository
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


def browser_marks() -> list:
    """The marks of every browser test module: skipped (with the reason) where chromium is
    missing."""
    import pytest

    reason = "needs Debian's chromium (apt-get install chromium) and playwright"
    return [pytest.mark.browser, pytest.mark.skipif(not chromium_available(), reason=reason)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_flags(port: int) -> list[str]:
    """A headless server on 127.0.0.1:port that reports nothing and watches no files."""
    return [
        *("--server.port", str(port), "--server.headless", "true"),
        *("--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"),
        *("--server.fileWatcherType", "none"),
    ]


def wait_until_healthy(url: str, process, start: float, timeout: float) -> None:
    """Poll /_stcore/health until it answers 200; TimeoutError after ``timeout`` s from
    ``start``, RuntimeError as soon as the server exits."""
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.perf_counter() - start > timeout:
            raise TimeoutError("streamlit did not become healthy")
        try:  # wait a moment for the server, or notice that it exited
            process.wait(0.2)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"streamlit exited with code {process.returncode}")


@contextlib.contextmanager
def app_server(
    env: dict | None = None,
    timeout: float = 60.0,
    with_process: bool = False,
    flags: tuple[str, ...] = (),
    script: Path = ROOT / "explorer_app.py",
    log: Path | None = None,
    port: int | None = None,
):
    """Start ``streamlit run explorer_app.py`` (or another ``script``, with extra command-line
    ``flags``) and yield (url, seconds until healthy) (plus the server's Popen when
    ``with_process``).
    The server's output goes to ``log``, else to $VAE_EXPLORER_SERVER_LOG, else nowhere."""
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), *server_flags(port), *flags]
    log = open(log or os.environ.get("VAE_EXPLORER_SERVER_LOG", os.devnull), "w")
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, start, timeout)
        yield (
            (url, time.perf_counter() - start, process)
            if with_process
            else (url, time.perf_counter() - start)
        )
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
CANVAS = 'iframe[title="explorer.canvas.latent_canvas"]'


def plot_area(page, index: int = 0, timeout: float = 60_000):
    """The bounding box of the index-th Plotly chart's drawing area once it is visible, scrolled
    into the window (``page`` may also be a canvas, see :func:`canvas`)."""
    return box_of(page.locator(PLOT_AREA).nth(index), timeout)


def map_box(frame, timeout: float = 60_000):
    """The on-screen box of the first map's plotting area as soon as the map is on screen: on
    plotly.js's plot, or before plotly.js is ready on the sketch that stands in for it (which
    takes hovers and clicks alike)."""
    shown = frame.locator(f"{PLOT_AREA}, [data-testid='map-sketch']").first
    box = box_of(shown, timeout)
    area = shown.get_attribute("data-area")
    if not area:
        return box
    left, top, size = (float(v) for v in area.split(","))
    return {"x": box["x"] + left, "y": box["y"] + top, "width": size, "height": size}


def box_of(locator, timeout: float = 60_000):
    """The bounding box of what ``locator`` finds once it is visible, scrolled into the window
    as a person scrolls to what they click. A rerun or a redraw may replace the element between
    the wait and the measure; then the wait is for its successor."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout / 1000
    while True:
        left = max(1.0, (deadline - time.monotonic()) * 1000)
        try:
            locator.wait_for(state="visible", timeout=left)
            locator.scroll_into_view_if_needed(timeout=left)
            box = locator.bounding_box(timeout=left)
        except Error as error:
            if "not attached" not in str(error) or time.monotonic() > deadline:
                raise
            continue
        if box is not None:
            return box


def canvas(page, state: str | None = "ready", timeout: float = 60_000):
    """The shown latent canvas's frame, once its root reports ``state`` (None: once it exists).
    Only a visible one counts: while Streamlit replaces a page's elements, a hidden canvas of
    the page before can still be in the document."""
    frame = page.frame_locator(f"{CANVAS} >> visible=true").first
    selector = '[data-testid="latent-canvas"]' + (f'[data-state="{state}"]' if state else "")
    frame.locator(selector).wait_for(state="attached", timeout=timeout)
    return frame


def canvas_frame(page):
    """The canvas's Frame (to evaluate JavaScript in it)."""
    return next(f for f in page.frames if "latent_canvas" in f.url)


def canvas_attribute_changes(
    page, selector: str, attribute: str, previous: str | None, timeout: float = 30_000
) -> str:
    """Wait until an element in the canvas shows ``attribute`` with a value other than
    ``previous``."""
    handle = canvas_frame(page).wait_for_function(
        "([s, a, p]) => { const e = document.querySelector(s); const v = e && e.getAttribute(a); "
        "return v && v !== p ? v : null; }",
        arg=[selector, attribute, previous or ""],
        timeout=timeout,
    )
    return handle.json_value()


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


IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def choose(page, label: str, option: str, attempts: int = 5) -> None:
    """Pick ``option`` in the selectbox labelled ``label``. A run that ends, or a fragment that
    runs again, re-renders the widgets and closes an open list (as does a scroll): the list is
    opened again until its option shows."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).locator("input")
    choice = page.get_by_role("option", name=option)
    for attempt in range(attempts):
        page.wait_for_function(IDLE)
        box.scroll_into_view_if_needed()
        box.click()
        box.press("ArrowDown")  # a click focuses the list's box; the arrow key opens it
        try:
            choice.click(timeout=3_000)  # the list may close again before the click lands
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    expect(box).to_have_value(option)


def wait_for_text_change(page, selector: str, previous: str | None, timeout: float = 30_000) -> str:
    """Wait until the first element matching ``selector`` shows text different from ``previous``."""
    page.wait_for_function(
        "([selector, previous]) => "
        "{ const e = document.querySelector(selector); return e && e.innerText !== previous; }",
        arg=[selector, previous or ""],
        timeout=timeout,
    )
    return page.locator(selector).first.inner_text()


def box_select(
    page, chart_index: int, start: tuple[float, float], end: tuple[float, float], within=None
) -> None:
    """Drag a box selection on a Plotly chart, corners given as fractions of its plot area
    (``within``: the canvas frame holding the chart, if not the page itself)."""
    holder = within if within is not None else page
    box = plot_area(holder, chart_index)
    chart = holder.locator(".js-plotly-plot").nth(chart_index)
    chart.hover()
    chart.locator('[data-title="Box Select"]').click()
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=8)
    page.mouse.up()


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@contextlib.contextmanager
def redis_server(directory: Path, port: int | None = None):
    """A real ``redis-server`` on a free port (nothing written to disk): yields
    (url, process). Debian's redis-server; CI installs it (.ci/run)."""
    port = port or free_port()
    Path(directory).mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not start on port {port}")
        try:  # a moment for the server to listen, or notice that it exited
            process.wait(0.05)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"redis-server exited with code {process.returncode}")
    try:
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        process.terminate()
        process.wait(timeout=10)
