"""Concurrency fuzz: a class of sessions pressing random widgets of every page at once.

Each session is a Streamlit websocket client (``st_client.py``) that opens a random page
and then, for --seconds, does what a restless student might: presses a random button,
moves a slider, picks an option, types into a field, submits a form with random values,
clicks the latent canvas (pins, dragged ends, drawings, selections) or a chart, uploads a
file (a real picture, or junk), follows a timer, switches page (or reloads the tab, a new session),
and now and then presses
the same thing twice without waiting. One value in --forge of them is forged the way a
hand-made client could, at the app's own boundary: numbers out of range (and NaN or infinity
where the field takes decimals), text no option offers, canvas events with impossible
coordinates, rows or pixels, chart selections pointing at no point, files that are not
pictures. (Values that Streamlit itself refuses before a page runs, such as NaN in a
whole-number field or a chart selection that is not an object, are not sent: no app code
sees them.) Trainings run meanwhile (Train live's form and Step buttons are among the
widgets).

It reports what must never happen: the server exiting, tracebacks in the server's log,
exception boxes sent to a page, and runs the server did not finish within --timeout
seconds; and the server's memory (resident, with its children) over the measured
--seconds, which follow --warm-up seconds of the same fuzzing: the warm-up fills the
caches, loads the models and pays the one-time costs (it lasts until one UMAP projection
has been computed, since UMAP's import and compilation take about half a GB once per server
process), so that what grows after it is what a class keeps adding. Exits 1 if anything of the first
three showed.

    python -m benchmarks.fuzz [--sessions 20] [--seconds 120] [--warm-up 60] [--seed 0] [--forge
    0.15]

``--channel`` fuzzes the classroom's live channel instead (benchmarks/channel_abuse.py):
--sessions attackers send it everything a hand-made client could while a teacher pins and
real students join; it reports exits, tracebacks, memory and whether every real student got in.

    python -m benchmarks.fuzz --channel [--sessions 8] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import io
import json
import os
import random
import string
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.drivers.browser import app_server, rss_bytes
from tests.drivers.st_client import Run, StreamlitSession, WidgetState, plotly_values

PAGES = (
    "",
    "Train_live",
    "Latent_map",
    "Interpolate",
    "ELBO_vs_MMD",
    "Projections",
    "Beta_lambda",
    "Latent_arithmetic",
)
SKIPPED_TYPES = {"download_button", "link_button", "page_link"}
WIDGET_TYPES = {
    "button",
    "checkbox",
    "radio",
    "selectbox",
    "multiselect",
    "slider",
    "number_input",
    "text_input",
    "text_area",
    "button_group",
    "component_instance",
    "plotly_chart",
    "file_uploader",
}


@dataclass
class Findings:
    """What the sessions saw, added up."""

    actions: collections.Counter = field(default_factory=collections.Counter)
    runs: int = 0
    exception_boxes: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    client_errors: list[str] = field(default_factory=list)


def picture(rng: random.Random) -> tuple[str, bytes, str]:
    """An upload: a real small picture most of the time, junk otherwise."""
    from PIL import Image

    choice = rng.random()
    if choice < 0.5:
        image = Image.fromarray(_noise(rng), mode="L")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return "digit.png", buffer.getvalue(), "image/png"
    if choice < 0.8:
        return "broken.png", b"\x89PNG\r\n\x1a\n" + os.urandom(rng.randrange(10, 4000)), "image/png"
    return "notes.txt", b"not a picture at all", "text/plain"


def _noise(rng: random.Random):
    import numpy as np

    return np.random.default_rng(rng.randrange(2**31)).integers(0, 256, (28, 28), dtype=np.uint8)


def junk(rng: random.Random) -> str:
    """A string no widget offers."""
    alphabet = string.printable + "αβλ☃𝔘\u0000\u202e"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))


class Widgets:
    """The interactive elements a session's page shows now, by widget id."""

    def __init__(self):
        self.elements: dict[str, tuple[str, str, object]] = {}  # id -> (type, fragment id, element)
        self.timers: dict[str, float] = {}  # fragment id -> interval (run_every)

    def take(self, run: Run, full: bool) -> None:
        if full:
            self.elements, self.timers = {}, {}
        for _, fragment_id, element in run.elements:
            kind = element.WhichOneof("type")
            widget = getattr(element, kind)
            widget_id = getattr(widget, "id", "")
            if kind in WIDGET_TYPES and widget_id and not getattr(widget, "disabled", False):
                self.elements[widget_id] = (kind, fragment_id, element)
        for interval, fragment_id in run.auto_reruns:
            self.timers[fragment_id] = interval
        for fragment_id in run.stopped_reruns:
            self.timers.pop(fragment_id, None)


