"""docs/deploy/nginx.conf: two app replicas behind nginx, each browser kept on its replica."""

from __future__ import annotations

import pytest

from tests.drivers.browser import app_server, browser, canvas, chromium_available, free_port
from tests.drivers.proxy import NGINX, nginx, proxy_config, upstreams_by_browser, wait_for

pytestmark = pytest.mark.slow


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
    by_browser = upstreams_by_browser(log)
    assert len(by_browser) == 3, by_browser
    assert all(len(upstreams) == 1 for upstreams in by_browser.values()), by_browser  # sticky
