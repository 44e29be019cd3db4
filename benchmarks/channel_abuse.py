"""The room channel under abuse: what ``python -m benchmarks.fuzz --channel`` sends.

Attackers, each a loop of its own, send everything a hand-made client could to
``/api/rooms/<code>``: frames far over the limit (a header announcing up to a gigabyte), binary
frames, pages of another site, piles of made-up members, floods past the rate, forged
patches and teacher tokens, replayed sequence numbers, malformed and deeply nested JSON,
wrong types, connections that never say hello. Meanwhile a teacher pins a point every half
second and a real student joins every second or so: each must get the room's current view
at once, and the newest pin.

The report says what must never happen (the server exiting, a traceback in its log) and what
a class would feel: how many real students joined, how long it took them, whether the
teacher's pins still arrived, and the server's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import statistics
import time
from dataclasses import dataclass, field

import websockets

from tests.drivers.classroom import oversized_frame

JOIN_SECONDS = 2.0  # a real student who waits longer than this for the view did not get in


@dataclass
class ChannelFindings:
    attacks: dict[str, int] = field(default_factory=dict)
    joins: list[float] = field(default_factory=list)  # seconds until a real student had the view
    refused_joins: list[str] = field(default_factory=list)
    pins_sent: int = 0
    teacher_drops: list[str] = field(default_factory=list)  # the teacher's connection lost
    followed: int = 0  # real students who saw a new pin of the teacher's while they stayed

    def count(self, attack: str) -> None:
        self.attacks[attack] = self.attacks.get(attack, 0) + 1

    def lines(self) -> list[str]:
        joined = sorted(self.joins)
        median = 1000 * statistics.median(joined) if joined else float("nan")
        worst = 1000 * joined[-1] if joined else float("nan")
        return [
            "  attacks: " + ", ".join(f"{k} {v}" for k, v in sorted(self.attacks.items())),
            f"  real students who joined during the flood: {len(joined)} of "
            f"{len(joined) + len(self.refused_joins)} (median {median:.0f} ms, worst "
            f"{worst:.0f} ms to the room's view)",
            f"  real students who saw one of the teacher's new pins (a pin every 0.5 s, "
            f"{self.pins_sent} in all) during their second in the room: {self.followed} of "
            f"{len(joined)}",
            f"  the teacher's connection dropped {len(self.teacher_drops)} times"
            + "".join(f"\n    {drop}" for drop in self.teacher_drops[:4]),
        ]


class Attacker:
    """One loop of abuse against one room (see the module docstring)."""

    def __init__(self, base: str, code: str, token: str, rng: random.Random, findings):
        self.base, self.code, self.token, self.rng, self.findings = base, code, token, rng, findings

    async def _socket(self, code: str | None = None, **options):
        return await websockets.connect(
            self.base + (code or self.code), open_timeout=10, close_timeout=1, **options
        )

    async def _hello_then(self, messages, member: str | None = None, token: str | None = None):
        async with await self._socket() as ws:
            hello = {"type": "hello", "member": member or f"m{self.rng.randrange(10**9)}"}
            if token:
                hello["token"] = token
            await ws.send(json.dumps(hello))
            for message in messages:
                await ws.send(message)
            with contextlib.suppress(asyncio.TimeoutError):
                for _ in messages:
                    await asyncio.wait_for(ws.recv(), 1.0)

    async def oversized(self) -> None:
        length = self.rng.choice([20_000, 1 << 20, 150 << 20, 1 << 30])
        code = self.rng.choice([self.code, "ZZZZZ"])
        await asyncio.to_thread(oversized_frame, self.base + code, length)

    async def binary(self) -> None:
        async with await self._socket() as ws:
            await ws.send(os.urandom(self.rng.randrange(1, 4096)))
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.recv(), 2.0)

    async def other_site(self) -> None:
        with contextlib.suppress(websockets.exceptions.InvalidStatus):
            async with await self._socket(origin="http://evil.example"):
                pass

    async def fake_members(self) -> None:
        """A burst of hellos from made-up members, each on a connection of its own, held a
        moment: they count while they are connected, and no longer."""
        sockets = []
        try:
            for _ in range(self.rng.randrange(10, 60)):
                ws = await self._socket()
                await ws.send(json.dumps({"type": "hello", "member": f"f{self.rng.random()}"}))
                sockets.append(ws)
            await asyncio.sleep(self.rng.uniform(0.1, 1.0))
        finally:
            for ws in sockets:
                with contextlib.suppress(Exception):
                    await ws.close()

    async def flood(self) -> None:
        await self._hello_then([json.dumps({"type": "ping"})] * self.rng.randrange(100, 400))

    async def forged(self) -> None:
        samples = [
            json.dumps({"type": "patch", "seq": 1, "view": {"point": [9, 9]}}),
            json.dumps({"type": "patch", "seq": 10**30, "view": {"point": ["x"]}}),
            json.dumps({"type": "answer", "z": [float("inf"), 0]}, allow_nan=True),
            json.dumps({"type": "answer", "z": "here"}),
            json.dumps({"type": "hello", "member": "again"}),
            json.dumps({"type": 7}),
            json.dumps([1, 2, 3]),
            "[" * 5000 + "]" * 5000,
            "not json at all",
            "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace") * 100,
            json.dumps({"type": "ping", "extra": "x" * 15_000}),
        ]
        await self._hello_then(self.rng.sample(samples, k=self.rng.randrange(1, len(samples))))

    async def forged_teacher(self) -> None:
        token = self.rng.choice(["0" * 32, self.token[::-1], "x" * 500, self.token[:-1]])
        with contextlib.suppress(websockets.exceptions.ConnectionClosed):
            await self._hello_then([], token=token)

    async def bad_hellos(self) -> None:
        hellos = [
            json.dumps({"type": "hello", "member": 12}),
            json.dumps({"type": "hello", "member": "x" * 200}),
            json.dumps({"type": "hello"}),
            json.dumps({"type": "patch"}),
            "{",
        ]
        async with await self._socket(self.rng.choice([self.code, "ABCDE", "%%%", "k7m2q"])) as ws:
            await ws.send(self.rng.choice(hellos))
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.recv(), 2.0)

    async def silent(self) -> None:
        """A connection that never says hello (the server closes it after 10 s)."""
        async with await self._socket():
            await asyncio.sleep(self.rng.uniform(0.5, 3.0))

    ATTACKS = (
        "oversized",
        "binary",
        "other_site",
        "fake_members",
        "flood",
        "forged",
        "forged_teacher",
        "bad_hellos",
        "silent",
    )

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            attack = self.rng.choice(self.ATTACKS)
            self.findings.count(attack)
            with contextlib.suppress(Exception):  # what the server did is judged from outside
                await getattr(self, attack)()


async def teacher_pins(base: str, code: str, token: str, until: float, findings) -> None:
    """The teacher pins a new point every half second, reconnecting as the canvas would if the
    connection drops (each drop is counted)."""
    seq = 0
    while time.monotonic() < until:
        try:
            async with websockets.connect(base + code, open_timeout=10) as ws:
                await ws.send(json.dumps({"type": "hello", "member": "teacher", "token": token}))
                # read what the room sends back (views, refusals): an unread connection stops
                # reading frames, its keepalive's answer among them
                drain = asyncio.create_task(_drain(ws))
                while time.monotonic() < until:
                    seq += 1
                    point = [round(-2 + 4 * ((seq * 0.37) % 1), 4), round(1 - (seq % 7) / 7, 4)]
                    view = {"point": point}
                    await ws.send(json.dumps({"type": "patch", "seq": seq, "view": view}))
                    findings.pins_sent += 1
                    await asyncio.sleep(0.5)
                drain.cancel()
        except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as error:
            findings.teacher_drops.append(f"{type(error).__name__}: {error}"[:120])
            await asyncio.sleep(0.25)


async def _drain(ws) -> None:
    with contextlib.suppress(websockets.exceptions.WebSocketException):
        async for _ in ws:
            pass


async def real_student(base: str, code: str, index: int, findings) -> None:
    """A real student joins: the room's view must come at once; then they stay a second and
    count the teacher's pins they see."""
    started = time.monotonic()
    try:
        async with websockets.connect(base + code, open_timeout=10) as ws:
            await ws.send(json.dumps({"type": "hello", "member": f"real-{index}"}))
            first = json.loads(await asyncio.wait_for(ws.recv(), JOIN_SECONDS))
            if first.get("type") != "view":
                findings.refused_joins.append(str(first)[:120])
                return
            findings.joins.append(time.monotonic() - started)
            deadline = time.monotonic() + 1.0
            while (left := deadline - time.monotonic()) > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    message = json.loads(await asyncio.wait_for(ws.recv(), left))
                    if message.get("type") == "view" and message["version"] > first["version"]:
                        findings.followed += 1
                        break
    except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as error:
        findings.refused_joins.append(f"{type(error).__name__}: {error}"[:120])


async def abuse(base: str, code: str, token: str, seconds: float, attackers: int, seed: int):
    """Run the attackers, the teacher and the real students for ``seconds``: the findings."""
    findings = ChannelFindings()
    until = time.monotonic() + seconds
    loops = [
        Attacker(base, code, token, random.Random(seed * 100 + i), findings).run(until)
        for i in range(attackers)
    ]

    async def students() -> None:
        index = 0
        while time.monotonic() < until:
            index += 1
            await real_student(base, code, index, findings)
            await asyncio.sleep(0.2)

    teacher = teacher_pins(base, code, token, until, findings)
    await asyncio.gather(teacher, students(), *loops)
    return findings
