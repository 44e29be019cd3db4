"""The server's memory under a class: glibc's allocator, told to keep less.

Streamlit runs each session's script on a thread of its own, and torch, numpy and Plotly
allocate and free large blocks from those threads. With glibc's defaults every busy thread
may get a malloc arena of its own (up to eight per core), and memory freed inside an arena
stays in the process until the top of that arena is free. A server with a class on it then
holds far more than it uses: benchmarks/fuzz.py measured 1.2 GiB in the allocator's arenas
of which 0.5 GiB was in use. Two measures, both no-ops outside glibc:

- :func:`fewer_malloc_arenas` (at import): the threads share two arenas;
- :func:`start_trimming` (on the first page run): every TRIM_SECONDS, ``malloc_trim``
  hands the free pages inside the arenas back to the system.

An operator's own ``MALLOC_ARENA_MAX`` is left as it is.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
import time

logger = logging.getLogger(__name__)

MALLOC_ARENAS = 2  # arenas the server's threads share (glibc's default: 8 per core)
TRIM_SECONDS = 10.0  # how often free memory inside the arenas goes back to the system
M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h

_started = threading.Lock()
_trimming = False


def _glibc():
    """glibc's C library, or None on other systems and C libraries."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (both exist only in glibc)
    except (OSError, AttributeError):
        return None
    return libc


def fewer_malloc_arenas() -> None:
    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def start_trimming() -> None:
    """Start the trimming thread once per process (later calls return at once)."""
    global _trimming
    with _started:
        if _trimming:
            return
        libc = _glibc()
        if libc is None:
            return
        _trimming = True
    threading.Thread(target=_trim_forever, args=(libc,), daemon=True, name="malloc-trim").start()


def _trim_forever(libc) -> None:
    while True:
        time.sleep(TRIM_SECONDS)
        started = time.perf_counter()
        libc.malloc_trim(0)
        logger.debug("malloc_trim took %.1f ms", 1000 * (time.perf_counter() - started))
