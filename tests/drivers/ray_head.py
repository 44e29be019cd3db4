"""A real Ray head for the tests, started with ``ray start`` in its own temporary folder,
with token authentication, and killed with SIGKILL the way a crashed machine would go."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.drivers.browser import free_port


def head_processes(temp_dir: str) -> list[int]:
    """The processes of the head started in ``temp_dir`` (they name it on their command
    line), with every process they started."""
    roots = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if temp_dir.encode() in (entry / "cmdline").read_bytes():
                    roots.append(int(entry.name))
            except OSError:
                continue
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        try:
            todo += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            pass
    return sorted(found)


class RayHead:
    """``ray start --head`` on a free port of this machine (see the module docstring)."""

    def __init__(
        self,
        cpus: int = 2,
        port: int | None = None,
        token: str | None = None,
        authenticated: bool = True,
    ):
        self.cpus, self.authenticated = cpus, authenticated
        self.port = port or free_port()
        self.token = token or secrets.token_hex(32)
        # short: Ray's socket paths must stay short
        self.temp_dir = tempfile.mkdtemp(prefix="rh", dir="/tmp")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to join this head."""
        if not self.authenticated:
            return {"RAY_AUTH_MODE": "disabled"}
        return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.token}

    def start(self) -> RayHead:
        ray = str(Path(sys.executable).with_name("ray"))
        command = [
            ray,
            "start",
            "--head",
            "--port",
            str(self.port),
            "--num-cpus",
            str(self.cpus),
            "--include-dashboard",
            "false",
            "--disable-usage-stats",
            "--temp-dir",
            self.temp_dir,
        ]
        done = subprocess.run(
            command, env={**os.environ, **self.env}, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"ray start failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
        return self

    def kill(self) -> float:
        """SIGKILL every process of the head; the moment it was done (time.monotonic)."""
        pids = head_processes(self.temp_dir)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        deadline = time.monotonic() + 30
        while head_processes(self.temp_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        return killed

    def kill_gcs(self) -> None:
        """SIGKILL the head's GCS server only: the cluster's head is lost, while its raylet and
        the workers it started live on (as on a machine that kept running)."""
        for pid in head_processes(self.temp_dir):
            with contextlib.suppress(OSError):
                if b"gcs_server" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.temp_dir, ignore_errors=True)


@contextlib.contextmanager
def ray_head(**options):
    head = RayHead(**options).start()
    try:
        yield head
    finally:
        head.remove()