class Session:
    """One fuzzing session (see the module docstring)."""

    def __init__(
        self,
        url: str,
        rng: random.Random,
        findings: Findings,
        forge: float,
        timeout: float,
        name: str,
    ):
        self.url, self.rng, self.findings, self.forge, self.timeout, self.name = (
            url,
            rng,
            findings,
            forge,
            timeout,
            name,
        )
        self.client: StreamlitSession | None = None
        self.widgets = Widgets()
        self.page = ""

    async def open(self, page: str) -> None:
        if self.client is not None:
            await self.client.close()
        self.client, self.widgets, self.page = StreamlitSession(self.url), Widgets(), page
        await self.client.connect()
        self.see(await self.client.run_page(page, timeout=self.timeout), full=True)

    def see(self, run: Run, full: bool) -> None:
        """Take in a run, and every further run already waiting (a double press, a pushed run)."""
        runs = [run]
        while not self.client._runs.empty():
            extra = self.client._runs.get_nowait()
            if isinstance(extra, Exception):
                raise extra
            runs.append(extra)
        for each in runs:
            self.findings.runs += 1
            for box in each.exceptions():
                self.findings.exception_boxes.append(f"{self.name} on /{self.page}: {box[:300]}")
            self.widgets.take(each, full=full and each is runs[0])

    async def act(self) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.06 or not self.widgets.elements:
            page = rng.choice(PAGES)
            if (
                rng.random() < 0.25
            ):  # the tab reloaded: a new session (the old one lingers, as Streamlit keeps it)
                self.findings.actions["reload"] += 1
                await self.open(page)
            else:  # a page link or the sidebar: the same session
                self.findings.actions["open a page"] += 1
                self.page = page
                self.see(await self.client.run_page(page, timeout=self.timeout), full=True)
            return
        if roll < 0.12 and self.widgets.timers:
            fragment_id = rng.choice(list(self.widgets.timers))
            self.findings.actions["timer"] += 1
            await self.client.send_auto_rerun(fragment_id)
            self.see(await self.client.next_run(self.timeout), full=False)
            return
        widget_id = rng.choice(list(self.widgets.elements))
        kind, fragment_id, element = self.widgets.elements[widget_id]
        states = await self.states_for(widget_id, kind, element)
        if states is None:
            return
        self.findings.actions[kind] += 1
        await self.client.send_widgets(states, fragment_id)
        if rng.random() < 0.1:  # pressed again before the first press was answered
            self.findings.actions["twice"] += 1
            await self.client.send_widgets(states, fragment_id)
        self.see(await self.client.next_run(self.timeout), full=not fragment_id)

    async def states_for(self, widget_id: str, kind: str, element) -> list[WidgetState] | None:
        """The widget states a browser would send for this element, one value chosen (a form's
        submit button sends every field of its form)."""
        widget = getattr(element, kind)
        if kind == "button" and widget.is_form_submitter:
            fields = [
                (i, k, e)
                for i, (k, _, e) in self.widgets.elements.items()
                if k != "button" and getattr(getattr(e, k), "form_id", "") == widget.form_id
            ]
            states = [s for i, k, e in fields if (s := self.value(i, k, getattr(e, k))) is not None]
            return states + [WidgetState(id=widget_id, trigger_value=True)]
        if kind == "file_uploader":
            name, content, mime = picture(self.rng)
            return [await self.client.upload(widget_id, name, content, mime)]
        state = self.value(widget_id, kind, widget)
        return None if state is None else [state]

    def value(self, widget_id: str, kind: str, widget) -> WidgetState | None:
        rng, forged = self.rng, self.rng.random() < self.forge
        state = WidgetState(id=widget_id)
        if kind == "button":
            state.trigger_value = True
        elif kind == "checkbox":
            state.bool_value = rng.random() < 0.5
        elif kind in ("radio", "selectbox"):
            options = list(widget.options)
            state.string_value = junk(rng) if forged or not options else rng.choice(options)
        elif kind == "multiselect":
            options = list(widget.options)
            state.string_array_value.data.extend(
                [junk(rng)] if forged else rng.sample(options, rng.randrange(len(options) + 1))
            )
        elif kind == "button_group":
            options = [option.content for option in widget.options]
            state.string_array_value.data.extend(
                [junk(rng)] if forged or not options else [rng.choice(options)]
            )
        elif kind == "slider":
            self.slider(state, widget, forged)
        elif kind == "number_input":
            low = widget.min if widget.has_min else -1e6
            high = widget.max if widget.has_max else 1e6
            # INT: Streamlit itself refuses what is not a whole number
            whole = widget.data_type == 0
            wild = (
                [low - 1000, high + 1e6]
                if whole
                else [low - 1000, high * 1e6 + 1, float("nan"), float("inf")]
            )
            value = rng.choice(wild) if forged else rng.uniform(low, high)
            state.double_value = float(round(value)) if whole else value
        elif kind in ("text_input", "text_area"):
            state.string_value = (
                junk(rng)
                if forged
                else rng.choice(["32", "512,256", "400", "my model", "", "7,7,7"])
            )
        elif kind == "component_instance":
            state.json_value = self.canvas_event(widget, forged)
        elif kind == "plotly_chart":
            state.string_value = self.chart_selection(widget, forged)
        else:
            return None
        return state

    def slider(self, state: WidgetState, widget, forged: bool) -> None:
        rng, count = self.rng, max(1, len(widget.default))
        if widget.options:  # a select slider: its values are the options' labels
            state.string_array_value.data.extend(
                [junk(rng)] * count
                if forged
                else sorted(rng.choice(list(widget.options)) for _ in range(count))
            )
            return
        low, high = widget.min, widget.max
        values = [
            rng.choice([low - 10, high + 1e9]) if forged else rng.uniform(low, high)
            for _ in range(count)
        ]
        if widget.data_type in (0, 1):  # INT and FLOAT are numbers; round ints as the browser does
            values = [round(v) if widget.data_type == 0 and abs(v) < 1e15 else v for v in values]
        state.double_array_value.data.extend(sorted(values))

    def canvas_event(self, widget, forged: bool) -> str:
        rng = self.rng
        event_id = f"{self.name}-{rng.randrange(10**9)}"
        if forged:
            return rng.choice(
                [
                    json.dumps({"kind": "pin", "id": event_id, "z": ["a", None]}),
                    json.dumps({"kind": "pin", "id": event_id, "map": 7, "z": [1e308, -1e308]}),
                    json.dumps({"kind": "drawing", "id": event_id, "pixels": "not base64!"}),
                    json.dumps({"kind": "select", "id": event_id, "map": 1, "rows": [-5, 10**9]}),
                    json.dumps({"kind": "ends", "id": event_id, "a": [0], "b": "x"}),
                    json.dumps({"kind": rng.choice(["hack", "", None]), "id": event_id}),
                    json.dumps([1, 2, 3]),
                    json.dumps({"kind": "pin", "id": "x" * 200, "z": [0, 0]}),
                ]
            )
        args = json.loads(widget.json_args or "{}")
        maps = args.get("maps") or [{"extent": [-3, 3, -3, 3]}]
        index = rng.randrange(len(maps))
        x0, x1, y0, y1 = maps[index].get("extent") or [-3, 3, -3, 3]
        point = lambda: [rng.uniform(x0, x1), rng.uniform(y0, y1)]  # noqa: E731
        mode, choice = args.get("mode"), rng.random()
        if mode == "interpolate" and choice < 0.6:
            return json.dumps({"kind": "ends", "id": event_id, "a": point(), "b": point()})
        if mode == "compare" and choice < 0.6:
            rows = sorted(rng.sample(range(4000), rng.randrange(0, 300)))
            return json.dumps({"kind": "select", "id": event_id, "map": index, "rows": rows})
        if args.get("draw") and choice < 0.3:
            pixels = base64.b64encode(bytes(rng.randrange(256) for _ in range(784))).decode()
            return json.dumps({"kind": "drawing", "id": event_id, "pixels": pixels})
        return json.dumps({"kind": "pin", "id": event_id, "map": index, "z": point()})

    def chart_selection(self, widget, forged: bool) -> str:
        rng = self.rng
        if (
            forged
        ):  # well-formed (Streamlit parses the selection before the page runs), pointing nowhere
            point = {
                "curve_number": 99,
                "point_number": 10**9,
                "point_index": 10**9,
                "x": 1e300,
                "y": -1e300,
            }
            return json.dumps(
                {
                    "selection": {
                        "points": [point],
                        "point_indices": [10**9, -3],
                        "box": [],
                        "lasso": [],
                    }
                }
            )
        spec = json.loads(widget.spec or "{}")
        traces = [t for t in spec.get("data", []) if "x" in t and "y" in t]
        if not traces:
            return json.dumps(
                {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}}
            )
        curve = rng.randrange(len(traces))
        xs, ys = plotly_values(traces[curve]["x"]), plotly_values(traces[curve]["y"])
        if not len(xs):
            return json.dumps(
                {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}}
            )
        index = rng.randrange(len(xs))
        point = {
            "curve_number": curve,
            "point_number": index,
            "point_index": index,
            "x": _plain(xs[index]),
            "y": _plain(ys[index]),
        }
        return json.dumps(
            {"selection": {"points": [point], "point_indices": [index], "box": [], "lasso": []}}
        )

    async def live(self, deadline: dict) -> None:
        """Act until deadline["at"] (set once the warm-up is over); a session whose stream broke
        or stalled starts afresh."""
        await self.open(self.rng.choice(PAGES))
        while time.monotonic() < deadline["at"]:
            try:
                await self.act()
            except (TimeoutError, asyncio.TimeoutError):
                self.findings.timeouts.append(
                    f"{self.name} on /{self.page}: no answer within {self.timeout:g} s"
                )
                await self.open(self.page)
            except (
                Exception
            ) as error:  # a broken socket, a refused upload: note it and start afresh
                self.findings.client_errors.append(
                    f"{self.name} on /{self.page}: {type(error).__name__}: {error}"[:300]
                )
                await self.open(self.rng.choice(PAGES))
            await asyncio.sleep(self.rng.uniform(0.05, 0.6))  # a person looks, a little
        await self.client.close()


