"""Classroom rooms: a teacher's :class:`~explorer.core.view.View` that students follow, and quiz
answers, behind one small interface with two backends.

- :class:`~explorer.classroom.memory_rooms.MemoryRooms`: one server process (the default;
  nothing to install).
- :class:`~explorer.classroom.redis_rooms.RedisRooms`: every replica that shares a Redis
  server (``VAE_EXPLORER_REDIS_URL``): codes are unique across replicas, the teacher's last
  view outlives a replica, and each published view reaches every replica through one pub/sub
  channel. :func:`explorer.classroom.backend.shared` picks the one this process uses.

A teacher opens a room and gets a short code for the board and a secret token; only the
token (kept in the teacher's browser, compared here by its hash) changes the room, and it
takes the room back after a reload, a lost replica or a lost Redis (:meth:`Rooms.reopen`).
Every change of the view gets the next version and is announced to the :meth:`Rooms.listen`
callbacks of every process as ``(code, version, view JSON)``; a closed room is announced
with version -1 and no view. Followers that connect or reconnect read :meth:`Rooms.latest`:
the current state, never a replay.

Students are counted by their live connections: the live channel joins a member when its
first connection opens, refreshes the members it holds every few seconds and has a member
leave when its last connection closes, so a connection is one member and nobody fills a room
by claiming names; a replica that dies stops refreshing its members, which then lapse. A
backend that cannot answer for a moment raises :class:`RoomUnavailable`, which callers treat
as "try again", never as "the room is gone".
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable

from explorer.core.view import QuizState, View
from vae_core.data.catalog import DatasetError
from vae_core.data.catalog import get as get_dataset

_log = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread from a board
CODE_LENGTH = 5
CODE_PATTERN = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
IDLE_SECONDS = 4 * 3600  # a room nobody has used for this long is closed
MEMBER_SECONDS = 30.0  # a student not heard from for this long no longer counts as present
MAX_ROOMS = 500
MAX_MEMBERS = 2000  # students with a live connection: a lecture hall, with room to spare
MAX_COORDINATE = 50.0  # quiz answers beyond this are not on any map
ANSWERS = "answer"  # the kind of record a quiz click is kept as
RECORD_KIND = re.compile(r"[a-z][a-z_]{0,31}")  # a record's kind: no separator, short
MAX_RECORD = 2_000  # characters of one member's record, as JSON
CLOSED = -1  # the version announced when a room closes

Listener = Callable[[str, int, str], None]  # (code, version, view JSON or "") from any thread
StatusListener = Callable[[bool], None]  # whether the rooms' backend answers, from any thread


REDIS_URL = "VAE_EXPLORER_REDIS_URL"  # a Redis server shared by the replicas (redis://host:6379/0)


def _classes(dataset: str) -> int:
    """How many classes a room's dataset has (0 when unlabelled or unknown here)."""
    try:
        return get_dataset(dataset).classes
    except DatasetError:
        return 0


class RoomError(ValueError):
    """A room operation that cannot be done, with a sentence for the user."""

    retry = False  # whether the same operation may work in a moment


class NoSuchRoom(RoomError):
    """No room has this code (never opened, closed, or expired)."""


class RoomUnavailable(RoomError):
    """The rooms' backend does not answer now: the room is not gone, try again shortly."""

    retry = True


def normalise_code(text: str) -> str:
    """A code as typed ("k7m 2q") in canonical form; RoomError for anything that cannot be one."""
    code = re.sub(r"[\s-]", "", str(text or "")).upper()
    if not CODE_PATTERN.match(code):
        raise RoomError(
            f"Room codes are {CODE_LENGTH} letters and digits, like K7M2Q (no 0, O, 1 or I)"
        )
    return code


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def token_hash(token: str) -> str:
    return hashlib.sha256(str(token).encode()).hexdigest()


def read_answer(point) -> tuple[float, float]:
    """A quiz click as (x, y); RoomError unless two finite numbers on a map."""
    try:
        x, y = (float(v) for v in point)
    except (TypeError, ValueError):
        raise RoomError("A quiz answer is a point on the map") from None
    if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > MAX_COORDINATE:
        raise RoomError("A quiz answer must lie on the map")
    return x, y


def not_a_room(code: str) -> NoSuchRoom:
    return NoSuchRoom(f"No room {code} on this server: check the code, or it has been closed")


NOT_TEACHER = "Only the teacher who opened this room can change it"


