"""The room connections of one server process: each browser's :class:`Connection` (the newest
view and a few notices, sent by a task of its own) and the process's :class:`Hub`, which holds
them by room, hears every change of every room from the rooms' backend (whichever replica made
it), keeps the members it holds present, and tells every connection when the backend stops or
starts answering (then sends each room's view again). The websocket route around them is
:mod:`explorer.classroom.websocket`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections import Counter

from starlette.websockets import WebSocket, WebSocketDisconnect

from explorer.classroom.memory_rooms import MemoryRooms
from explorer.classroom.rooms import CLOSED, MEMBER_SECONDS, NoSuchRoom, RoomError, Rooms

_log = logging.getLogger(__name__)

RATE, BURST = 40.0, 80.0  # messages per second a connection may send, and in one burst
REFRESH_SECONDS = MEMBER_SECONDS / 3  # how often the hub says its members are still here
CLOSED_MESSAGE = '{"type":"closed","reason":"The teacher closed the room"}'
DEGRADED = json.dumps(
    {
        "type": "status",
        "state": "degraded",
        "reason": "The classroom server lost its room store; the room is kept and catches up "
        "when it is back",
    }
)
LIVE = '{"type":"status","state":"live"}'


class Connection:
    """One browser's websocket: a slot for the newest view and a short queue of notices, sent
    by its own task."""

    def __init__(self, websocket: WebSocket, code: str, member: str, token: str | None = None):
        self.websocket, self.code, self.member = websocket, code, member
        self.token = token  # a teacher's token, to change the room with
        self.teacher = token is not None
        self.version = -1  # the newest view version offered
        self.pending: str | None = None
        self.notices: list[str] = []
        self.wake = asyncio.Event()
        self.allowance, self.checked = BURST, time.monotonic()
        self.refusals, self.seq = 0, -1

    def offer(self, version: int, message: str) -> None:
        """On the event loop: send ``message`` unless a newer view was already offered."""
        if version != CLOSED and version <= self.version:
            return
        self.version = max(self.version, version)
        self.pending = message
        self.wake.set()

    def notify(self, message: str) -> None:
        """On the event loop: send a notice (a status, a reply) after the pending view."""
        self.notices = [*self.notices[-7:], message]
        self.wake.set()

    async def send_loop(self) -> None:
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                message, self.pending = self.pending, None
                notices, self.notices = self.notices, []
                for text in ([message] if message is not None else []) + notices:
                    await self.websocket.send_text(text)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the browser went away: the receiving side ends the connection

    def within_rate(self) -> bool:
        now = time.monotonic()
        self.allowance = min(BURST, self.allowance + (now - self.checked) * RATE)
        self.checked = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True


def view_message(version: int, view_json: str) -> str:
    return (
        CLOSED_MESSAGE
        if version == CLOSED
        else f'{{"type":"view","version":{version},"view":{view_json}}}'
    )


class Hub:
    """This process's room connections, told of every room's changes by the backend."""

    def __init__(self, rooms: Rooms):
        self.rooms = rooms
        self.loop: asyncio.AbstractEventLoop | None = None
        self.connections: dict[str, set[Connection]] = {}
        self.members: dict[str, Counter] = {}  # code -> member -> live connections here
        self.answering = True
        self._refresher: asyncio.Task | None = None
        self._stop_listening = rooms.listen(self._heard, self._status)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the server's event loop: remember it and keep this process's members present."""
        self.loop = loop
        if self._refresher is None or self._refresher.done():
            self._refresher = loop.create_task(self._refresh_members())

    def _heard(self, code: str, version: int, view_json: str) -> None:
        """From any thread: hand the change to the event loop, for the connections here."""
        loop = self.loop
        if loop is None or code not in self.connections:
            return
        message = view_message(version, view_json)
        with contextlib.suppress(RuntimeError):  # the loop has stopped: the server is going
            loop.call_soon_threadsafe(self._deliver, code, version, message)

    def _deliver(self, code: str, version: int, message: str) -> None:
        for connection in list(self.connections.get(code, ())):
            connection.offer(version, message)

    def _status(self, answering: bool) -> None:
        """From the backend's thread: it stopped or started answering."""
        loop = self.loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(lambda: loop.create_task(self._status_changed(answering)))

    async def _status_changed(self, answering: bool) -> None:
        self.answering = answering
        if not answering:
            for connection in self._all():
                connection.notify(DEGRADED)
            return
        for code in list(self.connections):
            await self._catch_up(code)

    async def _catch_up(self, code: str) -> None:
        """A backend back from an outage: members here present again, the room's view now."""
        try:
            await self._refresh(code)
            version, view = await self.call(self.rooms.latest, code)
        except NoSuchRoom:
            version, view = CLOSED, None
        except RoomError as error:
            _log.warning("room %s did not come back yet: %s", code, error)
            return
        message = view_message(version, "" if view is None else view.to_json())
        for connection in list(self.connections.get(code, ())):
            connection.offer(version, message)
            connection.notify(LIVE)

    def _all(self) -> list[Connection]:
        return [c for group in list(self.connections.values()) for c in list(group)]

    async def _refresh_members(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            for code in list(self.members):
                with contextlib.suppress(RoomError):
                    await self._refresh(code)

    async def _refresh(self, code: str) -> None:
        """Say the members held here are still present. A member whose last connection closed
        while the refresh was on its way may have been put back after its leave: it leaves
        again, so a closed tab never counts for a whole MEMBER_SECONDS."""
        sent = list(self.members.get(code, ()))
        if not sent:
            return
        await self.call(self.rooms.refresh, code, sent)
        held = self.members.get(code, ())
        for member in sent:
            if member not in held:
                await self.call(self.rooms.leave, code, member)

    async def add(self, connection: Connection) -> None:
        """A connection after its hello: its member joins when it is the first one here."""
        code, member = connection.code, connection.member
        if not connection.teacher and not self.members.get(code, {}).get(member):
            await self.call(self.rooms.join, code, member)
        if not connection.teacher:
            # the room's counts as they are now: a removal may have dropped them during the join
            self.members.setdefault(code, Counter())[member] += 1
        self.connections.setdefault(code, set()).add(connection)

    async def remove(self, connection: Connection) -> None:
        code, member = connection.code, connection.member
        group = self.connections.get(code, set())
        group.discard(connection)
        if not group:
            self.connections.pop(code, None)
        counts = self.members.get(code)
        if connection.teacher or counts is None:
            return
        counts[member] -= 1
        if counts[member] <= 0:
            del counts[member]
            with contextlib.suppress(RoomError):
                await self.call(self.rooms.leave, code, member)
        if not self.members.get(code):  # a join during the leave may have filled them again
            self.members.pop(code, None)

    async def call(self, function, *args):
        """A backend call: in a thread for a backend that waits on the network."""
        if isinstance(self.rooms, MemoryRooms):
            return function(*args)
        return await asyncio.to_thread(function, *args)


_hub: Hub | None = None
_hub_lock = threading.Lock()


def hub() -> Hub:
    """This process's hub, over :func:`explorer.classroom.backend.shared` rooms."""
    global _hub
    with _hub_lock:
        if _hub is None:
            from explorer.classroom.backend import shared

            _hub = Hub(shared())
        return _hub
