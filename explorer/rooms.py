"""Classroom rooms: a teacher's view that students follow, and quizzes on the latent map.

A teacher opens a room and gets a short code to write on the board and a secret token
(kept in the teacher's session). Students join with the code. The teacher's session
publishes its view (page, model, pinned point, interpolation, selection) whenever it
changes; following sessions copy the view when its version moves, told at once through
the listener each of them leaves here (an opaque handle the app uses to rerun the session)
or, failing that, at their next poll. Only the holder
of the token can change a room, so nothing a student does reaches the teacher's screen
except quiz answers, which are kept per student (the last click counts).

Plain Python with a lock: :func:`explorer.cache.rooms` shares one registry per server.
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread from a board
CODE_LENGTH = 5
CODE_PATTERN = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
IDLE_SECONDS = 4 * 3600  # a room that neither the teacher nor a student has used for this long is closed
MEMBER_SECONDS = 30.0  # a student not heard from for this long no longer counts as present
MAX_ROOMS = 500
MAX_MEMBERS = 300
MAX_COORDINATE = 50.0  # quiz answers beyond this are not on any map


class RoomError(ValueError):
    """A room operation that cannot be done, with a sentence for the user."""


@dataclass
class Quiz:
    target: int  # the class the students look for
    answers: dict[str, tuple[float, float]] = field(default_factory=dict)  # member -> last click
    revealed: bool = False


@dataclass
class Room:
    code: str
    token: str
    touched: float
    view: dict = field(default_factory=dict)  # published session values and the page
    version: int = 0
    members: dict[str, float] = field(default_factory=dict)  # member -> last seen
    listeners: dict[str, object] = field(default_factory=dict)  # member -> how to tell the member's session
    quiz: Quiz | None = None
    quiz_version: int = 0


def normalise_code(text: str) -> str:
    """A code as typed ("k7m 2q") in canonical form; RoomError for anything that cannot be one."""
    code = re.sub(r"[\s-]", "", str(text or "")).upper()
    if not CODE_PATTERN.match(code):
        raise RoomError(f"Room codes are {CODE_LENGTH} letters and digits, like K7M2Q (no 0, O, 1 or I)")
    return code


class RoomRegistry:
    """Every room of one server."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._rooms: dict[str, Room] = {}

    def open(self) -> tuple[str, str]:
        """A new room: (code for the board, token for the teacher's session)."""
        with self._lock:
            self._expire()
            if len(self._rooms) >= MAX_ROOMS:
                raise RoomError("This server holds as many rooms as it can; close an old one first")
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            while code in self._rooms:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            token = secrets.token_hex(16)
            self._rooms[code] = Room(code, token, self._clock())
            return code, token

    def _room(self, code: str) -> Room:
        self._expire()
        room = self._rooms.get(normalise_code(code))
        if room is None:
            raise RoomError(f"No room {normalise_code(code)} on this server: check the code, or it has been closed")
        return room

    def _teacher_room(self, code: str, token: str) -> Room:
        room = self._room(code)
        if not secrets.compare_digest(room.token, str(token)):
            raise RoomError("Only the teacher who opened this room can change it")
        room.touched = self._clock()
        return room

    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, room in self._rooms.items() if now - room.touched > IDLE_SECONDS]:
            del self._rooms[code]

    def join(self, code: str, member: str) -> str:
        """Add a student; the canonical code. RoomError for unknown codes and full rooms."""
        with self._lock:
            room = self._room(code)
            self._seen(room, member)
            return room.code

    def _seen(self, room: Room, member: str) -> None:
        if member not in room.members and len(room.members) >= MAX_MEMBERS:
            stale = [m for m, seen in room.members.items() if self._clock() - seen > MEMBER_SECONDS]
            for m in stale:
                del room.members[m]
                room.listeners.pop(m, None)
            if len(room.members) >= MAX_MEMBERS:
                raise RoomError(f"Room {room.code} is full ({MAX_MEMBERS} students)")
        room.members[member] = room.touched = self._clock()  # a room students use stays open

    def leave(self, code: str, member: str) -> None:
        with self._lock:
            try:
                room = self._room(code)
            except RoomError:
                return  # leaving a closed room needs nothing
            room.members.pop(member, None)
            room.listeners.pop(member, None)

    def stop_listening(self, code: str, member: str) -> None:
        """A student who stopped following is no longer told of the teacher's changes."""
        with self._lock:
            try:
                self._room(code).listeners.pop(member, None)
            except RoomError:
                pass  # a closed room tells no one

    def close(self, code: str, token: str) -> None:
        with self._lock:
            del self._rooms[self._teacher_room(code, token).code]

    def publish(self, code: str, token: str, view: dict) -> int:
        """Replace the room's view (teacher only); the new version, or the old one when nothing changed."""
        with self._lock:
            room = self._teacher_room(code, token)
            if view != room.view:
                room.view, room.version = dict(view), room.version + 1
            return room.version

    def follow(self, code: str, member: str, listener: object = None) -> tuple[int, dict, int]:
        """(view version, view, quiz version) for a student, who counts as present and, given
        a ``listener``, is told of the next changes through it."""
        with self._lock:
            room = self._room(code)
            self._seen(room, member)
            if listener is not None:
                room.listeners[member] = listener
            return room.version, dict(room.view), room.quiz_version

    def listeners(self, code: str) -> list:
        """The listeners of the students heard from in the last MEMBER_SECONDS."""
        with self._lock:
            room, now = self._room(code), self._clock()
            return [listener for member, listener in room.listeners.items()
                    if now - room.members.get(member, -math.inf) <= MEMBER_SECONDS]  # fmt: skip

    def present(self, code: str) -> int:
        """Students heard from in the last MEMBER_SECONDS."""
        with self._lock:
            now = self._clock()
            return sum(1 for seen in self._room(code).members.values() if now - seen <= MEMBER_SECONDS)

    def start_quiz(self, code: str, token: str, target: int) -> None:
        if not isinstance(target, int) or not 0 <= target <= 9:
            raise RoomError("A quiz asks for one of the ten classes")
        with self._lock:
            room = self._teacher_room(code, token)
            room.quiz, room.quiz_version = Quiz(target), room.quiz_version + 1

    def reveal(self, code: str, token: str) -> None:
        with self._lock:
            room = self._teacher_room(code, token)
            if room.quiz is None:
                raise RoomError("There is no quiz to reveal")
            room.quiz.revealed, room.quiz_version = True, room.quiz_version + 1

    def end_quiz(self, code: str, token: str) -> None:
        with self._lock:
            room = self._teacher_room(code, token)
            room.quiz, room.quiz_version = None, room.quiz_version + 1

    def quiz(self, code: str) -> Quiz | None:
        """The room's quiz (a copy), for anyone in it."""
        with self._lock:
            quiz = self._room(code).quiz
            return None if quiz is None else Quiz(quiz.target, dict(quiz.answers), quiz.revealed)

    def answer(self, code: str, member: str, point) -> None:
        """A student's click in the quiz (the last one counts). RoomError when no quiz is open
        or the point is not a finite position on a map."""
        try:
            x, y = (float(v) for v in point)
        except (TypeError, ValueError):
            raise RoomError("A quiz answer is a point on the map") from None
        if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > MAX_COORDINATE:
            raise RoomError("A quiz answer must lie on the map")
        with self._lock:
            room = self._room(code)
            if room.quiz is None or room.quiz.revealed:
                raise RoomError("No quiz is waiting for answers in this room")
            self._seen(room, member)
            room.quiz.answers[member] = (x, y)  # followers need no news of it: only the teacher's heatmap reads answers
