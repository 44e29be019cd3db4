"""The classroom's live channel: a websocket route, ``/api/rooms/{code}``, served beside the
pages by the app's ``st.App`` (explorer_app.py).

A browser says hello first: ``{"type": "hello", "member": id}`` to follow, with ``"token"``
to teach. It then gets the room's current view at once and every new one as it is
published (``{"type": "view", "version": n, "view": {...}}``); a slow connection gets the
newest view only, never a backlog. A teacher's connection may send ``{"type": "patch", "seq":
n, "view": {...}}`` (part of the view: a pin, a drag, the ends); a student's may send
``{"type": "answer", "z": [x, y]}`` while a quiz waits; anyone may send ``{"type": "ping"}``
to stay counted as present. Everything else, and anything malformed, oversized, too
frequent, a replayed ``seq`` or a student's patch, is refused with ``{"type": "refused",
"reason": ...}`` and logged. The full contract is explorer/frontend/README.md.

One :class:`Hub` per server process holds its connections by room and hears every change
of every room from the rooms' backend (:mod:`explorer.classroom.rooms`), whichever replica made it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from contextlib import asynccontextmanager

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from explorer.classroom.memory_rooms import MemoryRooms
from explorer.classroom.rooms import CLOSED, RoomError, Rooms, normalise_code
from explorer.core.view import ViewError

_log = logging.getLogger(__name__)

PATH = "/api/rooms/{code}"
MAX_MESSAGE = 16_384  # characters of one message from a browser
HELLO_SECONDS = 10.0  # a connection that does not say hello within this is closed
RATE, BURST = 40.0, 80.0  # messages per second a connection may send, and in one burst
REFUSALS_BEFORE_CLOSE = 200  # a connection refused this many times is closed (policy violation)
CLOSED_MESSAGE = '{"type":"closed","reason":"The teacher closed the room"}'


class Connection:
    """One browser's websocket: a slot for the newest message, sent by its own task."""

    def __init__(self, websocket: WebSocket, member: str, token: str | None = None):
        self.websocket, self.member, self.token = (
            websocket,
            member,
            token,
        )  # a teacher's token, to change the room with
        self.teacher = token is not None
        self.version = -1  # the newest view version offered
        self.pending: str | None = None
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

    async def send_loop(self) -> None:
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                message, self.pending = self.pending, None
                if message is not None:
                    await self.websocket.send_text(message)
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
        self._stop_listening = rooms.listen(self._heard)

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


async def _hello(websocket: WebSocket, hub: Hub, code: str) -> Connection:
    """Read the hello and check it; RoomError (or ValueError) with the reason otherwise."""
    text = await asyncio.wait_for(websocket.receive_text(), HELLO_SECONDS)
    if len(text) > MAX_MESSAGE:
        raise ValueError("the hello is too long")
    hello = json.loads(text)
    if not isinstance(hello, dict) or hello.get("type") != "hello":
        raise ValueError("a connection starts with a hello")
    member, token = hello.get("member"), hello.get("token")
    if not isinstance(member, str) or not 0 < len(member) <= 64:
        raise ValueError("a hello names its member")
    if token is not None:
        if not isinstance(token, str) or len(token) > 128:
            raise RoomError("Only the teacher who opened this room can change it")
        await hub.call(hub.rooms.check_teacher, code, token)
    else:
        await hub.call(hub.rooms.join, code, member)
    return Connection(websocket, member, token)


async def _refuse(connection: Connection, code: str, reason: str) -> None:
    connection.refusals += 1
    _log.warning("room %s refused a message from %s: %s", code, connection.member[:16], reason)
    await connection.websocket.send_text(json.dumps({"type": "refused", "reason": reason}))
    if connection.refusals >= REFUSALS_BEFORE_CLOSE:
        await connection.websocket.close(code=1008, reason="too many refused messages")


async def _handle(connection: Connection, hub: Hub, code: str, text: str) -> None:
    """One message after the hello."""
    if len(text) > MAX_MESSAGE:
        return await _refuse(connection, code, f"a message is at most {MAX_MESSAGE:,} characters")
    if not connection.within_rate():
        return await _refuse(connection, code, f"at most {RATE:g} messages a second")
    try:
        message = json.loads(text)
    except ValueError:
        return await _refuse(connection, code, "a message must be JSON")
    kind = message.get("type") if isinstance(message, dict) else None
    try:
        if kind == "ping":
            if not connection.teacher:
                await hub.call(hub.rooms.seen, code, connection.member)
        elif kind == "patch" and connection.teacher:
            seq = message.get("seq")
            if not isinstance(seq, int) or isinstance(seq, bool) or seq <= connection.seq:
                return await _refuse(
                    connection, code, "a change must carry a newer sequence number (replayed?)"
                )
            connection.seq = seq
            changes = message.get("view")
            if not isinstance(changes, dict):
                return await _refuse(connection, code, "a change is part of a view")
            await hub.call(hub.rooms.patch, code, connection.token, changes)
        elif kind == "answer" and not connection.teacher:
            x, y = await hub.call(hub.rooms.answer, code, connection.member, message.get("z"))
            await connection.websocket.send_text(json.dumps({"type": "answered", "z": [x, y]}))
        elif kind == "patch":
            await _refuse(connection, code, "only the teacher changes the room's view")
        else:
            await _refuse(connection, code, f"unknown message type {str(kind)[:20]!r}")
    except (RoomError, ViewError) as error:
        await _refuse(connection, code, str(error))


async def room_socket(websocket: WebSocket) -> None:
    hub_ = hub()
    hub_.loop = asyncio.get_running_loop()
    await websocket.accept()
    try:
        code = normalise_code(websocket.path_params.get("code", ""))
        connection = await _hello(websocket, hub_, code)
        version, view = await hub_.call(hub_.rooms.latest, code)
    except (RoomError, ValueError, asyncio.TimeoutError, WebSocketDisconnect) as error:
        reason = str(error) or "no hello"
        _log.info("room connection refused: %s", reason)
        with contextlib.suppress(Exception):
            await websocket.send_text(json.dumps({"type": "error", "reason": reason}))
            await websocket.close(code=4404 if "No room" in reason else 4403)
        return
    hub_.connections.setdefault(code, set()).add(connection)
    connection.offer(version, view_message(version, view.to_json()))
    sender = asyncio.create_task(connection.send_loop())
    try:
        while True:
            await _handle(connection, hub_, code, await websocket.receive_text())
    except (WebSocketDisconnect, RuntimeError):
        pass  # the browser went away
    finally:
        sender.cancel()
        members = hub_.connections.get(code, set())
        members.discard(connection)
        if not members:
            hub_.connections.pop(code, None)


def routes() -> list:
    return [WebSocketRoute(PATH, room_socket)]


@asynccontextmanager
async def lifespan(app):
    """The hub starts with the server, on its event loop, and stops listening with it."""
    hub().loop = asyncio.get_running_loop()
    yield
    stop = getattr(hub().rooms, "stop", None)
    if stop is not None:
        stop()
