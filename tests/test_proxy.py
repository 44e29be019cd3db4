"""docs/deploy/nginx.conf: two app replicas behind nginx, each browser kept on its replica."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

from tests.drivers.browser import app_server, browser, canvas, chromium_available, free_port

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).resolve().parent.parent / "docs" / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)


def proxy_config(replicas: list[str], port: int, log: Path) -> str:
    """The shipped config with this test's ports and log file."""
    text = CONFIG.read_text()
    servers = re.findall(r"server 127\.0\.0\.1:\d+", text)
    assert len(servers) == 2, "the recipe lists two replicas"
    for server, url in zip(servers, replicas):
        text = text.replace(server, f"server {url.removeprefix('http://')}", 1)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    return text.replace("/var/log/nginx/explorer.log", str(log))


@contextlib.contextmanager
def nginx(folder: Path, config: str):
    (folder / "nginx.conf").write_text(config)
    directives = f"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;"
    check = subprocess.run(
        [NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", directives],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", directives]
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(10)


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.1)


@pytest.mark.skipif(
    NGINX is None or not chromium_available(),
    reason="needs nginx and chromium (.ci/run installs both)",
)
def test_two_replicas_behind_nginx_keep_each_browser_on_its_replica(tmp_path):
    env = {"VAE_EXPLORER_STORE": str(tmp_path / "store")}
    port, log = free_port(), tmp_path / "access.log"
    with app_server(env) as (first, _), app_server(env) as (second, _):
        (tmp_path / "nginx").mkdir()
        with (
            nginx(tmp_path / "nginx", proxy_config([first, second], port, log)),
            browser() as chromium,
        ):
            url = f"http://127.0.0.1:{port}"
            wait_for(f"{url}/_stcore/health")
            for _ in range(3):  # three students, each in a browser of their own
                context = chromium.new_context()
                page = context.new_page()
                page.goto(f"{url}/Latent_map?z=0.3,-0.4")
                canvas(page)  # the websocket and the component's files came through the proxy
                decoded = page.locator(".st-key-map_decoded")
                decoded.get_by_text("z = (0.300, -0.400)").wait_for(timeout=60_000)
                # The decoded image is a media file of the replica that drew the page: it loads only
                # if sticky.
                page.wait_for_function(
                    "() => { const img = document.querySelector('.st-key-map_decoded img');"
                    " return img && img.complete && img.naturalWidth > 0; }",
                    timeout=60_000,
                )
                assert any(c["name"] == "vae_explorer_replica" for c in context.cookies())
                context.close()
    by_browser = defaultdict(set)
    for line in log.read_text().splitlines():
        upstream, replica = re.search(r"upstream=(\S+) replica=(\S*)", line).groups()
        if replica not in ("", "-") and upstream != "-":
            by_browser[replica].add(upstream)
    assert len(by_browser) == 3, by_browser
    assert all(len(upstreams) == 1 for upstreams in by_browser.values()), by_browser  # sticky
