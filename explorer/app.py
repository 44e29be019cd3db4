"""The app shell: what the server does at start-up and around every page's run.

``explorer_app.py`` asks this module for the server's routes and lifespan, and for the run of
each page view. Start-up work lives here: the server answers at once, and a background
warm-up loads what a first view needs (the pages' modules, the model catalogue) while the
browser is still loading Streamlit's scripts, so the first page does not wait for imports.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
import time

logger = logging.getLogger(__name__)

# What the first view of any page needs, in the order it needs it. Training's modules (and so
# torch) are left to the pages that train: they are not needed to draw a map.
FIRST_VIEW_MODULES = (
    "explorer.core.sidebar",
    "explorer.maps.points",
    "explorer.maps.map_figures",
    "explorer.maps.placing",
    "explorer.maps.planes",
    "explorer.maps.lens",
    "explorer.comparisons.arithmetic",
    "plotly.graph_objects",
)


def warm_up() -> float:
    """Import the first view's modules and read the model catalogue; seconds it took. A
    failure is logged and left to the page that needs the module to report."""
    start = time.perf_counter()
    try:
        for name in FIRST_VIEW_MODULES:
            importlib.import_module(name)
        from explorer.core import loaded

        loaded.catalog()
    except Exception:  # the page that needs it reports it to its user
        logger.exception("the start-up warm-up stopped early")
    seconds = time.perf_counter() - start
    logger.info("warmed up for the first view in %.2f s", seconds)
    return seconds


def routes() -> list:
    from explorer.classroom import live

    return live.routes()


@contextlib.asynccontextmanager
async def lifespan(app):
    """The classroom's channel for the server's life, and the warm-up started beside it."""
    from explorer.classroom import live

    threading.Thread(target=warm_up, daemon=True, name="first-view-warm-up").start()
    async with live.lifespan(app):
        yield
