"""What :class:`~explorer.classroom.redis_rooms.RedisRooms` keeps beside its calls: the Lua
scripts it runs in Redis (each one step of a room, done atomically whichever replica asks), the
replica's memory of the rooms it serves (:class:`RoomMemory`), to put one back when Redis
forgets it, and the loop that hears every room's changes (:func:`subscribe`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from explorer.classroom.rooms import IDLE_SECONDS
from explorer.core.view import View

_log = logging.getLogger(__name__)

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

# A room put back: KEYS room hash, open-rooms set. ARGV token hash, view JSON, version, channel,
# code, idle seconds, now, "teacher" (a teacher reopening: refuse another's token) or "".
# Returns the room's version (it was there, or is now), or -2 when another teacher holds the code.
RESTORE = """
local token = redis.call('HGET', KEYS[1], 'token')
if token then
  if ARGV[8] ~= '' and token ~= ARGV[1] then return -2 end
  return tonumber(redis.call('HGET', KEYS[1], 'version'))
end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'version', ARGV[3], 'view', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[5])
redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. ARGV[3] .. ' ' .. ARGV[2])
return tonumber(ARGV[3])
"""

# A member with a live connection. KEYS room hash, members (zset by last seen). ARGV member,
# now, stale before, most members, idle seconds. Returns 1, -1 (no room) or -2 (full).
JOIN = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
local full = redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4])
if full and not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -2 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
"""


def redis_client(url: str):
    """A client of the rooms' Redis server that gives up fast when it is away, and tries again
    at once, on a new connection, when a restart broke a pooled one (rather than answer
    "unavailable" for every broken connection in turn)."""
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=5,
        socket_connect_timeout=3,
        health_check_interval=10,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
    )


@dataclass
class _Known:
    """What this replica last saw of a room."""

    token_hash: str
    version: int
    view_json: str
    seen: float  # time.time() when last used here


class RoomMemory:
    """The rooms this replica has served: their teacher's token hash, newest view and version."""

    def __init__(self):
        self._known: dict[str, _Known] = {}
        self._lock = threading.Lock()

    def remember(self, code: str, **parts) -> None:
        """Note ``token_hash``, ``version`` and ``view_json`` (any of them) of a room; a room
        heard of (pub/sub) but never served here is not kept: there is no teacher to put back."""
        with self._lock:
            known = self._known.get(code)
            if known is None:
                if "token_hash" not in parts:
                    return
                known = self._known[code] = _Known(parts["token_hash"], 0, View().to_json(), 0.0)
            if parts.get("version", -1) >= known.version:
                known.version = parts["version"]
                known.view_json = parts.get("view_json", known.view_json)
            known.token_hash = parts.get("token_hash", known.token_hash)
            known.seen = time.time()

    def forget(self, code: str) -> None:
        with self._lock:
            self._known.pop(code, None)

    def restorable(self, code: str) -> tuple[str, int, str] | None:
        """(token hash, the next version, view JSON) of a room to put back; None for a room
        never served here or idle for IDLE_SECONDS (it stays closed)."""
        with self._lock:
            known = self._known.get(code)
            if known is None or time.time() - known.seen > IDLE_SECONDS:
                return None
            return known.token_hash, known.version + 1, known.view_json


def subscribe(
    client,
    channel: str,
    stopping: threading.Event,
    heard: Callable[[bytes], None],
    status: Callable[[bool], None],
    error_type: type[Exception],
) -> None:
    """Hear every message on ``channel`` until ``stopping``, reconnecting with backoff; ``status``
    hears when the channel is lost (False) and when it is back (True)."""
    delay, lost = 0.1, False
    while not stopping.is_set():
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(channel)
            delay = 0.1
            if lost:
                lost = False
                _log.warning("the rooms' Redis channel is back")
                status(True)
            while not stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is not None:
                    heard(message["data"])
        except error_type as error:
            if not lost:
                lost = True
                status(False)
            _log.warning("lost the rooms' Redis channel (%s); again in %.1f s", error, delay)
            stopping.wait(delay)
            delay = min(delay * 2, 1.0)
        finally:
            pubsub.close()  # unsubscribed: a stopped listener hears nothing more