def _plain(value):
    value = value.item() if hasattr(value, "item") else value
    return value if isinstance(value, (int, float, str)) else str(value)


def tracebacks(log_text: str) -> list[str]:
    """The tracebacks in a server log, each as its last line (the exception)."""
    found, lines = [], log_text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            tail = next(
                (
                    lines[j]
                    for j in range(index + 1, min(len(lines), index + 200))
                    if lines[j] and not lines[j].startswith((" ", "Traceback"))
                ),
                "?",
            )
            found.append(tail[:300])
    return found


@dataclass
class Report:
    sessions: int
    seconds: float  # measured, after the warm-up
    warm_up: float  # how long the warm-up lasted
    findings: Findings
    server_exit: int | None
    tracebacks: list[str]
    memory: list[
        tuple[float, int]
    ]  # (seconds since the start, resident bytes of the server and its children)

    @property
    def clean(self) -> bool:
        f = self.findings
        return self.server_exit is None and not self.tracebacks and not f.exception_boxes

    def rss_at(self, fraction: float) -> int:
        """The server's memory at a fraction of the measured run (the last sample before it)."""
        moment = self.warm_up + fraction * self.seconds
        return max(((t, rss) for t, rss in self.memory if t <= moment), default=self.memory[0])[1]

    @property
    def growth(self) -> int:
        """Memory growth over the measured run (after the warm-up)."""
        return self.rss_at(1.0) - self.rss_at(0.0)

    def lines(self) -> list[str]:
        f = self.findings
        timeline = ", ".join(f"{self.rss_at(q) / 2**20:.0f}" for q in (0.0, 0.25, 0.5, 0.75, 1.0))
        out = [
            f"{self.sessions} sessions for {self.seconds:.0f} s after a {self.warm_up:.0f} s "
            f"warm-up: {sum(f.actions.values())} "
            f"actions, {f.runs} runs",
            "  actions: " + ", ".join(f"{name} {count}" for name, count in f.actions.most_common()),
            f"  server exits: {0 if self.server_exit is None else 1}"
            + ("" if self.server_exit is None else f" (exit code {self.server_exit})"),
            f"  tracebacks in the server log: {len(self.tracebacks)}",
            f"  exception boxes sent to pages: {len(f.exception_boxes)}",
            f"  runs not finished within the timeout: {len(f.timeouts)}; client errors: "
            f"{len(f.client_errors)}",
            f"  server memory (MiB) at the start {self.memory[0][1] / 2**20:.0f}; at 0, 25, 50, 75 "
            "and 100 % of the measured "
            f"run: {timeline}; peak {max(rss for _, rss in self.memory) / 2**20:.0f}; growth over "
            "the measured run "
            f"{self.growth / 2**20:+.0f} MiB",
        ]
        for title, items in (
            ("traceback", self.tracebacks),
            ("exception box", f.exception_boxes),
            ("timeout", f.timeouts),
            ("client error", f.client_errors),
        ):
            for item, count in collections.Counter(items).most_common(8):
                out.append(f"  {title} ({count}x): {item}")
        return out


