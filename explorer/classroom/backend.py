"""The rooms this server process reaches: in Redis when ``VAE_EXPLORER_REDIS_URL`` names a
server (every replica then shares them), else in this process's memory."""

from __future__ import annotations

import os
import threading

from explorer.classroom.memory_rooms import MemoryRooms
from explorer.classroom.rooms import REDIS_URL, Rooms

_shared: Rooms | None = None
_shared_lock = threading.Lock()


def shared() -> Rooms:
    """This process's rooms, made on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            url = os.environ.get(REDIS_URL, "").strip()
            if url:
                from explorer.classroom.redis_rooms import RedisRooms  # needs the "rooms" extra

                _shared = RedisRooms(url)
            else:
                _shared = MemoryRooms()
        return _shared
