"""A lecture drill: the faults that would end a real class, one after another, with a class in
the room.

Two app replicas behind the shipped nginx recipe (docs/deploy/nginx.conf), their rooms in a
redis-server started here without persistence (a restart forgets every key). A teacher and
five students in chromium, and --ws-students more as plain websocket connections to the room
channel (what a student's canvas holds), all through nginx. Each fault is made while the room
runs: Redis restarted (empty), the teacher's replica restarted, the other replica restarted,
the teacher's page reloaded, a student's page reloaded. During each one the teacher pins a new
point (while Redis or a replica is away; as soon as a reloaded page can); the drill times, from
the moment the fault was repaired, how long until every student shows the teacher's newest
point on a live channel again, and counts the teacher's moves that never reached everyone,
the exception boxes on any page and the tracebacks in any server log.

Goal: every student following again within 5 s of each fault's repair, no move lost, the
teacher in control throughout (the drill's next pin reaches everyone within 5 s of its click),
no exception box, no traceback.

    python -m benchmarks.lecture_drill [--rounds 2] [--ws-students 25]

LECTURE_DRILL_VERBOSE=1 names the students still late each second past the goal; when the drill
stops on an error it leaves a screenshot of every page in its scratch folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.classroom import Student
from benchmarks.fuzz import tracebacks
from tests.drivers.browser import app_server, browser, canvas, free_port, map_box, redis_server
from tests.drivers.classroom import ROOT_SELECTOR, open_room
from tests.drivers.proxy import nginx, proxy_config, wait_for

VERBOSE = bool(os.environ.get("LECTURE_DRILL_VERBOSE"))  # name the late students each second
GOAL_SECONDS = 5.0  # every student follows again this soon after a fault began
GIVE_UP_SECONDS = 60.0  # a student not following after this counts as lost for the fault
BROWSER_STUDENTS = 5
SPOTS = [(0.3, 0.3), (0.7, 0.6), (0.4, 0.75), (0.65, 0.25), (0.5, 0.5), (0.25, 0.6)]


class Restartable:
    """A server started and stopped by the drill (an ExitStack around its context manager)."""

    def __init__(self, start):
        self._start, self._stack, self.value, self.starts = start, None, None, 0

    def up(self):
        self._stack = contextlib.ExitStack()
        self.starts += 1
        self.value = self._stack.enter_context(self._start(self.starts))
        return self.value

    def down(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None


@dataclass
class Outcome:
    fault: str
    lasted: float  # seconds from the fault's start until its repair (a restart, a reload)
    followed_after: float | None  # seconds from the repair until every student followed
    slowest: str  # who followed last
    lost_moves: int  # the teacher's moves that never reached every student
    control_after: float | None  # seconds for the teacher's next pin to reach every student
    exception_boxes: int = 0

    def line(self) -> str:
        def seconds(value):
            return "never" if value is None else f"{value:5.2f} s"

        ok = "" if self.met else "   <-- misses the goal"
        return (
            f"  {self.fault:<32} (repaired after {self.lasted:4.1f} s) everyone following again "
            f"{seconds(self.followed_after)} later "
            f"(last: {self.slowest}); moves lost {self.lost_moves}; the next pin reached everyone "
            f"{seconds(self.control_after)} after its click; exception boxes "
            f"{self.exception_boxes}{ok}"
        )

    @property
    def met(self) -> bool:
        return (
            self.followed_after is not None
            and self.followed_after <= GOAL_SECONDS
            and self.lost_moves == 0
            and self.control_after is not None
            and self.control_after <= GOAL_SECONDS
            and self.exception_boxes == 0
        )


@dataclass
class Class:
    """The room's people: the teacher's page, the students' pages and websocket students."""

    teacher: object
    pages: list
    sockets: list
    moves: list = field(default_factory=list)  # the teacher's pinned points, as shown
    clicked: float = 0.0  # when the teacher's last pin was clicked (time.monotonic)

    def where(self) -> list[tuple[str, object]]:
        """Each student's (name, shown point or None)."""
        shown = []
        for index, page in enumerate(self.pages):
            with contextlib.suppress(Exception):
                root = page.frame_locator("iframe[title='explorer.canvas.latent_canvas']").first
                root = root.locator(ROOT_SELECTOR)
                if root.get_attribute("data-room", timeout=200) == "live":
                    shown.append((f"browser {index}", root.get_attribute("data-pinned")))
                    continue
            shown.append((f"browser {index}", None))
        for student in self.sockets:
            point = student.latest
            shown.append((f"socket {student.index}", point and _fmt(point)))
        return shown

    def wait_all(self, point: str, since: float) -> tuple[float | None, str]:
        """Until every student shows ``point`` live: (seconds since ``since``, the last one)."""
        left = {name for name, _ in self.where()}
        while time.monotonic() - since < GIVE_UP_SECONDS:
            arrived = left & {name for name, shown in self.where() if shown == point}
            left -= arrived
            if VERBOSE and time.monotonic() - since > GOAL_SECONDS:  # who is late, and where
                late = [(name, shown) for name, shown in self.where() if name in left]
                print(f"    {time.monotonic() - since:5.1f} s, not yet: {late[:6]}", flush=True)
                self.teacher.wait_for_timeout(950)
            if not left:
                last = sorted(arrived)[0] if len(arrived) == 1 else f"{len(arrived)} at once"
                return time.monotonic() - since, last
            self.teacher.wait_for_timeout(50)
        return None, ", ".join(sorted(left))

    def pin(self, spot: int) -> str:
        """The teacher pins a point as soon as the map is on screen again (a reloaded page's
        sketch takes clicks before plotly.js is ready): it, as shown; the moment of the click
        that moved it is ``clicked``."""
        frame = canvas(self.teacher, state=None, timeout=GIVE_UP_SECONDS * 1000)
        root = frame.locator(ROOT_SELECTOR)
        before = root.get_attribute("data-pinned")
        for tried in range(len(SPOTS)):  # a spot where the pin already is changes nothing
            box = map_box(frame, timeout=GIVE_UP_SECONDS * 1000)
            fx, fy = SPOTS[(spot + tried) % len(SPOTS)]
            self.clicked = time.monotonic()
            self.teacher.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            moved = frame.locator(f"{ROOT_SELECTOR}:not([data-pinned='{before}'])")
            with contextlib.suppress(Exception):
                moved.wait_for(timeout=1_500)
                break
        self.moves.append(root.get_attribute("data-pinned"))
        return self.moves[-1]


