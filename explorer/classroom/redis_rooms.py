"""Rooms in Redis, shared by every replica of the app (``VAE_EXPLORER_REDIS_URL``).

Per room ``vae-explorer:room:<code>`` is a hash (the token's hash, the view's JSON and its
version), with a sorted set of members by last seen and a hash of quiz answers beside it;
all expire after IDLE_SECONDS without use. Versions move in one Lua script per change, so
two replicas never hand out one version twice, and the same script publishes the change on
one pub/sub channel that every replica listens to (a thread per process that reconnects
with backoff when Redis goes away).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

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
from explorer.core.view import View, ViewError

_log = logging.getLogger(__name__)

PREFIX = "vae-explorer:"
CHANNEL = PREFIX + "rooms"  # every change of every room: "<code> <version> <view JSON>"
ROOMS = PREFIX + "rooms-open"  # a sorted set of open rooms by creation time, for MAX_ROOMS

# KEYS: room hash. ARGV: token hash, view JSON, expected version ("" for any), channel, code, idle
# seconds.
# Returns -1 (no room), -2 (not the teacher), -3 (the version moved on), else the version.
STORE = """
local token = redis.call('HGET', KEYS[1], 'token')
if not token then return -1 end
if token ~= ARGV[1] then return -2 end
redis.call('EXPIRE', KEYS[1], ARGV[6])
local version = tonumber(redis.call('HGET', KEYS[1], 'version'))
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= version then return -3 end
if redis.call('HGET', KEYS[1], 'view') == ARGV[2] then return version end
version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'view', ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. version .. ' ' .. ARGV[2])
return version
"""


class RedisRooms(Rooms):
    def __init__(self, url: str, *, client=None):
        super().__init__()
        import redis  # the "rooms" extra: only a server with VAE_EXPLORER_REDIS_URL needs it

        self._redis_module = redis
        self._url = url
        self._client = client or redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=3, health_check_interval=10
        )
        self._store_script = self._client.register_script(STORE)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- keys ---------------------------------------------------------------------------

    @staticmethod
    def _key(code: str, part: str = "") -> str:
        return f"{PREFIX}room:{code}{':' + part if part else ''}"

    def _call(self, function, *args):
        """Redis errors as a RoomError the pages can show."""
        try:
            return function(*args)
        except self._redis_module.RedisError as error:
            _log.warning("the rooms' Redis server did not answer: %s", error)
            raise RoomError(
                "The classroom server (Redis) does not answer; try again in a moment"
            ) from None

    def _touch(self, pipe, code: str) -> None:
        for part in ("", "members", "answers"):
            pipe.expire(self._key(code, part), IDLE_SECONDS)

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
                if self._client.hsetnx(
                    self._key(code), "token", token_hash(token)
                ):  # unique across replicas
                    break
            pipe = self._client.pipeline()
            pipe.hset(self._key(code), mapping={"version": 0, "view": View().to_json()})
            pipe.zadd(ROOMS, {code: now})
            self._touch(pipe, code)
            pipe.execute()
            return code, token

        return self._call(create)

    def check_teacher(self, code: str, token: str) -> str:
        code = normalise_code(code)
        stored = self._call(self._client.hget, self._key(code), "token")
        if stored is None:
            raise not_a_room(code)
        if not secrets.compare_digest(stored.decode(), token_hash(token)):
            raise RoomError(NOT_TEACHER)
        return code

    def close(self, code: str, token: str) -> None:
        code = self.check_teacher(code, token)

        def remove():
            pipe = self._client.pipeline()
            pipe.delete(self._key(code), self._key(code, "members"), self._key(code, "answers"))
            pipe.zrem(ROOMS, code)
            pipe.publish(CHANNEL, f"{code} {CLOSED} ")
            pipe.execute()

        self._call(remove)

    def latest(self, code: str) -> tuple[int, View]:
        code = normalise_code(code)
        version, text = self._call(self._client.hmget, self._key(code), "version", "view")
        if version is None or text is None:
            raise not_a_room(code)
        try:
            return int(version), View.from_json(text.decode())
        except ViewError:
            _log.warning("room %s holds an unreadable view; showing the default", code)
            return int(version), View()

    def _store(self, code: str, token: str, view: View, expected: int | None) -> int | None:
        args = [
            token_hash(token),
            view.to_json(),
            "" if expected is None else str(expected),
            CHANNEL,
            code,
            IDLE_SECONDS,
        ]
        result = int(self._call(self._store_script, [self._key(code)], args))
        if result == -1:
            raise not_a_room(code)
        if result == -2:
            raise RoomError(NOT_TEACHER)
        return None if result == -3 else result

    # --- students -------------------------------------------------------------------------

    def _exists(self, code: str) -> str:
        code = normalise_code(code)
        if not self._call(self._client.exists, self._key(code)):
            raise not_a_room(code)
        return code

    def join(self, code: str, member: str) -> str:
        code = self._exists(code)
        members = self._key(code, "members")

        def add():
            now = time.time()
            self._client.zremrangebyscore(members, 0, now - MEMBER_SECONDS)
            if (
                self._client.zscore(members, member) is None
                and self._client.zcard(members) >= MAX_MEMBERS
            ):
                raise RoomError(f"Room {code} is full ({MAX_MEMBERS} students)")
            pipe = self._client.pipeline()
            pipe.zadd(members, {member: now})
            self._touch(pipe, code)
            pipe.execute()

        self._call(add)
        return code

    def seen(self, code: str, member: str) -> None:
        code = normalise_code(code)
        self._call(
            self._client.zadd, self._key(code, "members"), {member: time.time()}, False, True
        )  # xx: members only

    def leave(self, code: str, member: str) -> None:
        try:
            self._call(self._client.zrem, self._key(normalise_code(code), "members"), member)
        except RoomError:
            pass  # leaving needs nothing from a server that is away

    def present(self, code: str) -> int:
        code = self._exists(code)
        return int(
            self._call(
                self._client.zcount,
                self._key(code, "members"),
                time.time() - MEMBER_SECONDS,
                "+inf",
            )
        )

    def _record(self, code: str, member: str, point: tuple[float, float]) -> None:
        pipe = self._client.pipeline()
        pipe.hset(self._key(code, "answers"), member, f"{point[0]!r},{point[1]!r}")
        pipe.zadd(self._key(code, "members"), {member: time.time()})
        self._touch(pipe, code)
        self._call(pipe.execute)

    def answers(self, code: str) -> list[tuple[float, float]]:
        code = self._exists(code)
        values = self._call(self._client.hvals, self._key(code, "answers"))
        return [tuple(float(v) for v in value.decode().split(",")) for value in values]

    def _clear_answers(self, code: str) -> None:
        self._call(self._client.delete, self._key(code, "answers"))

    # --- the channel ------------------------------------------------------------------------

    def listen(self, listener):
        stop = super().listen(listener)
        if self._thread is None:
            self._thread = threading.Thread(target=self._subscribe, name="rooms-redis", daemon=True)
            self._thread.start()
        return stop

    def _subscribe(self) -> None:
        """Hear every room's changes until :meth:`stop`, reconnecting with backoff."""
        delay = 0.2
        while not self._stopping.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(CHANNEL)
                delay = 0.2
                while not self._stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._heard(message["data"])
            except self._redis_module.RedisError as error:
                _log.warning("lost the rooms' Redis channel (%s); again in %.1f s", error, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, 5.0)
            finally:
                pubsub.close()  # unsubscribed: a stopped listener hears nothing more

    def _heard(self, data: bytes) -> None:
        code, version, text = data.decode().split(" ", 2)
        self._announce(code, int(version), text)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
