"""The shipped nginx recipe (docs/deploy/nginx.conf) in front of app replicas started here:
the test of the recipe and the lecture drill (benchmarks/lecture_drill.py) run it as shipped,
with their own ports and log."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.drivers.browser import ROOT

CONFIG = ROOT / "docs" / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)


def proxy_config(replicas: list[str], port: int, log: Path) -> str:
    """The shipped config with these replicas' addresses, this port and log file."""
    text = CONFIG.read_text()
    servers = re.findall(r"server 127\.0\.0\.1:\d+", text)
    assert len(servers) == 2, "the recipe lists two replicas"
    for server, url in zip(servers, replicas):
        text = text.replace(server, f"server {url.removeprefix('http://')}", 1)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    return text.replace("/var/log/nginx/explorer.log", str(log))


@contextlib.contextmanager
def nginx(folder: Path, config: str):
    """nginx in the foreground with ``config``, its files in ``folder``."""
    (folder / "nginx.conf").write_text(config)
    directives = f"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;"
    check = subprocess.run(
        [NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", directives],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise RuntimeError(check.stderr)
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", directives]
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(10)


def wait_for(url: str, timeout: float = 30.0) -> None:
    """Until ``url`` answers 200 (AssertionError after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.1)


def upstreams_by_browser(log: Path) -> dict[str, set[str]]:
    """The replicas nginx sent each browser's requests to, by its replica cookie."""
    found: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        match = re.search(r"upstream=(\S+) replica=(\S*)", line)
        if match and match.group(2) not in ("", "-") and match.group(1) != "-":
            found.setdefault(match.group(2), set()).add(match.group(1).split(",")[-1].strip())
    return found