def _fmt(point) -> str:
    """A point as the canvas writes it (data-pinned): the first two coordinates, 4 decimals."""
    return ",".join(str(round(float(v) * 10000) / 10000).removesuffix(".0") for v in point[:2])


def exception_boxes(pages) -> int:
    return sum(page.locator("[data-testid='stException']").count() for page in pages)


def run_fault(name: str, room: Class, make, spot: int) -> Outcome:
    """Make the fault (``make(pin)``, which pins during it), then time the class back from the
    moment it was repaired."""
    started = time.monotonic()
    repaired = make(lambda: room.pin(spot))
    followed, slowest = room.wait_all(room.moves[-1], repaired)
    lost = 0 if followed is not None else 1
    point = room.pin(spot + 1)
    control, _ = room.wait_all(point, room.clicked)
    pages = [room.teacher, *room.pages]
    lasted = repaired - started
    return Outcome(name, lasted, followed, slowest, lost, control, exception_boxes(pages))


def socket_students(proxy: str, code: str, count: int) -> tuple[list, threading.Event]:
    """``count`` websocket students in a thread of their own, reconnecting through nginx."""
    students = [Student([proxy], 100 + i, code) for i in range(count)]
    stop, ready = threading.Event(), threading.Event()

    async def live() -> None:
        tasks = [asyncio.create_task(s.run()) for s in students]
        await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in students)), 120)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()

    threading.Thread(target=lambda: asyncio.run(live()), daemon=True).start()
    if not ready.wait(180):
        raise RuntimeError("the websocket students never joined")
    return students, stop


def faults(redis: Restartable, replicas: dict[str, Restartable], teacher_replica, room) -> list:
    """(name, make) of each fault: ``make(pin)`` breaks something, has the teacher pin while it
    is broken (or as soon as the page is back), repairs it, and returns when it was repaired
    (time.monotonic)."""

    def restart(server: Restartable):
        def make(pin) -> float:
            server.down()
            pin()
            server.up()
            return time.monotonic()

        return make

    def reload(page):
        def make(pin) -> float:
            page.reload(wait_until="commit")
            repaired = time.monotonic()
            pin()
            return repaired

        return make

    def replica(teachers: bool):
        return lambda pin: restart(replicas[teacher_replica(teachers)])(pin)

    return [
        ("Redis restarted (empty)", restart(redis)),
        ("the teacher's replica restarted", replica(True)),
        ("the other replica restarted", replica(False)),
        ("the teacher's page reloaded", reload(room.teacher)),
        ("a student's page reloaded", reload(room.pages[0])),
    ]


