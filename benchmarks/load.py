"""A classroom's worth of load on one server: N sessions clicking the latent map while
three trainings are requested at once.

Each session is a Streamlit websocket client (``st_client.py``): it opens the Latent
map the way a browser tab does, then clicks random positions of the map (the canvas's
pin event) for --seconds, waiting 0.3-1.2 s between clicks like a person looking at the
result. A click counts as served when the fragment rerun reports the pinned point's
coordinates and the server's images (the pinned point and its nearest test images) have
been fetched over HTTP; its latency runs from sending the click to the last byte. (The
browser shows the decoded image itself at once; this measures what only the server adds.) Three more
sessions submit three different trainings
(the default MLP VAE, 10 epochs on 20,000 images) on the Train live page at the same moment and
follow their progress as the
page's one-second timer does. The load generator runs in this process, so on a small
machine it shares the cores with the server (as a class's laptops would not).

Prints how long the sessions' first view of the map took, clicks served, errors,
click-to-image median and p95, the server's peak resident memory, and how the trainings
were queued and finished; with --baseline, first the same figures for a server on
Streamlit's default runner setting (a forced full garbage collection after every run),
which the app's config turns off. Exits 1 on any error.

    python -m benchmarks.load [--sessions 20] [--seconds 60] [--trainings 3] [--baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time

import numpy as np

from tests.drivers.browser import app_server, rss_bytes
from tests.drivers.st_client import StreamlitSession, WidgetState, canvas_pin

CLICK_TIMEOUT = 20.0  # seconds; a click not answered by then is an error
TRAINING_TIMEOUT = 900.0
BASELINE_FLAGS = ("--runner.postScriptGC", "true")


class Clock:
    """Holds every session until all have loaded their page, then starts them together."""

    def __init__(self, expected: int):
        self.expected, self.ready, self.started = expected, 0, asyncio.Event()

    def arrive(self) -> None:
        self.ready += 1


def click_problem(run, images: list, x: float, y: float) -> str | None:
    """What went wrong with a click's run (an exception box, no decoded image), or None."""
    if run.exceptions():
        return f"exception shown on the page: {run.exceptions()[0][:300]}"
    expected = f"**z = ({x:.3f}, {y:.3f})**"
    if not images or not any(text.startswith(expected) for text in run.markdown()):
        return f"the click at ({x:.3f}, {y:.3f}) did not show its decoded image"
    return None


async def clicker(
    url: str, seconds: float, seed: int, latencies: list, loads: list, errors: list, clock: Clock
) -> None:
    rng = np.random.default_rng(seed)
    session = StreamlitSession(url)
    try:
        await session.connect()
        opened = time.perf_counter()
        run = await session.run_page("Latent_map")
        loads.append(time.perf_counter() - opened)
        if run.exceptions() or run.component("map_canvas") is None:
            errors.append(f"session {seed}: the latent map did not load {run.exceptions()}")
            return
        widget_id, fragment_id, args = run.component("map_canvas")
        x_min, x_max, y_min, y_max = args["maps"][0]["extent"]
        clock.arrive()
        await clock.started.wait()
        deadline = time.perf_counter() + seconds
        clicks = 0
        while time.perf_counter() < deadline:
            clicks += 1
            x, y = float(rng.uniform(x_min, x_max)), float(rng.uniform(y_min, y_max))
            begin = time.perf_counter()
            try:
                event = WidgetState(
                    id=widget_id, json_value=canvas_pin(f"load-{seed}-{clicks}", x, y)
                )
                run = await session.set_widgets([event], fragment_id, timeout=CLICK_TIMEOUT)
                images = run.image_urls()
                for image in images:
                    await session.fetch(image)  # as the <img> tags load them
            except (TimeoutError, asyncio.TimeoutError):
                errors.append(f"session {seed}: no answer to a click within {CLICK_TIMEOUT:.0f} s")
                return  # the session's stream is out of step now; a person would reload
            elapsed = time.perf_counter() - begin
            problem = click_problem(run, images, x, y)
            if problem:
                errors.append(f"session {seed}: {problem}")
            else:
                latencies.append(elapsed)
            component = run.component("map_canvas")
            if component is not None:
                widget_id, fragment_id, _ = component
            await asyncio.sleep(rng.uniform(0.3, 1.2))  # a person looks before clicking again
    except Exception as error:  # anything else is an error the benchmark reports
        errors.append(f"session {seed}: {type(error).__name__}: {error}")
    finally:
        await session.close()


