"""Files the browser fetches by URL: exported models and published figures, each written once
under the hash of its content (so the browser may keep it for good) into a folder of the cache
that the canvas's ``files`` component serves (:mod:`explorer.canvas`)."""

from __future__ import annotations

import hashlib
import os
import uuid

from vae_core.data.paths import cache_dir

SERVED = cache_dir() / "browser"  # exported models and figures, named by their content
FILES_URL = "../explorer.canvas.files"  # relative to a component's page
FOLDERS = ("models", "figures")


def publish(data: bytes, folder: str, suffix: str) -> str:
    """Write ``data`` under its content hash (once) and return its URL for the canvas."""
    name = f"{hashlib.sha256(data).hexdigest()[:20]}{suffix}"
    path = SERVED / folder / name
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        # a name of its own per call: two sessions may publish the same figure at once
        tmp = path.with_name(f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return f"{FILES_URL}/{folder}/{name}"


def publish_figure(figure) -> str:
    """A Plotly figure as a JSON file the canvas fetches (and the browser caches)."""
    return publish(figure.to_json(engine="orjson").encode(), "figures", ".json")
