"""The rooms of one server process, kept in its memory (the default backend of
:class:`~explorer.classroom.rooms.Rooms`: nothing to install)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from explorer.classroom.rooms import (
    CLOSED,
    IDLE_SECONDS,
    MAX_MEMBERS,
    MAX_ROOMS,
    MEMBER_SECONDS,
    NOT_TEACHER,
    RoomError,
    Rooms,
    new_code,
    normalise_code,
    not_a_room,
    token_hash,
)
from explorer.core.view import View


@dataclass
class _Room:
    token_hash: str
    touched: float
    view: View = field(default_factory=View)
    version: int = 0
    members: dict[str, float] = field(default_factory=dict)  # member -> last seen
    records: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> member -> JSON


class MemoryRooms(Rooms):
    """The rooms of one server process, in its memory."""

    def __init__(self, clock=time.monotonic):
        super().__init__()
        self._clock = clock
        self._lock = threading.Lock()
        self._rooms: dict[str, _Room] = {}

    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, room in self._rooms.items() if now - room.touched > IDLE_SECONDS]:
            del self._rooms[code]

    def _room(self, code: str) -> _Room:
        self._expire()
        room = self._rooms.get(normalise_code(code))
        if room is None:
            raise not_a_room(normalise_code(code))
        return room

    def open(self) -> tuple[str, str]:
        with self._lock:
            self._expire()
            if len(self._rooms) >= MAX_ROOMS:
                raise RoomError("This server holds as many rooms as it can; close an old one first")
            code = new_code()
            while code in self._rooms:
                code = new_code()
            token = secrets.token_hex(16)
            self._rooms[code] = _Room(token_hash(token), self._clock())
            return code, token

    def _teacher_room(self, code: str, token: str) -> _Room:
        room = self._room(code)
        if not secrets.compare_digest(room.token_hash, token_hash(token)):
            raise RoomError(NOT_TEACHER)
        room.touched = self._clock()
        return room

    def check_teacher(self, code: str, token: str) -> str:
        with self._lock:
            self._teacher_room(code, token)
            return normalise_code(code)

    def reopen(self, code: str, token: str, view: View) -> int:
        code = normalise_code(code)
        with self._lock:
            self._expire()
            if code in self._rooms:
                return self._teacher_room(code, token).version
            if len(self._rooms) >= MAX_ROOMS:
                raise RoomError("This server holds as many rooms as it can; close an old one first")
            self._rooms[code] = _Room(token_hash(token), self._clock(), view, 1)
        self._announce(code, 1, view.to_json())
        return 1

    def close(self, code: str, token: str) -> None:
        with self._lock:
            self._teacher_room(code, token)
            del self._rooms[normalise_code(code)]
        self._announce(normalise_code(code), CLOSED, "")

    def latest(self, code: str) -> tuple[int, View]:
        with self._lock:
            room = self._room(code)
            return room.version, room.view

    def _store(self, code: str, token: str, view: View, expected: int | None) -> int | None:
        with self._lock:
            room = self._teacher_room(code, token)
            if expected is not None and expected != room.version:
                return None
            if view == room.view:
                return room.version
            room.view, room.version = view, room.version + 1
            version = room.version
        self._announce(code, version, view.to_json())
        return version

    def join(self, code: str, member: str) -> str:
        with self._lock:
            room = self._room(code)
            now = self._clock()
            for stale in [m for m, seen in room.members.items() if now - seen > MEMBER_SECONDS]:
                del room.members[stale]
            if member not in room.members and len(room.members) >= MAX_MEMBERS:
                raise RoomError(f"Room {normalise_code(code)} is full ({MAX_MEMBERS} students)")
            room.members[member] = room.touched = now  # a room students use stays open
            return normalise_code(code)

    def refresh(self, code: str, members) -> None:
        with self._lock:
            room = self._room(code)
            now = self._clock()
            for member in members:
                room.members[member] = now
            room.touched = now

    def leave(self, code: str, member: str) -> None:
        with self._lock:
            try:
                self._room(code).members.pop(member, None)
            except RoomError:
                pass  # leaving a closed room needs nothing

    def present(self, code: str) -> int:
        with self._lock:
            now = self._clock()
            return sum(
                1 for seen in self._room(code).members.values() if now - seen <= MEMBER_SECONDS
            )

    def _record(self, code: str, kind: str, member: str, value: str) -> None:
        with self._lock:
            room = self._room(code)
            room.records.setdefault(kind, {})[member] = value
            room.members[member] = room.touched = self._clock()

    def _records(self, code: str, kind: str) -> dict[str, str]:
        with self._lock:
            return dict(self._room(code).records.get(kind, {}))

    def _clear_records(self, code: str, kind: str) -> None:
        with self._lock:
            self._room(code).records.pop(kind, None)
