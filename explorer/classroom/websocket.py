"""The classroom's live channel: a websocket route, ``/api/rooms/{code}``, served beside the
pages by the app's ``st.App`` (explorer_app.py).

A browser says hello first: ``{"type": "hello", "member": id}`` to follow, with ``"token"``
to teach. It then gets the room's current view at once and every new one as it is
published (``{"type": "view", "version": n, "view": {...}}``); a slow connection gets the
newest view only, never a backlog. What else a connection may send, and who may send it,
is declared once in :mod:`explorer.classroom.messages`. Anything malformed, oversized, too
frequent or not this connection's to send is refused with ``{"type": "refused", "reason":
...}`` and logged in one line. The full contract is explorer/frontend/README.md.

What a browser sends is refused before it is read where it can be: a connection from
another site's page (its ``Origin``) is not accepted, a frame over MAX_MESSAGE bytes closes
the connection once its header arrives (1009), a binary frame closes it (1003), and no
message, however forged, puts a traceback in the log.

The connections and the process's hub are :mod:`explorer.classroom.hub`: when the rooms'
backend stops answering, every connection hears ``{"type": "status", "state": "degraded"}``;
when it is back, each room's current view and ``"live"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from explorer.classroom import messages
from explorer.classroom.hub import DEGRADED, RATE, Connection, Hub, hub, view_message
from explorer.classroom.rooms import NoSuchRoom, RoomError, normalise_code
from explorer.core.view import ViewError

_log = logging.getLogger(__name__)

PATH = "/api/rooms/{code}"
MAX_MESSAGE = 16_384  # bytes of one frame (characters of one message) from a browser
HELLO_SECONDS = 10.0  # a connection that does not say hello within this is closed
REFUSALS_BEFORE_CLOSE = 200  # a connection refused this many times is closed (policy violation)
ORIGINS = "VAE_EXPLORER_ROOM_ORIGINS"  # more origins that may open the channel, comma-separated


def allowed_origin(headers) -> bool:
    """A page of this site (or one named in VAE_EXPLORER_ROOM_ORIGINS) may open the channel;
    a client that is not a browser sends no Origin, and could forge any."""
    origin = headers.get("origin")
    if origin is None:
        return True
    extra = {o.strip().rstrip("/") for o in os.environ.get(ORIGINS, "").split(",") if o.strip()}
    if origin.rstrip("/") in extra:
        return True
    host = (headers.get("x-forwarded-host") or headers.get("host") or "").split(",")[0].strip()
    return bool(host) and urlsplit(origin).hostname == urlsplit(f"//{host}").hostname


def limit_frames(receive, limit: int) -> bool:
    """Make the server refuse a frame over ``limit`` bytes from its header, before reading its
    payload. Streamlit serves on uvicorn, whose websocket protocol object owns ``receive``; its
    parser (``websockets``) checks each frame's declared length against a limit that is one for
    the whole server (Streamlit's ``server.maxMessageSize``, 200 MB), read afresh for every
    frame: this connection's is lowered. Whether that worked: where the server keeps its
    parser elsewhere, the size check after reading still refuses."""
    parser = getattr(getattr(receive, "__self__", None), "conn", None)
    for attribute in ("max_message_size", "max_size"):  # websockets >= 14, older
        if isinstance(getattr(parser, attribute, None), int):
            setattr(parser, attribute, limit)
            return True
    return False


async def _read(websocket: WebSocket, timeout: float | None = None) -> str:
    """The next text message; WebSocketDisconnect when the browser went, ValueError for a
    binary frame (the connection is closed with its reason)."""
    message = await asyncio.wait_for(websocket.receive(), timeout)
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        await websocket.close(code=1003, reason="the room channel takes JSON text only")
        raise WebSocketDisconnect(1003)
    return text


async def _hello(websocket: WebSocket, hub_: Hub, code: str) -> Connection:
    """Read the hello and check it; RoomError (or ValueError) with the reason otherwise."""
    text = await _read(websocket, HELLO_SECONDS)
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
        await hub_.call(hub_.rooms.check_teacher, code, token)
    connection = Connection(websocket, code, member, token)
    await hub_.add(connection)
    return connection


async def _refuse(connection: Connection, reason: str, retry: bool = False, seq=None) -> None:
    """Tell the browser why (with ``retry`` when the same message may work in a moment, and the
    refused change's ``seq``), and log it in one line."""
    connection.refusals += 1
    _log.warning(
        "room %s refused a message from %s: %s", connection.code, connection.member[:16], reason
    )
    refusal = {"type": "refused", "reason": reason}
    if retry:
        refusal["retry"] = True
    if isinstance(seq, int) and not isinstance(seq, bool):
        refusal["seq"] = seq
    connection.notify(json.dumps(refusal))
    if connection.refusals >= REFUSALS_BEFORE_CLOSE:
        await connection.websocket.close(code=1008, reason="too many refused messages")


async def _handle(connection: Connection, hub_: Hub, text: str) -> None:
    """One message after the hello, as its declaration in explorer.classroom.messages says."""
    if len(text) > MAX_MESSAGE:
        return await _refuse(connection, f"a message is at most {MAX_MESSAGE:,} characters")
    if not connection.within_rate():
        return await _refuse(connection, f"at most {RATE:g} messages a second")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        return await _refuse(connection, "a message must be JSON")
    try:
        await messages.dispatch(connection, hub_, message)
    except (RoomError, ViewError) as error:
        retry = bool(getattr(error, "retry", False))
        await _refuse(connection, str(error), retry, message.get("seq"))


async def _greet(websocket: WebSocket, hub_: Hub) -> Connection | None:
    """Accept, read the hello, and send the room's current view: the connection, or None
    after telling the browser why not."""
    try:
        code = normalise_code(websocket.path_params.get("code", ""))
        connection = await _hello(websocket, hub_, code)
    except (RoomError, ValueError, asyncio.TimeoutError) as error:
        reason = str(error) or "no hello within 10 s"
        retry = bool(getattr(error, "retry", False))
        _log.info("room connection refused: %s", reason)
        with contextlib.suppress(Exception):
            await websocket.send_text(
                json.dumps(
                    {"type": "error", "reason": reason, **({"retry": True} if retry else {})}
                )
            )
            closing = 1013 if retry else 4404 if isinstance(error, NoSuchRoom) else 4403
            await websocket.close(code=closing)
        return None
    try:
        version, view = await hub_.call(hub_.rooms.latest, code)
    except RoomError:
        version, view = -1, None  # the backend is away: the catch-up after it sends the view
    if view is not None:
        connection.offer(version, view_message(version, view.to_json()))
    if not hub_.answering or view is None:
        connection.notify(DEGRADED)
    return connection


class RoomSocket:
    """The channel's ASGI endpoint: an app of the raw scope rather than a Starlette function
    endpoint, because the frame limit needs the server's own ``receive``."""

    async def __call__(self, scope, receive, send) -> None:
        await room_socket(scope, receive, send)


async def room_socket(scope, receive, send) -> None:
    websocket = WebSocket(scope, receive, send)
    hub_ = hub()
    hub_.start(asyncio.get_running_loop())
    if not allowed_origin(websocket.headers):
        _log.info("room connection refused: a page of %s", websocket.headers.get("origin", "")[:80])
        await websocket.close(code=1008, reason="not a page of this site")
        return
    await websocket.accept()
    limit_frames(receive, MAX_MESSAGE)
    connection, sender = None, None
    try:
        connection = await _greet(websocket, hub_)
        if connection is None:
            return
        sender = asyncio.create_task(connection.send_loop())
        while True:
            await _handle(connection, hub_, await _read(websocket))
    except (WebSocketDisconnect, asyncio.CancelledError):
        pass  # the browser went away, or the server is stopping
    except Exception as error:  # nothing a browser sends may end in a traceback
        _log.warning("room channel closed after %s: %s", type(error).__name__, str(error)[:200])
        if websocket.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close(code=1011, reason="the server could not read that")
    finally:
        if sender is not None:
            sender.cancel()
        if connection is not None:
            await hub_.remove(connection)


def routes() -> list:
    return [WebSocketRoute(PATH, RoomSocket())]


@asynccontextmanager
async def lifespan(app):
    """The hub starts with the server, on its event loop, and stops listening with it."""
    hub().start(asyncio.get_running_loop())
    yield
    stop = getattr(hub().rooms, "stop", None)
    if stop is not None:
        stop()