def replica_of(page, log: Path, ports: dict[str, int]) -> str:
    """Which replica nginx sent ``page``'s browser to last (by its replica cookie and nginx's
    log: after a failover a browser may sit on the other one)."""
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "vae_explorer_replica")
    last = ""
    for line in log.read_text().splitlines():
        if f"replica={cookie}" in line and "upstream=127.0.0.1:" in line:
            last = line.split("upstream=")[1].split()[0].split(",")[-1]
    return next((name for name, port in ports.items() if last.endswith(f":{port}")), "a")


def drill(args, scratch: Path) -> list[Outcome]:
    redis_port, proxy_port = free_port(), free_port()
    ports = {"a": free_port(), "b": free_port()}
    redis = Restartable(lambda n: redis_server(_folder(scratch, f"redis-{n}"), port=redis_port))
    url, _ = redis.up()
    env = {"VAE_EXPLORER_STORE": str(scratch / "store"), "VAE_EXPLORER_REDIS_URL": url}
    replicas = {
        name: Restartable(
            lambda n, name=name: app_server(
                env=env, port=ports[name], log=scratch / f"replica-{name}-{n}.log"
            )
        )
        for name in ports
    }
    for replica in replicas.values():
        replica.up()
    log = scratch / "access.log"
    config = proxy_config([f"http://127.0.0.1:{p}" for p in ports.values()], proxy_port, log)
    with contextlib.ExitStack() as stack:
        for server in (redis, *replicas.values()):
            stack.callback(server.down)
        stack.enter_context(nginx(_folder(scratch, "nginx"), config))
        proxy = f"http://127.0.0.1:{proxy_port}"
        wait_for(f"{proxy}/_stcore/health")
        return run_class(args, stack.enter_context(browser()), proxy, redis, replicas, log, ports)


def run_class(args, chromium, proxy, redis, replicas, log, ports) -> list[Outcome]:
    contexts = [chromium.new_context(viewport={"width": 1280, "height": 720})]
    contexts += [chromium.new_context(viewport={"width": 1000, "height": 800}) for _ in range(5)]
    teacher, *pages = (context.new_page() for context in contexts)
    code = open_room(teacher, proxy)
    for page in pages:
        page.goto(f"{proxy}/Latent_map?room={code}")
    sockets, stop = socket_students(proxy, code, args.ws_students)
    room = Class(teacher, pages, sockets)
    try:
        point = room.pin(0)
        first, _ = room.wait_all(point, room.clicked)
        if first is None:
            raise RuntimeError("the class never followed the teacher's first pin")

        def teacher_replica(teachers: bool) -> str:
            mine = replica_of(teacher, log, ports)
            return mine if teachers else next(n for n in ports if n != mine)

        outcomes = []
        for _ in range(args.rounds):
            drills = faults(redis, replicas, teacher_replica, room)
            for index, (name, make) in enumerate(drills):
                outcomes.append(run_fault(name, room, make, 2 * index + 1))
                print(outcomes[-1].line(), flush=True)
        return outcomes
    except Exception:
        for index, page in enumerate([teacher, *pages]):  # what each page showed when it failed
            with contextlib.suppress(Exception):
                page.screenshot(path=log.parent / f"page-{index}.png")
        print(f"the drill stopped; each page as it was: {log.parent}/page-*.png", flush=True)
        raise
    finally:
        stop.set()
        for context in contexts:
            context.close()


def _folder(scratch: Path, name: str) -> Path:
    folder = scratch / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2, help="times through the four faults")
    parser.add_argument("--ws-students", type=int, default=25, help="websocket students")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="lecture-drill-"))
    print(
        f"a teacher, {BROWSER_STUDENTS} students in chromium and {args.ws_students} websocket "
        f"students; 2 replicas behind nginx, Redis without persistence; {os.cpu_count()} cores",
        flush=True,
    )
    outcomes = drill(args, scratch)
    found = [t for p in sorted(scratch.glob("replica-*.log")) for t in tracebacks(p.read_text())]
    times = [o.followed_after for o in outcomes if o.followed_after is not None]
    print(
        f"every fault: median {statistics.median(times):.2f} s, worst {max(times):.2f} s until "
        f"everyone followed; moves lost {sum(o.lost_moves for o in outcomes)}; exception boxes "
        f"{sum(o.exception_boxes for o in outcomes)}; tracebacks in the servers' logs {len(found)}"
    )
    for line in found[:8]:
        print(f"  traceback: {line}")
    met = all(o.met for o in outcomes) and not found
    print("goal met" if met else f"goal missed (every student back within {GOAL_SECONDS:g} s)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