async def trainer(
    url: str, seed: int, epochs: int, images: str, results: dict, errors: list, clock: Clock
) -> None:
    """Ask for the default MLP VAE and follow its training to the end."""
    session = StreamlitSession(url)
    try:
        await session.connect()
        form = await session.run_page("Train_live")
        widgets = [
            WidgetState(id=form.widget_id("Seed"), double_value=seed),
            WidgetState(id=form.widget_id("Training images"), string_value=images),
            WidgetState(id=form.widget_id("Epochs"), double_array_value={"data": [epochs]}),
            WidgetState(id=form.widget_id("Train"), trigger_value=True),
        ]
        clock.arrive()
        await clock.started.wait()
        requested = time.perf_counter()
        run = await session.set_widgets(widgets, timeout=120)
        queued = False
        # (interval, fragment id) of the page's progress timer, which the frontend keeps running
        timer = None
        while True:
            alerts = run.alerts()
            queued |= any("Waiting for a free trainer" in text for text in alerts)
            if any("stored as" in text for text in alerts):
                results[seed] = {"seconds": time.perf_counter() - requested, "queued": queued}
                return
            if run.exceptions() or any(
                word in text for text in alerts for word in ("failed", "diverged", "Cannot train")
            ):
                errors.append(f"training {seed}: {(run.exceptions() or alerts)[0][:300]}")
                return
            timer = run.auto_reruns[-1] if run.auto_reruns else timer
            if timer is None or timer[1] in run.stopped_reruns:
                errors.append(
                    f"training {seed}: the page stopped following the training before it finished"
                )
                return
            if time.perf_counter() - requested > TRAINING_TIMEOUT:
                errors.append(
                    f"training {seed} did not finish in {TRAINING_TIMEOUT / 60:.0f} minutes"
                )
                return
            await asyncio.sleep(timer[0])
            run = await session.auto_rerun(timer[1], timeout=120)
    except Exception as error:
        errors.append(f"training {seed}: {type(error).__name__}: {error}")
    finally:
        await session.close()


async def run(url: str, sessions: int, seconds: float, trainings: int, epochs: int, images: str):
    latencies: list[float] = []
    loads: list[float] = []  # seconds for each session's first view of the map, all opened at once
    errors: list[str] = []
    results: dict = {}
    clock = Clock(sessions + trainings)
    tasks = [
        asyncio.create_task(clicker(url, seconds, i, latencies, loads, errors, clock))
        for i in range(sessions)
    ]
    tasks += [
        asyncio.create_task(trainer(url, 100 + i, epochs, images, results, errors, clock))
        for i in range(trainings)
    ]
    # The clock starts once every session has loaded its page (or after 5 minutes).
    load_deadline = time.perf_counter() + 300
    while (
        clock.ready < clock.expected
        and time.perf_counter() < load_deadline
        and not all(t.done() for t in tasks)
    ):
        await asyncio.sleep(0.2)
    print(
        f"{clock.ready}/{clock.expected} sessions loaded their page; starting the clock", flush=True
    )
    clock.started.set()
    await asyncio.gather(*tasks)
    return latencies, loads, errors, results


def conditions(args) -> str:
    """What the figures depend on: the machine, the caches, how trainings run."""
    try:
        flags = open("/proc/cpuinfo", encoding="ascii", errors="replace").read()
    except OSError:
        flags = ""
    bf16 = (
        "native bfloat16"
        if ("avx512_bf16" in flags or "amx_bf16" in flags)
        else "no native bfloat16 (float32 trainings)"
    )
    cache = "an empty app cache" if args.empty_cache else "the user's app cache"
    return (
        f"{os.cpu_count()} cores, {bf16}; {cache}; trainings at nice {args.training_nice}; the "
        "load generator "
        "on the same cores"
    )


