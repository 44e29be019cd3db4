"""Rooms in Redis, shared by every replica of the app (``VAE_EXPLORER_REDIS_URL``).

Per room ``vae-explorer:room:<code>`` is a hash (the token's hash, the view's JSON and its
version), with a sorted set of members by last seen and a hash of each member's records (a
quiz answer, and whatever a declared message keeps: field ``<kind>:<member>``) beside it;
all expire after IDLE_SECONDS without use. Versions move in one Lua script per change, so two
replicas never hand out one version twice, and the same script publishes the change on one
pub/sub channel that every replica listens to (a thread per process that reconnects with
backoff when Redis goes away, and says so to the hub).

Redis may forget: a restart without persistence, a flushed or replaced server. Every replica
remembers the rooms it has served (token hash, view, version) and puts a room it finds
missing back, once, atomically (the first replica to notice wins), one version on, so that
every follower applies it. docs/SCALING.md says which Redis durability this asks for.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from explorer.classroom.redis_parts import (
    JOIN,
    RESTORE,
    STORE,
    RoomMemory,
    redis_client,
    subscribe,
)
from explorer.classroom.rooms import (
    CLOSED,
    IDLE_SECONDS,
    MAX_MEMBERS,
    MAX_ROOMS,
    MEMBER_SECONDS,
    NOT_TEACHER,
    NoSuchRoom,
    RoomError,
    Rooms,
    RoomUnavailable,
    new_code,
    normalise_code,
    not_a_room,
    token_hash,
)
from explorer.core.view import View, ViewError

_log = logging.getLogger(__name__)

PREFIX = "vae-explorer:"
CHANNEL = PREFIX + "rooms"  # every change of every room: "<code> <version> <view JSON>"
ROOMS = PREFIX + "rooms-open"  # a sorted set of open rooms by creation time, for MAX_ROOMS
PARTS = ("", "members", "records")  # the keys of one room
UNAVAILABLE = "The classroom server (Redis) does not answer; the room is kept, try again shortly"


class RedisRooms(Rooms):
    def __init__(self, url: str, *, client=None):
        super().__init__()
        import redis  # the "rooms" extra: only a server with VAE_EXPLORER_REDIS_URL needs it

        self._redis_module = redis
        self._url = url
        self._client = client or redis_client(url)
        self._scripts = {
            name: self._client.register_script(text)
            for name, text in (("store", STORE), ("restore", RESTORE), ("join", JOIN))
        }
        self._memory = RoomMemory()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- keys and calls -------------------------------------------------------------------

    @staticmethod
    def _key(code: str, part: str = "") -> str:
        return f"{PREFIX}room:{code}{':' + part if part else ''}"

    def _call(self, function, *args):
        """Redis errors as a RoomUnavailable the pages can show (the room is not gone)."""
        try:
            return function(*args)
        except self._redis_module.RedisError as error:
            _log.warning("the rooms' Redis server did not answer: %s", error)
            raise RoomUnavailable(UNAVAILABLE) from None

    def _script(self, name: str, keys: list[str], args: list) -> int:
        return int(self._call(self._scripts[name], keys, args))

    def _touch(self, pipe, code: str) -> None:
        for part in PARTS:
            pipe.expire(self._key(code, part), IDLE_SECONDS)

    # --- what this replica remembers --------------------------------------------------------

    def _restore(self, code: str) -> bool:
        """Put a room this replica remembers back into a Redis that lost it: whether it is there
        now. A room idle for IDLE_SECONDS stays closed."""
        known = self._memory.restorable(code)
        if known is None:
            return False
        token, version, view = known
        result = self._restore_room(code, token, view, version, teacher=False)
        _log.warning("room %s was missing from Redis: put back at version %d", code, result)
        return True

    def _restore_room(self, code: str, token: str, view: str, version: int, teacher: bool) -> int:
        args = [
            token,
            view,
            version,
            CHANNEL,
            code,
            IDLE_SECONDS,
            time.time(),
            "1" if teacher else "",
        ]
        result = self._script("restore", [self._key(code), ROOMS], args)
        if result == -2:
            raise RoomError(NOT_TEACHER)
        self._memory.remember(code, token_hash=token, version=result, view_json=view)
        return result

    def _present_or_restored(self, code: str, operation):
        """``operation()``, once more after putting the room back when it was missing."""
        try:
            return operation()
        except NoSuchRoom:
            if not self._restore(code):
                raise
            return operation()

    # --- the teacher ----------------------------------------------------------------------

    def open(self) -> tuple[str, str]:
        def create():
            now = time.time()
            self._client.zremrangebyscore(ROOMS, 0, now - IDLE_SECONDS)
            if self._client.zcard(ROOMS) >= MAX_ROOMS:
                raise RoomError("This server holds as many rooms as it can; close an old one first")
            token = secrets.token_hex(16)
            while True:
                code = new_code()
                if self._client.hsetnx(self._key(code), "token", token_hash(token)):
                    break  # unique across replicas
            pipe = self._client.pipeline()
            pipe.hset(self._key(code), mapping={"version": 0, "view": View().to_json()})
            pipe.zadd(ROOMS, {code: now})
            self._touch(pipe, code)
            pipe.execute()
            self._memory.remember(code, token_hash=token_hash(token), version=0)
            return code, token

        return self._call(create)

    def reopen(self, code: str, token: str, view: View) -> int:
        code = normalise_code(code)
        return self._restore_room(code, token_hash(token), view.to_json(), 1, teacher=True)

    def check_teacher(self, code: str, token: str) -> str:
        code = normalise_code(code)

        def check():
            stored = self._call(self._client.hget, self._key(code), "token")
            if stored is None:
                raise not_a_room(code)
            return stored.decode()

        stored = self._present_or_restored(code, check)
        if not secrets.compare_digest(stored, token_hash(token)):
            raise RoomError(NOT_TEACHER)
        self._memory.remember(code, token_hash=stored)
        return code

    def close(self, code: str, token: str) -> None:
        code = self.check_teacher(code, token)

        def remove():
            pipe = self._client.pipeline()
            pipe.delete(*(self._key(code, part) for part in PARTS))
            pipe.zrem(ROOMS, code)
            pipe.publish(CHANNEL, f"{code} {CLOSED} ")
            pipe.execute()

        self._call(remove)
        self._memory.forget(code)

    def latest(self, code: str) -> tuple[int, View]:
        code = normalise_code(code)

        def read():
            version, text, token = self._call(
                self._client.hmget, self._key(code), "version", "view", "token"
            )
            if version is None or text is None:
                raise not_a_room(code)
            return int(version), text.decode(), token.decode() if token else None

        version, text, token = self._present_or_restored(code, read)
        if token:
            self._memory.remember(code, token_hash=token, version=version, view_json=text)
        try:
            return version, View.from_json(text)
        except ViewError:
            _log.warning("room %s holds an unreadable view; showing the default", code)
            return version, View()

    def _store(self, code: str, token: str, view: View, expected: int | None) -> int | None:
        text = view.to_json()
        args = [token_hash(token), text, "" if expected is None else str(expected)]
        args += [CHANNEL, code, IDLE_SECONDS]

        def store():
            result = self._script("store", [self._key(code)], args)
            if result == -1:
                raise not_a_room(code)
            return result

        result = self._present_or_restored(code, store)
        if result == -2:
            raise RoomError(NOT_TEACHER)
        if result == -3:
            return None
        self._memory.remember(code, token_hash=token_hash(token), version=result, view_json=text)
        return result

    # --- students -------------------------------------------------------------------------

    def _exists(self, code: str) -> str:
        code = normalise_code(code)

        def exists():
            if not self._call(self._client.exists, self._key(code)):
                raise not_a_room(code)

        self._present_or_restored(code, exists)
        return code

    def join(self, code: str, member: str) -> str:
        code = normalise_code(code)
        keys = [self._key(code), self._key(code, "members")]

        def add():
            now = time.time()
            args = [member, now, now - MEMBER_SECONDS, MAX_MEMBERS, IDLE_SECONDS]
            result = self._script("join", keys, args)
            if result == -1:
                raise not_a_room(code)
            return result

        if self._present_or_restored(code, add) == -2:
            raise RoomError(f"Room {code} is full ({MAX_MEMBERS} students)")
        return code

    def refresh(self, code: str, members) -> None:
        code, now = normalise_code(code), time.time()
        members = {member: now for member in members}
        if members:
            pipe = self._client.pipeline()
            pipe.zadd(self._key(code, "members"), members)
            self._touch(pipe, code)
            self._call(pipe.execute)

    def leave(self, code: str, member: str) -> None:
        try:
            self._call(self._client.zrem, self._key(normalise_code(code), "members"), member)
        except RoomError:
            pass  # leaving needs nothing from a server that is away

    def present(self, code: str) -> int:
        code = self._exists(code)
        key = self._key(code, "members")
        return int(self._call(self._client.zcount, key, time.time() - MEMBER_SECONDS, "+inf"))

    def _record(self, code: str, kind: str, member: str, value: str) -> None:
        pipe = self._client.pipeline()
        pipe.hset(self._key(code, "records"), f"{kind}:{member}", value)
        pipe.zadd(self._key(code, "members"), {member: time.time()})
        self._touch(pipe, code)
        self._call(pipe.execute)

    def _records(self, code: str, kind: str) -> dict[str, str]:
        every = self._call(self._client.hgetall, self._key(self._exists(code), "records"))
        prefix = f"{kind}:".encode()
        return {
            f[len(prefix) :].decode(): v.decode() for f, v in every.items() if f.startswith(prefix)
        }

    def _clear_records(self, code: str, kind: str) -> None:
        if fields := [f"{kind}:{member}" for member in self._records(code, kind)]:
            self._call(self._client.hdel, self._key(code, "records"), *fields)

    # --- the channel ------------------------------------------------------------------------

    def listen(self, listener, on_status=None):
        stop = super().listen(listener, on_status)
        if self._thread is None:
            self._thread = threading.Thread(target=self._subscribe, name="rooms-redis", daemon=True)
            self._thread.start()
        return stop

    def _subscribe(self) -> None:
        error = self._redis_module.RedisError
        subscribe(self._client, CHANNEL, self._stopping, self._heard, self._announce_status, error)

    def _heard(self, data: bytes) -> None:
        code, version, text = data.decode().split(" ", 2)
        if int(version) == CLOSED:
            self._memory.forget(code)
        else:
            self._memory.remember(code, version=int(version), view_json=text)
        self._announce(code, int(version), text)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