class Rooms(ABC):
    """Every room this server can reach. All methods are thread-safe and may block briefly."""

    def __init__(self):
        self._listeners: list[Listener] = []
        self._status_listeners: list[StatusListener] = []

    def listen(
        self, listener: Listener, on_status: StatusListener | None = None
    ) -> Callable[[], None]:
        """Call ``listener(code, version, view_json)`` for every change of any room, and
        ``on_status(answering)`` when the backend stops or starts answering, from any thread;
        returns the call that stops both."""
        self._listeners.append(listener)
        if on_status is not None:
            self._status_listeners.append(on_status)

        def stop() -> None:
            for group, item in ((self._listeners, listener), (self._status_listeners, on_status)):
                if item in group:
                    group.remove(item)

        return stop

    def _announce_status(self, answering: bool) -> None:
        for listener in list(self._status_listeners):
            try:
                listener(answering)
            except Exception:
                _log.exception("a room status listener failed")

    def _announce(self, code: str, version: int, text: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(code, version, text)
            except Exception:  # a listener's failure is its own; the others still hear
                _log.exception("a room listener failed")

    @abstractmethod
    def open(self) -> tuple[str, str]:
        """A new room: (code for the board, token for the teacher's session)."""

    @abstractmethod
    def close(self, code: str, token: str) -> None: ...

    @abstractmethod
    def check_teacher(self, code: str, token: str) -> str:
        """The canonical code when ``token`` is the room's; RoomError otherwise."""

    @abstractmethod
    def latest(self, code: str) -> tuple[int, View]:
        """(version, view) now; RoomError for an unknown room."""

    @abstractmethod
    def _store(self, code: str, token: str, view: View, expected: int | None) -> int:
        """Store ``view`` as the room's when the token is the teacher's (and the version is
        still ``expected``, when given): the new version (the old one when nothing changed),
        or None when the version had moved on."""

    @abstractmethod
    def reopen(self, code: str, token: str, view: View) -> int:
        """The teacher takes their room back where the backend lost it (a restarted server, a
        Redis that forgot): a room under ``code`` again, for ``token``, showing ``view``; its
        version. When the room is there, this is :meth:`check_teacher` and its version. A
        code another teacher's room holds stays theirs (RoomError)."""

    @abstractmethod
    def join(self, code: str, member: str) -> str:
        """A member with a live connection, present for MEMBER_SECONDS; the canonical code.
        RoomError when the room is full of other members."""

    @abstractmethod
    def refresh(self, code: str, members) -> None:
        """These members still hold live connections: present for MEMBER_SECONDS more (and
        present again where the backend forgot them)."""

    @abstractmethod
    def leave(self, code: str, member: str) -> None:
        """The member's last connection closed."""

    @abstractmethod
    def present(self, code: str) -> int:
        """Members whose connections were refreshed in the last MEMBER_SECONDS."""

    @abstractmethod
    def _record(self, code: str, kind: str, member: str, value: str) -> None:
        """Keep ``value`` (JSON) as ``member``'s last record of ``kind`` in the room, and count
        the member as present."""

    @abstractmethod
    def _records(self, code: str, kind: str) -> dict[str, str]:
        """Each member's last record of ``kind`` (JSON), by member."""

    @abstractmethod
    def _clear_records(self, code: str, kind: str) -> None: ...

    def record(self, code: str, kind: str, member: str, value) -> None:
        """Keep a plain value as ``member``'s last ``kind`` (a quiz answer, a raised hand): one
        per member and kind, kept with the room in either backend, so a message declared in
        :mod:`explorer.classroom.messages` can keep what each student sent without a change
        here."""
        if not RECORD_KIND.fullmatch(str(kind)):
            raise RoomError(f"a record's kind is a short lower-case name, not {str(kind)[:20]!r}")
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise RoomError("a record is a plain value: numbers, words, lists") from None
        if len(text) > MAX_RECORD:
            raise RoomError("a record is a small value")
        self._record(normalise_code(code), kind, member, text)

    def records(self, code: str, kind: str) -> dict[str, object]:
        """Each member's last ``kind``, by member."""
        code = normalise_code(code)
        return {member: json.loads(text) for member, text in self._records(code, kind).items()}

    def clear_records(self, code: str, kind: str) -> None:
        self._clear_records(normalise_code(code), kind)

    def answers(self, code: str) -> list[tuple[float, float]]:
        """Each student's last quiz click."""
        return [tuple(point) for point in self.records(code, ANSWERS).values()]

    def publish(self, code: str, token: str, view: View) -> int:
        """Make ``view`` the room's (teacher only): its version, unchanged when the view is."""
        return self._store(normalise_code(code), token, view, None)

    def patch(self, code: str, token: str, changes: dict) -> int:
        """Change part of the room's view (teacher only; ``changes`` as in a room message,
        checked): the new version. ViewError for unusable changes."""
        for _ in range(20):
            version, view = self.latest(code)
            merged = View.from_message({**view.to_message(), **changes})
            stored = self._store(normalise_code(code), token, merged, version)
            if stored is not None:
                return stored
        raise RoomError("The room changed too often to apply this change; try again")

    def start_quiz(self, code: str, token: str, target: int) -> None:
        self.check_teacher(code, token)
        classes = _classes(self.latest(code)[1].dataset)
        if not isinstance(target, int) or isinstance(target, bool) or not 0 <= target < classes:
            raise RoomError(
                f"A quiz asks for one of the dataset's {classes} classes"
                if classes
                else "A quiz asks where a class lives: this dataset has no classes"
            )
        self.clear_records(code, ANSWERS)
        self.patch(code, token, {"quiz": {"target": target, "revealed": False}})

    def reveal(self, code: str, token: str) -> None:
        quiz = self.latest(code)[1].quiz
        if quiz is None:
            raise RoomError("There is no quiz to reveal")
        self.patch(code, token, {"quiz": {"target": quiz.target, "revealed": True}})

    def end_quiz(self, code: str, token: str) -> None:
        self.patch(code, token, {"quiz": None})

    def quiz(self, code: str) -> QuizState | None:
        return self.latest(code)[1].quiz

    def answer(self, code: str, member: str, point) -> tuple[float, float]:
        """A student's click in the quiz (the last one counts). RoomError when no quiz waits
        for answers or the point is not a finite position on a map."""
        x, y = read_answer(point)
        quiz = self.quiz(code)
        if quiz is None or quiz.revealed:
            raise RoomError("No quiz is waiting for answers in this room")
        self.record(code, ANSWERS, member, [x, y])
        return x, y
