"""A classroom's worth of load on one server: N browser sessions clicking the latent map
while three trainings are requested at once.

Each session is a real headless-chromium tab (its own browser context) that opens the
Latent map and clicks random positions for --seconds; three more sessions ask the Train
live page for three different small trainings at the same moment. Prints clicks served,
errors, click-to-image median and p95, the server's peak resident memory, and how the
trainings were queued and finished.

    python benchmarks/load.py [--sessions 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import CHROMIUM, CHROMIUM_FLAGS, PLOT_AREA, app_server, rss_bytes  # noqa: E402

DECODED = ".st-key-map_decoded"
READY: list[int] = []  # sessions whose page has loaded


async def clicker(browser, url: str, seconds: float, seed: int, latencies: list, errors: list, start_barrier: asyncio.Event):
    rng = np.random.default_rng(seed)
    context = await browser.new_context(viewport={"width": 1300, "height": 950})
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(f"session {seed}: page error {error}"))
    try:
        await page.goto(f"{url}/Latent_map", timeout=180_000)
        area = page.locator(PLOT_AREA).first
        await area.wait_for(state="visible", timeout=180_000)
        box = await area.bounding_box()
        READY.append(seed)
        await start_barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            previous = await page.locator(DECODED).first.inner_text()
            begin = time.perf_counter()
            await page.mouse.click(
                box["x"] + box["width"] * rng.uniform(0.08, 0.92), box["y"] + box["height"] * rng.uniform(0.08, 0.92)
            )
            try:
                await page.wait_for_function(
                    "([sel, prev]) => { const e = document.querySelector(sel); return e && e.innerText !== prev && e.querySelectorAll('img').length > 0; }",
                    arg=[DECODED, previous],
                    timeout=20_000,
                )
                latencies.append(time.perf_counter() - begin)
            except Exception as error:  # a timeout is an error the benchmark reports
                errors.append(f"session {seed}: no decoded image within 20 s ({type(error).__name__})")
            if await page.locator('[data-testid="stException"]').count():
                shown = await page.locator('[data-testid="stException"]').first.inner_text()
                errors.append(f"session {seed}: exception shown on the page: {shown[:300]}")
                break
            await page.wait_for_timeout(int(rng.uniform(300, 1200)))  # a person looks before clicking again
    except Exception as error:
        errors.append(f"session {seed}: {type(error).__name__}: {error}")
    finally:
        await context.close()


async def trainer(browser, url: str, seed: int, results: dict, errors: list, start_barrier: asyncio.Event):
    context = await browser.new_context(viewport={"width": 1300, "height": 950})
    page = await context.new_page()
    try:
        await page.goto(f"{url}/Train_live", timeout=180_000)
        await page.get_by_role("heading", name="Train live").wait_for(timeout=180_000)
        await page.get_by_label("Hidden layer widths").fill("64")
        await page.get_by_label("Seed").fill(str(seed))
        await page.locator('[data-testid="stSelectbox"]').filter(has_text="Training images").click()
        await page.get_by_role("option", name="5,000 (fast demo)").click()
        epochs = page.locator('[data-testid="stSlider"]').filter(has_text="Epochs").get_by_role("slider")
        await epochs.focus()
        await page.keyboard.press("Home")
        for _ in range(2):
            await page.keyboard.press("ArrowRight")
        READY.append(seed)
        await start_barrier.wait()
        requested = time.perf_counter()
        await page.get_by_role("button", name="Train").click()
        queued_seen = False
        while True:
            text = await page.locator('[data-testid="stMain"]').inner_text()
            queued_seen |= "position" in text and "queue" in text
            if "stored as" in text:
                results[seed] = {"seconds": time.perf_counter() - requested, "queued": queued_seen}
                break
            if "Training failed" in text or "diverged" in text:
                errors.append(f"training {seed} failed")
                break
            if time.perf_counter() - requested > 900:
                errors.append(f"training {seed} did not finish in 15 minutes")
                break
            await asyncio.sleep(0.5)
    except Exception as error:
        errors.append(f"training {seed}: {type(error).__name__}: {error}")
    finally:
        await context.close()


async def run(url: str, sessions: int, seconds: float, trainings: int):
    from playwright.async_api import async_playwright

    latencies: list[float] = []
    errors: list[str] = []
    results: dict = {}
    start = asyncio.Event()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        tasks = [asyncio.create_task(clicker(browser, url, seconds, i, latencies, errors, start)) for i in range(sessions)]
        tasks += [asyncio.create_task(trainer(browser, url, 100 + i, results, errors, start)) for i in range(trainings)]
        # The clock starts once every session has loaded its page (or after 5 minutes).
        deadline = time.perf_counter() + 300
        while len(READY) < len(tasks) and time.perf_counter() < deadline and not all(t.done() for t in tasks):
            await asyncio.sleep(0.5)
        print(f"{len(READY)}/{len(tasks)} sessions loaded; starting the clock", flush=True)
        start.set()
        await asyncio.gather(*tasks)
        await browser.close()
    return latencies, errors, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--trainings", type=int, default=3)
    args = parser.parse_args()
    store = tempfile.mkdtemp(prefix="load-store-")
    peak = [0]
    with app_server(env={"VAE_EXPLORER_STORE": store}, with_process=True) as (url, _, process):
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_bytes(process.pid))
                time.sleep(0.25)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        began = time.perf_counter()
        latencies, errors, results = asyncio.run(run(url, args.sessions, args.seconds, args.trainings))
        stop.set()
        elapsed = time.perf_counter() - began
    ms = sorted(1000 * v for v in latencies)
    print(
        f"{args.sessions} sessions clicking for {args.seconds:.0f} s, {args.trainings} trainings requested at once ({elapsed:.0f} s in all)"
    )
    print(f"clicks served: {len(ms)}; errors: {len(errors)}")
    if ms:
        print(
            f"click to decoded image: median {statistics.median(ms):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, max {ms[-1]:.0f} ms"
        )
    print(f"server peak RSS: {peak[0] / 2**30:.2f} GiB")
    for seed, result in sorted(results.items()):
        print(
            f"training seed {seed}: finished {result['seconds']:.0f} s after the request{' (waited in the queue)' if result['queued'] else ''}"
        )
    print(f"trainings completed: {len(results)}/{args.trainings}")
    for error in errors[:20]:
        print("error:", error)


if __name__ == "__main__":
    main()