async def warm_umap(url: str, timeout: float = 600.0) -> None:
    """Pay UMAP's one-time cost (importing it and compiling its numba code: about half a GB
    and most of a minute, once per server process) before the measured run: open
    Projections, choose UMAP and compute one."""
    client = StreamlitSession(url)
    await client.connect()
    try:
        run = await client.run_page("Projections", timeout=timeout)
        method = WidgetState(id=run.widget_id("Method"), string_value="UMAP")
        run = await client.set_widgets([method], timeout=timeout)
        compute = next(
            (
                e.button.id
                for _, _, e in run.elements
                if e.WhichOneof("type") == "button" and e.button.label.startswith("Compute")
            ),
            None,
        )
        if compute is None:
            raise RuntimeError(
                "the warm-up found no Compute button for UMAP on Projections (a cache that is not "
                "fresh?)"
            )
        await client.set_widgets(
            [method, WidgetState(id=compute, trigger_value=True)], timeout=timeout
        )
    finally:
        await client.close()


async def _fuzz(
    url: str,
    sessions: int,
    seconds: float,
    warm_up: float,
    seed: int,
    forge: float,
    timeout: float,
    findings: Findings,
    started: float,
) -> float:
    """Fuzz for the warm-up (at least ``warm_up`` seconds, and until UMAP is compiled), then
    for ``seconds`` more; the moment the measured run began (seconds since ``started``)."""
    deadline = {"at": float("inf")}
    crowd = [
        Session(url, random.Random(seed * 1000 + i), findings, forge, timeout, f"s{i}")
        for i in range(sessions)
    ]
    measured = {}

    async def warm() -> None:
        if warm_up > 0:
            await warm_umap(url)
        await asyncio.sleep(max(0.0, started + warm_up - time.monotonic()))
        measured["from"] = time.monotonic()
        deadline["at"] = measured["from"] + seconds

    await asyncio.gather(warm(), *(session.live(deadline) for session in crowd))
    return measured["from"] - started