def measure(args, flags: tuple[str, ...] = ()) -> dict:
    """One load run against a fresh server (started with extra ``flags``) and its figures."""
    store = tempfile.mkdtemp(prefix="load-store-")
    env = {"VAE_EXPLORER_STORE": store, "VAE_EXPLORER_TRAINING_NICE": str(args.training_nice)}
    if args.empty_cache:
        env["VAE_EXPLORER_CACHE"] = tempfile.mkdtemp(prefix="load-cache-")
    peak = [0]
    with app_server(env=env, with_process=True, flags=flags) as (url, _, process):
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], rss_bytes(process.pid))
                time.sleep(0.25)

        threading.Thread(target=watch, daemon=True).start()
        began = time.perf_counter()
        latencies, loads, errors, results = asyncio.run(
            run(
                url,
                args.sessions,
                args.seconds,
                args.trainings,
                args.training_epochs,
                args.training_images,
            )
        )
        stop.set()
    return {
        "ms": sorted(1000 * v for v in latencies),
        "loads": sorted(loads),
        "errors": errors,
        "trainings": results,
        "peak": peak[0],
        "elapsed": time.perf_counter() - began,
    }


def report(title: str, figures: dict, trainings: int) -> None:
    ms = figures["ms"]
    print(f"{title}:")
    if figures["loads"]:
        loads = figures["loads"]
        print(
            f"  first view of the map, {len(loads)} sessions opened at once: median "
            f"{statistics.median(loads):.1f} s, max {loads[-1]:.1f} s"
        )
    print(f"  clicks served: {len(ms)}; errors: {len(figures['errors'])}")
    if ms:
        print(
            f"  click to decoded image: median {statistics.median(ms):.0f} ms, "
            f"p95 {np.percentile(ms, 95):.0f} ms, max {ms[-1]:.0f} ms"
        )
    print(f"  server peak RSS: {figures['peak'] / 2**30:.2f} GiB")
    for seed, result in sorted(figures["trainings"].items()):
        queued = " (waited in the queue)" if result["queued"] else ""
        print(
            f"  training seed {seed}: finished {result['seconds']:.0f} s after the request{queued}"
        )
    print(
        f"  trainings completed: {len(figures['trainings'])}/{trainings} ({figures['elapsed']:.0f} "
        "s in all)"
    )
    for error in figures["errors"][:20]:
        print("  error:", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--trainings", type=int, default=3)
    parser.add_argument(
        "--training-epochs", type=int, default=10, help="epochs of each requested training"
    )
    parser.add_argument(
        "--training-images",
        default="20,000",
        choices=["5,000 (fast demo)", "20,000", "all 60,000"],
        help="the Train live page's training-set choice",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="first run the same load against a server with Streamlit's default runner setting "
        "(a full garbage collection after every run), for comparison",
    )
    parser.add_argument(
        "--training-nice",
        type=int,
        default=10,
        help="how much lower trainings run (0: the server's priority)",
    )
    parser.add_argument(
        "--empty-cache", action="store_true", help="start the server with an empty app cache"
    )
    args = parser.parse_args()
    print(
        f"{args.sessions} sessions clicking the latent map for {args.seconds:.0f} s; "
        f"{args.trainings} trainings "
        f"({args.training_epochs} epochs on {args.training_images} images) requested at once",
        flush=True,
    )
    print(f"conditions: {conditions(args)}", flush=True)
    if args.baseline:
        report(
            "Streamlit's default runner (runner.postScriptGC = true)",
            measure(args, BASELINE_FLAGS),
            args.trainings,
        )
    figures = measure(args)
    report("the app as configured (.streamlit/config.toml)", figures, args.trainings)
    sys.exit(1 if figures["errors"] or len(figures["trainings"]) < args.trainings else 0)


if __name__ == "__main__":
    main()
