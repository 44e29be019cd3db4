"""A teacher and a room of students on one app server, spoken to over Streamlit's own
websocket protocol (benchmarks/st_client.py), as their browsers would.

The teacher opens a room on the Latent map; every student opens the Home page, joins with
the code and, following the teacher, is switched to the Latent map. Once every student's
page has settled (one quiet poll after joining), the teacher pins a new point every
``--every`` seconds (a canvas click) for ``--seconds``. Each session runs its fragments'
timers the way the browser does (the teacher's broadcast, each student's fallback poll),
and each student takes every run the server sends, asked for or pushed. For every pin and
every student the benchmark records the time from the teacher's click to the run that
shows the student the same point; the teacher's own click-to-image time is recorded too.
The first pin is reported apart (each follower's first decoding still warms its own
caches). A student who misses a pin counts as an error. Printed: median, 95th percentile
and worst, and the server's peak memory and CPU.

    python benchmarks/classroom.py [--students 30] [--seconds 60] [--every 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from st_client import Run, StreamlitSession, WidgetState, canvas_pin  # noqa: E402

from tests.browser import app_server, rss_bytes  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pinned(run: Run) -> str | None:
    """The pinned point a Latent map run shows, as its z = (x, y) text."""
    for text in run.markdown():
        found = re.search(r"z = \((-?\d+\.\d{3}), (-?\d+\.\d{3})\)", text)
        if found:
            return found.group(0)
    return None


def timer(run: Run, previous):
    """The newest run_every timer a run asked for (interval, fragment id)."""
    return run.auto_reruns[-1] if run.auto_reruns else previous


class Room:
    """What the teacher did, for the students to be checked against."""

    def __init__(self):
        self.code: str | None = None
        self.pins: list[tuple[str, float]] = []  # (z text, time of the click)
        self.switches: list[tuple[str, float]] = []  # (page title, time of the click)
        self.ready = asyncio.Event()
        self.done = False


PAGE_CYCLE = (("Interpolate", "Interpolate"), ("ELBO_vs_MMD", "ELBO vs MMD"), ("Latent_map", "Latent map"))


def titles(run: Run) -> list[str]:
    """The page titles (``st.title``) a run shows."""
    return [element.heading.body for element in run.of_type("heading")]


async def tick_until(session: StreamlitSession, broadcast, next_tick: float, until: float) -> float:
    """Run the broadcast fragment's timer, as the browser does, until ``until``; the next tick's time."""
    while time.perf_counter() < until:
        next_tick += broadcast[0]
        await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))
        await session.auto_rerun(broadcast[1])
    return next_tick


async def teacher(url: str, room: Room, students_joined: asyncio.Event, args, own: dict) -> None:
    session = StreamlitSession(url)
    await session.connect()
    try:
        run = await session.run_page("Latent_map")
        run = await session.set_widgets([WidgetState(id=run.widget_id("Open a room (teacher)"), trigger_value=True)])
        room.code = re.search(r"Room \*\*([A-Z2-9]{5})\*\*", "\n".join(run.markdown())).group(1)
        broadcast = timer(run, None)
        room.ready.set()
        await students_joined.wait()
        rng = np.random.default_rng(0)
        stop_at = time.perf_counter() + args.seconds
        next_tick = time.perf_counter()
        while time.perf_counter() < stop_at:
            widget_id, fragment_id, _ = run.component("map_canvas")
            x, y = rng.uniform(-2.5, 2.5, 2)
            clicked = time.perf_counter()
            event = WidgetState(id=widget_id, json_value=canvas_pin(f"t{len(room.pins)}", x, y))
            answer = await session.set_widgets([event], fragment_id)
            own["pins"].append(time.perf_counter() - clicked)
            room.pins.append((pinned(answer), clicked))
            next_tick = await tick_until(session, broadcast, next_tick, clicked + args.every)
        for switch in range(args.page_switches):  # then a walk through the pages
            path, title = PAGE_CYCLE[switch % len(PAGE_CYCLE)]
            clicked = time.perf_counter()
            run = await session.run_page(path)
            own["pages"].append(time.perf_counter() - clicked)
            room.switches.append((title, clicked))
            broadcast = timer(run, broadcast)
            next_tick = await tick_until(session, broadcast, time.perf_counter(), clicked + args.every)
    finally:
        room.done = True
        await session.close()


async def student(url: str, room: Room, joined: list, latencies: dict, errors: list, index: int) -> None:
    """Join, follow, and record when each of the teacher's points and pages reached this student."""
    session = StreamlitSession(url)
    await session.connect()
    try:
        await room.ready.wait()
        run = await session.run_page("")
        run = await session.set_widgets([WidgetState(id=run.widget_id("Join a room"), string_value=room.code),
                                         WidgetState(id=run.widget_id("Join"), trigger_value=True)])  # fmt: skip
        follower = timer(run, None)
        seen: dict[str, float] = {}
        pages: list[tuple[str, float]] = []  # (title, when a run showed it)
        settled = polled = False
        next_poll = time.perf_counter() + follower[0]
        while not room.done:
            try:  # a run the server pushes when the teacher moves, or the answer to a poll
                run = await session.next_run(timeout=max(0.0, next_poll - time.perf_counter()))
            except TimeoutError:  # the follower's timer, as the browser runs it
                await session.send_auto_rerun(follower[1])
                next_poll, polled = next_poll + follower[0], True
                continue
            if polled and not settled:  # a poll answered: on the teacher's page, nothing left to catch up on
                settled = True
                joined.append(index)
            follower = timer(run, follower)
            shown = pinned(run)
            if shown is not None and shown not in seen:
                seen[shown] = time.perf_counter()
            pages += [(title, time.perf_counter()) for title in titles(run)]
        for pin, (z, clicked) in enumerate(room.pins):
            if z in seen and seen[z] >= clicked:
                latencies.setdefault(pin, []).append(seen[z] - clicked)
            else:
                errors.append(f"student {index} never saw the teacher's point {z}")
        for switch, (title, clicked) in enumerate(room.switches):
            shown = [at for page, at in pages if page == title and at >= clicked]
            if shown:
                latencies.setdefault(("page", switch), []).append(shown[0] - clicked)
            else:
                errors.append(f"student {index} never followed the teacher to {title}")
    except Exception as error:  # anything else is an error the benchmark reports
        errors.append(f"student {index}: {type(error).__name__}: {error}")
    finally:
        await session.close()