def fuzz(
    sessions: int = 20,
    seconds: float = 120.0,
    seed: int = 0,
    forge: float = 0.15,
    timeout: float = 60.0,
    env: dict | None = None,
    warm_up: float = 60.0,
) -> Report:
    """Run the fuzz against a fresh server (its own store and caches) and report."""
    scratch = Path(tempfile.mkdtemp(prefix="fuzz-"))
    log = scratch / "server.log"
    server_env = {
        "VAE_EXPLORER_STORE": str(scratch / "store"),
        "VAE_EXPLORER_CACHE": str(scratch / "cache"),
        **(env or {}),
    }
    findings = Findings()
    with app_server(env=server_env, with_process=True, log=log) as (url, _, process):
        memory, started, done = [], time.monotonic(), threading.Event()

        def sample() -> None:
            while not done.wait(1.0 if memory else 0.0):
                memory.append((time.monotonic() - started, rss_bytes(process.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        measured_from = asyncio.run(
            _fuzz(url, sessions, seconds, warm_up, seed, forge, timeout, findings, started)
        )
        done.set()
        sampler.join()
        memory.append((time.monotonic() - started, rss_bytes(process.pid)))
        exit_code = process.poll()
    found = tracebacks(log.read_text(errors="replace")) if log.exists() else []
    return Report(sessions, seconds, measured_from, findings, exit_code, found, memory)


def fuzz_channel(sessions: int, seconds: float, seed: int) -> tuple[bool, list[str]]:
    """The channel mode: a fresh server whose rooms live in a redis-server started here (so
    that this process opens the room and holds its token); (clean, report lines)."""
    from benchmarks.channel_abuse import abuse
    from explorer.classroom.redis_rooms import RedisRooms
    from tests.drivers.browser import redis_server

    scratch = Path(tempfile.mkdtemp(prefix="fuzz-channel-"))
    log, memory = scratch / "server.log", []
    with redis_server(scratch) as (redis_url, _):
        env = {"VAE_EXPLORER_STORE": str(scratch / "store"), "VAE_EXPLORER_REDIS_URL": redis_url}
        with app_server(env=env, with_process=True, log=log) as (url, _, process):
            rooms = RedisRooms(redis_url)
            code, token = rooms.open()
            done = threading.Event()

            def sample() -> None:
                while not done.wait(0.0 if not memory else 0.5):
                    memory.append(rss_bytes(process.pid))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            base = url.replace("http", "ws") + "/api/rooms/"
            findings = asyncio.run(abuse(base, code, token, seconds, sessions, seed))
            done.set()
            sampler.join()
            present, exit_code = rooms.present(code), process.poll()
            rooms.stop()
    found = tracebacks(log.read_text(errors="replace"))
    clean = exit_code is None and not found and not findings.refused_joins and findings.joins
    lines = [
        f"the room channel, {sessions} attackers for {seconds:.0f} s beside a teacher and real "
        "students",
        f"  server exits: {0 if exit_code is None else 1}",
        f"  tracebacks in the server log: {len(found)}",
        *findings.lines(),
        f"  members counted after the flood: {present} (connections still open: none)",
        f"  server memory (MiB): start {memory[0] / 2**20:.0f}, peak {max(memory) / 2**20:.0f}, "
        f"end {memory[-1] / 2**20:.0f}",
    ]
    lines += [f"  traceback: {t}" for t in found[:8]]
    lines += [f"  refused join: {r}" for r in findings.refused_joins[:8]]
    return bool(clean), lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument(
        "--seconds", type=float, default=120.0, help="the measured run, after the warm-up"
    )
    parser.add_argument(
        "--warm-up", type=float, default=60.0, help="seconds of fuzzing before the measured run"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--forge",
        type=float,
        default=0.15,
        help="share of values forged as a hand-made client could",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds a run may take before it counts as stalled",
    )
    parser.add_argument(
        "--channel", action="store_true", help="fuzz the classroom's live channel instead"
    )
    args = parser.parse_args()
    print(
        f"conditions: {os.cpu_count()} cores; sessions and server on the same machine; seed "
        f"{args.seed}",
        flush=True,
    )
    if args.channel:
        clean, lines = fuzz_channel(args.sessions, args.seconds, args.seed)
        print("\n".join(lines))
        sys.exit(0 if clean else 1)
    report = fuzz(
        args.sessions, args.seconds, args.seed, args.forge, args.timeout, warm_up=args.warm_up
    )
    print("\n".join(report.lines()))
    sys.exit(0 if report.clean else 1)


if __name__ == "__main__":
    main()
