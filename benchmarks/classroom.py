"""A teacher and a room of students over the classroom's live channel, as their browsers
would speak to the app's servers.

The teacher opens a room through the app (a Streamlit session: the "Open a room (teacher)"
button; the canvas's arguments carry the room's code and the teacher's token, as in the
browser) and pins points over the room channel, as the teacher's canvas does. Students are
plain websocket connections to ``/api/rooms/<code>`` (what each student's canvas holds),
spread over the replicas. For every pin and every student the benchmark records the time
from the teacher's message to the student's copy of it; a pin a student never gets is lost.
The server's CPU per pin is measured with the first ``--few`` students and again with all.

Page switches: ``--page-students`` Streamlit sessions join the room on the Home page and
follow it as the browser's room link does (asking their page for a rerun when the teacher's
page is not theirs); the benchmark times each one to the teacher's page.

With ``--replicas N`` (N > 1) the servers share a redis-server started here, and with
``--kill`` one replica is killed (SIGKILL) after the pins: its students reconnect to another
replica (as the proxy sends them), and the benchmark times them back to the teacher's view.

    python -m benchmarks.classroom [--students 300] [--pins 20] [--replicas 1] [--kill]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

import websockets

from tests.drivers.browser import app_server, redis_server
from tests.drivers.st_client import StreamlitSession, WidgetState


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"median {1000 * statistics.median(ordered):.1f} ms, p95 {1000 * p95:.1f} ms, worst "
        f"{1000 * ordered[-1]:.1f} ms"
    )


class Student:
    """One student's canvas: a websocket that records when each pinned point arrived."""

    def __init__(self, urls: list[str], index: int, code: str):
        self.urls, self.index, self.code = urls, index, code
        self.replica = index % len(urls)
        self.arrived: dict[tuple, float] = {}  # point -> first arrival
        self.latest: tuple | None = None
        self.caught_up = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.connected = asyncio.Event()

    async def run(self) -> None:
        """Connect, reconnecting (to the next replica) whenever the connection breaks."""
        attempt = 0
        while True:
            url = self.urls[self.replica].replace("http", "ws") + f"/api/rooms/{self.code}"
            try:
                async with websockets.connect(url, open_timeout=10, max_size=None) as socket:
                    await socket.send(
                        json.dumps({"type": "hello", "member": f"student-{self.index}"})
                    )
                    attempt = 0
                    async for text in socket:
                        message = json.loads(text)
                        if message.get("type") == "view":
                            self.connected.set()
                            point = tuple(message["view"]["point"] or ())
                            self.arrived.setdefault(point, time.perf_counter())
                            self.latest = point
                            self.caught_up.set()
            except (OSError, websockets.WebSocketException, asyncio.TimeoutError):
                pass
            # the proxy sends a lost replica's browsers elsewhere
            self.replica = (self.replica + 1) % len(self.urls)
            await asyncio.sleep(min(4.0, 0.25 * 2**attempt))
            attempt += 1


async def open_room(url: str) -> tuple[StreamlitSession, str, str]:
    """The teacher's session opens a room; (session, code, token) from the canvas's arguments."""
    session = StreamlitSession(url)
    await session.connect()
    run = await session.run_page("Latent_map")
    run = await session.set_widgets(
        [WidgetState(id=run.widget_id("Open a room (teacher)"), trigger_value=True)]
    )
    for _ in range(5):
        found = run.component("map_canvas")
        if found and found[2].get("room"):
            room = found[2]["room"]
            return session, room["code"], room["token"]
        run = await session.run_page("Latent_map")
    raise RuntimeError("the teacher's canvas never named the room")


async def pin_round(
    teacher, students: list[Student], pins: int, every: float, seq: list[int]
) -> tuple[list, int]:
    """Pin ``pins`` points; (latencies of every student's copy, copies lost)."""
    sent = []
    for index in range(pins):
        point = (round(-2 + 4 * index / max(1, pins - 1), 4), round(1.5 - 0.1 * index, 4))
        seq[0] += 1
        sent.append((point, time.perf_counter()))
        await teacher.send(
            json.dumps(
                {
                    "type": "patch",
                    "seq": seq[0],
                    "view": {"point": list(point), "point_source": "click"},
                }
            )
        )
        await asyncio.sleep(every)
    await asyncio.sleep(1.0)
    latencies, lost = [], 0
    for point, at in sent:
        for student in students:
            arrived = student.arrived.get(point)
            if arrived is None:
                lost += 1
            else:
                latencies.append(arrived - at)
    return latencies, lost


async def page_followers(url: str, code: str, count: int) -> list[float]:
    """``count`` Streamlit sessions follow the teacher from Home to Interpolate; each one's
    seconds from the teacher's switch to its run of Interpolate."""
    sessions = []
    for _ in range(count):
        session = StreamlitSession(url)
        await session.connect()
        run = await session.run_page("")
        run = await session.set_widgets(
            [
                WidgetState(id=run.widget_id("Join a room"), string_value=code),
                WidgetState(id=run.widget_id("Join"), trigger_value=True),
            ]
        )
        sessions.append((session, run))
    return sessions


