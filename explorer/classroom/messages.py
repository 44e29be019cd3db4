"""What a browser may send on a room's live channel, each kind declared once: its name, its
fields, who may send it, and what the server does with it.

The channel (:mod:`explorer.classroom.websocket`) reads a message's ``type``, finds its
declaration here and refuses anything that is not one: an unknown type, a sender who may
not send it, a missing or unknown field. The browser reads the same table (``table()``,
handed to the canvas with the room it joins, see explorer/frontend/README.md) and sends
nothing it declares refused, so both sides speak from one list. :func:`register` adds a kind
from outside (the tests add one).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from explorer.classroom.rooms import RoomError

TEACHER, STUDENT = "teacher", "student"


@dataclass(frozen=True)
class Message:
    """One kind of message a browser sends on the channel."""

    name: str  # its "type"
    senders: frozenset[str]  # TEACHER, STUDENT or both
    fields: dict[str, str] = field(default_factory=dict)  # required field -> what it holds
    handle: Callable[..., Awaitable[None]] | None = None  # (connection, hub, message) -> None
    help: str = ""  # one line for the contract


MESSAGES: dict[str, Message] = {}


def register(message: Message) -> Message:
    if message.handle is None:
        raise ValueError(f"message {message.name!r} needs a handler")
    MESSAGES[message.name] = message
    return message


def table() -> dict:
    """The declarations as plain JSON, for the browser and the contract."""
    return {
        name: {"senders": sorted(m.senders), "fields": sorted(m.fields), "help": m.help}
        for name, m in sorted(MESSAGES.items())
    }


async def dispatch(connection, hub, message) -> None:
    """Check ``message`` against its declaration and run its handler; RoomError otherwise."""
    kind = message.get("type") if isinstance(message, dict) else None
    declared = MESSAGES.get(kind) if isinstance(kind, str) else None
    if declared is None:
        raise RoomError(f"unknown message type {str(kind)[:20]!r}")
    role = TEACHER if connection.teacher else STUDENT
    if role not in declared.senders:
        raise RoomError(
            "only the teacher changes the room's view"
            if declared.senders == {TEACHER}
            else f"a {role} does not send {kind!r}"
        )
    missing = [name for name in declared.fields if name not in message]
    extra = sorted(set(message) - set(declared.fields) - {"type"})
    if missing or extra:
        wrong = missing[0] if missing else extra[0]
        raise RoomError(f"a {kind!r} message {'needs' if missing else 'has no'} {wrong[:20]!r}")
    await declared.handle(connection, hub, message)


# --- the shipped kinds ---------------------------------------------------------------------


async def _ping(connection, hub, message) -> None:
    """Presence is kept by the live connection itself; a ping keeps proxies from closing it."""


async def _patch(connection, hub, message) -> None:
    seq = message["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq <= connection.seq:
        raise RoomError("a change must carry a newer sequence number (replayed?)")
    connection.seq = seq
    if not isinstance(message["view"], dict):
        raise RoomError("a change is part of a view")
    await hub.call(hub.rooms.patch, connection.code, connection.token, message["view"])


async def _answer(connection, hub, message) -> None:
    x, y = await hub.call(hub.rooms.answer, connection.code, connection.member, message["z"])
    connection.notify(json.dumps({"type": "answered", "z": [x, y]}))


register(Message("ping", frozenset({TEACHER, STUDENT}), {}, _ping, "stay connected"))
register(
    Message(
        "patch",
        frozenset({TEACHER}),
        {"seq": "a number above the last one", "view": "part of a View, as a room message"},
        _patch,
        "change part of the room's view",
    )
)
register(
    Message(
        "answer",
        frozenset({STUDENT}),
        {"z": "[x, y]: where the student thinks the quiz's class lives"},
        _answer,
        "answer the room's quiz",
    )
)