async def classroom(url: str, args) -> dict:
    room, joined, latencies, errors, own = Room(), [], {}, [], {"pins": [], "pages": []}
    everyone_in = asyncio.Event()

    async def watch_joins() -> None:
        while len(joined) < args.students:
            await asyncio.sleep(0.05)
        everyone_in.set()

    tasks = [asyncio.create_task(student(url, room, joined, latencies, errors, i)) for i in range(args.students)]
    tasks += [asyncio.create_task(watch_joins()), asyncio.create_task(teacher(url, room, everyone_in, args, own))]
    await asyncio.gather(*tasks)
    return {"latencies": latencies, "errors": errors, "pins": len(room.pins), "switches": len(room.switches), "own": own}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=4.0, help="seconds between the teacher's pins (and page switches)")
    parser.add_argument("--page-switches", type=int, default=6, help="pages the teacher opens after the pins, in turn: "
                        "Interpolate, ELBO vs MMD, Latent map")  # fmt: skip
    args = parser.parse_args()
    peak, busy = [0], [0.0]
    store = tempfile.mkdtemp(prefix="classroom-store-")
    with app_server({"VAE_EXPLORER_STORE": store}, with_process=True) as (url, _, process):
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(0.5):
                peak[0] = max(peak[0], rss_bytes(process.pid))

        threading.Thread(target=watch, daemon=True).start()
        started, cpu, own_cpu = time.perf_counter(), cpu_seconds(process.pid), time.process_time()
        figures = asyncio.run(classroom(url, args))
        elapsed = time.perf_counter() - started
        busy[0] = (cpu_seconds(process.pid) - cpu) / elapsed
        figures["client_cpu"] = (time.process_time() - own_cpu) / elapsed
        stop.set()
    sys.exit(report(figures, args, peak[0], busy[0]))


def report(figures: dict, args, peak: int, busy: float) -> int:
    """Print the figures; the exit status (1 when a student missed a pin or a page)."""
    first = sorted(1000 * v for v in figures["latencies"].get(0, []))
    latencies = figures["latencies"]
    ms = sorted(1000 * v for pin, values in latencies.items() if isinstance(pin, int) and pin > 0 for v in values)
    own = sorted(1000 * v for v in figures["own"]["pins"][1:])
    visits = [(key[1], 1000 * v) for key, values in latencies.items() if isinstance(key, tuple) for v in values]
    first_visits = sorted(v for switch, v in visits if switch < len(PAGE_CYCLE))
    pages = sorted(v for switch, v in visits if switch >= len(PAGE_CYCLE))
    own_pages = sorted(1000 * v for v in figures["own"]["pages"][len(PAGE_CYCLE):])
    print(f"{args.students} students following a teacher who pins a point every {args.every:g} s for {args.seconds:g} s "
          f"({os.cpu_count()} cores)")  # fmt: skip
    if first:
        print(f"  first pin (every follower's first decoding): every student saw it within {first[-1]:.0f} ms "
              f"(teacher's own click {1000 * figures['own']['pins'][0]:.0f} ms)")  # fmt: skip
    if ms:
        print(f"  later pins, teacher's click -> student sees it: median {statistics.median(ms):.0f} ms, "
              f"p95 {ms[int(0.95 * (len(ms) - 1))]:.0f} ms, worst {ms[-1]:.0f} ms over {len(ms)} (pin, student) pairs")  # fmt: skip
    if own:
        print(f"  later pins, teacher's own click -> decoded point: median {statistics.median(own):.0f} ms, worst {own[-1]:.0f} ms")
    if first_visits:
        first_own = ", ".join(f"{1000 * v:.0f}" for v in figures["own"]["pages"][: len(PAGE_CYCLE)])
        print(f"  first visit of each page (the server's first run of it): every student there within {first_visits[-1]:.0f} ms "
              f"(teacher's own pages: {first_own} ms)")  # fmt: skip
    if pages:
        print(f"  later page switches, teacher's click -> student's run shows the page: median {statistics.median(pages):.0f} ms, "
              f"p95 {pages[int(0.95 * (len(pages) - 1))]:.0f} ms, worst {pages[-1]:.0f} ms over {len(pages)} (switch, student) "
              f"pairs (teacher's own page: median {statistics.median(own_pages):.0f} ms)")  # fmt: skip
    print(f"  pins: {figures['pins']}; followed: {len(ms) + len(first)}; page switches: {figures['switches']}; followed: "
          f"{len(visits)}; errors: {len(figures['errors'])}")  # fmt: skip
    for error in figures["errors"][:5]:
        print(f"    {error}")
    print(f"  server peak resident memory: {peak / 2**30:.2f} GiB; CPU over the run: server {busy:.0%} of one core, "
          f"this load generator {figures['client_cpu']:.0%}")  # fmt: skip
    return 1 if figures["errors"] or not ms else 0


if __name__ == "__main__":
    main()
