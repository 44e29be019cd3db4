"""The latent canvas: the custom component (``explorer/frontend``) that draws maps and decodes
in the browser, the files it is served, and the WebAssembly kernel it runs.

Every component is declared here, so that their URLs (``/component/explorer.canvas.<name>/``,
which the browser's modules import each other by) name the package, not a module in it.
Streamlit registers a component only inside a page's run, so they are declared on the first
use of one, in a page's run (importing this package, as the server's warm-up does, declares
nothing); a replica serves these files once a page has run there (docs/deploy/nginx.conf asks
another replica meanwhile).
"""

import threading
from pathlib import Path

import plotly
import streamlit.components.v1 as components

from explorer.core.served import FOLDERS, SERVED

# explorer/frontend: every file the browser runs
FRONTEND = Path(__file__).resolve().parents[1] / "frontend"
for _folder in FOLDERS:
    (SERVED / _folder).mkdir(parents=True, exist_ok=True)
_declared: dict = {}
_declaring = threading.Lock()


def _declare_all() -> None:
    _declared["latent_canvas"] = components.declare_component("latent_canvas", path=str(FRONTEND))
    components.declare_component(
        "plotly_js", path=str(Path(plotly.__file__).parent / "package_data")
    )
    components.declare_component("files", path=str(SERVED))
    _declared["room_link"] = components.declare_component(
        "room_link", path=str(FRONTEND / "classroom" / "room")
    )
    _declared["traversal"] = components.declare_component(
        "traversal", path=str(FRONTEND / "traversal")
    )


def declared(name: str):
    """The component ``name`` (latent_canvas, room_link or traversal). The first call, in a
    page's run, declares them all (with the plotly.js and figure files they load)."""
    with _declaring:
        if not _declared:
            _declare_all()
    return _declared[name]


def latent_canvas_component(*args, **kwargs):
    return declared("latent_canvas")(*args, **kwargs)


def room_link_component(*args, **kwargs):
    return declared("room_link")(*args, **kwargs)


def traversal_component(*args, **kwargs):
    return declared("traversal")(*args, **kwargs)