async def follow_page(
    session: StreamlitSession, run, url: str, code: str, started: list[float]
) -> float:
    """As the browser's room link: on a view whose page is not this page's, ask for a rerun;
    the time from the teacher's switch until a run shows the teacher's page."""
    link = run.component("room_link")
    async with websockets.connect(url.replace("http", "ws") + f"/api/rooms/{code}") as socket:
        # the session's own member
        await socket.send(json.dumps({"type": "hello", "member": link[2]["member"]}))
        async for text in socket:
            message = json.loads(text)
            if message.get("type") == "view" and message["view"]["page"] == "Interpolate":
                value = json.dumps({"kind": "follow", "version": message["version"]})
                await session.send_widgets([WidgetState(id=link[0], json_value=value)])
                break
    while True:
        run = await session.next_run(timeout=120)
        if any(element.heading.body == "Interpolate" for element in run.of_type("heading")):
            return time.perf_counter() - started[0]


async def kill_a_replica(victim, replica: int, students, teacher, seq: list[int]) -> None:
    """kill -9 of one replica, then a pin: how soon its students are back on the teacher's view."""
    moved = [s for s in students if s.replica == replica]
    os.kill(victim.pid, signal.SIGKILL)
    await asyncio.sleep(0.5)
    point = (0.123, -0.456)
    for student in moved:
        student.caught_up.clear()
    seq[0] += 1
    killed = time.perf_counter()
    await teacher.send(json.dumps({"type": "patch", "seq": seq[0], "view": {"point": list(point)}}))
    back = []
    for student in moved:
        while student.latest != point:
            await asyncio.wait_for(student.caught_up.wait(), 30)
            student.caught_up.clear()
        back.append(student.arrived[point] - killed + 0.5)
    print(
        f"kill -9 of one replica: its {len(moved)} students back on the teacher's view: "
        f"median {statistics.median(back):.2f} s, worst {max(back):.2f} s after the kill"
    )


async def page_switch(session, url: str, code: str, count: int) -> None:
    """``count`` Streamlit sessions follow the room; the teacher switches page: how soon each
    follower's page runs the teacher's."""
    followers = await page_followers(url, code, count)
    started = [0.0]
    waits = [asyncio.create_task(follow_page(s, run, url, code, started)) for s, run in followers]
    await asyncio.sleep(1.0)  # every follower listens
    started[0] = time.perf_counter()
    await session.run_page("Interpolate")  # the teacher's switch; its run publishes the page
    times = await asyncio.gather(*waits)
    cores = len(os.sched_getaffinity(0))
    print(
        f"page switch: {len(times)} Streamlit sessions on the teacher's page: median "
        f"{statistics.median(times):.2f} s, "
        f"last {max(times):.2f} s ({len(times) / max(times):.1f} sessions/s on {cores} "
        "cores)"
    )
    for s, _ in followers:
        await s.close()


async def main(args) -> None:
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(tempfile.TemporaryDirectory())
        env = {"VAE_EXPLORER_STORE": store}
        if args.replicas > 1:
            redis_url, _ = stack.enter_context(redis_server(Path(store)))
            env["VAE_EXPLORER_REDIS_URL"] = redis_url
        servers = [
            stack.enter_context(app_server(env=env, with_process=True))
            for _ in range(args.replicas)
        ]
        urls, processes = [s[0] for s in servers], [s[2] for s in servers]
        session, code, token = await open_room(urls[0])
        teacher = await websockets.connect(urls[0].replace("http", "ws") + f"/api/rooms/{code}")
        await teacher.send(json.dumps({"type": "hello", "member": "teacher", "token": token}))
        seq = [0]
        students = [Student(urls, i, code) for i in range(args.students)]
        print(
            f"room {code} on {args.replicas} "
            f"replica(s){' with Redis' if args.replicas > 1 else ''}; "
            f"{args.students} websocket students, {args.pins} pins {args.every:g} s apart"
        )
        for group in (students[: args.few], students[args.few :]):
            for student in group:
                student.task = asyncio.create_task(student.run())
            await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in group)), 120)
            present = [s for s in students if s.task]
            before = sum(cpu_seconds(p.pid) for p in processes)
            latencies, lost = await pin_round(teacher, present, args.pins, args.every, seq)
            cpu = (sum(cpu_seconds(p.pid) for p in processes) - before) / args.pins
            print(
                f"{len(present):4d} students: pin -> every student {summary(latencies)}; {lost} "
                "lost; "
                f"server CPU {1000 * cpu:.1f} ms per pin (all replicas; includes the idle second "
                "after the pins)"
            )
        if args.kill and args.replicas > 1:
            await kill_a_replica(processes[-1], len(urls) - 1, students, teacher, seq)
        if args.page_students:
            await page_switch(session, urls[0], code, args.page_students)
        for student in students:
            student.task.cancel()
        await teacher.close()
        await session.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--students", type=int, default=300, help="websocket students (their canvases)"
    )
    parser.add_argument(
        "--few",
        type=int,
        default=30,
        help="students in the first round, to compare CPU per pin with",
    )
    parser.add_argument(
        "--pins", type=int, default=20, help="points the teacher pins in each round"
    )
    parser.add_argument("--every", type=float, default=0.25, help="seconds between pins")
    parser.add_argument(
        "--replicas", type=int, default=1, help="app servers; more than one share a redis-server"
    )
    parser.add_argument(
        "--kill",
        action="store_true",
        help="kill -9 one replica after the pins (needs --replicas > 1)",
    )
    parser.add_argument(
        "--page-students", type=int, default=30, help="Streamlit sessions that follow a page switch"
    )
    asyncio.run(main(parser.parse_args()))
