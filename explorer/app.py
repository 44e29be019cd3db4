"""The app shell: the navigation, the frame around every page's run, and what the server does
at start-up.

``explorer_app.py`` asks this module for the server's routes and lifespan, and for the run of
each page view (:func:`run`); pages call :func:`ensure_frame` first. The features' parts of a
run (the classroom's) are registered here on :data:`explorer.core.hooks.HOOKS`, so nothing
below the shell imports a feature.

Start-up work lives here too: the server answers at once (this module imports the app's
modules only when a page runs, not when the server imports it), and a background warm-up
loads what a first view needs (the pages' modules, the model catalogue) while the browser is
still loading Streamlit's scripts, so the first page does not wait for imports.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import logging
import threading
import time

logger = logging.getLogger(__name__)
_frame_drawn = contextvars.ContextVar("explorer_frame_drawn", default=False)


def hooks():
    """The run's hook points, with the features' parts registered."""
    from explorer.classroom import frame as classroom_frame
    from explorer.core.hooks import HOOKS

    classroom_frame.register(HOOKS)
    return HOOKS


def navigation():
    """``st.navigation`` over the Home page (a function) and the scripts in ``pages/``:
    the chosen page and every page by its url path."""
    import streamlit as st

    from explorer.core.home import home
    from explorer.core.sitemap import PAGES

    pages = [st.Page(home, title="Home", icon=":material/home:", default=True)]
    pages += [st.Page(script, title=title, icon=icon) for script, title, icon, _ in PAGES]
    return st.navigation(pages), {page.url_path: page for page in pages}


def run() -> None:
    """explorer_app.py's whole body: navigation, the features' parts before the frame (a
    following student's run first catches up with the teacher's view), the frame, the sidebar's
    parts, then the chosen page, and the features' parts after it."""
    from explorer.core import allocator, session, sidebar

    allocator.start_trimming()
    registered = hooks()
    page, pages = navigation()
    for before in registered.before_run:
        before(pages, page.url_path)
    after = [around() for around in registered.around_run]
    sidebar.frame()
    if session.view().page != page.url_path:
        session.update(page=page.url_path, arrows=())
    for part in registered.sidebar:
        part()
    token = _frame_drawn.set(True)
    try:
        page.run()
    finally:
        _frame_drawn.reset(token)
        for done in after:
            done()


def ensure_frame() -> None:
    """Each page calls this first, so it has the frame however it was reached.

    Until ``st.navigation`` has run once in a server process, Streamlit treats the
    ``pages/`` folder as an old-style multipage app: the first visit straight to a page
    URL (a shared link after a restart) runs that page without explorer_app.py. The page
    then makes the run explorer_app.py would have made (navigation, which ends that mode
    for this server, the frame, and this page again) and stops its own first pass."""
    if _frame_drawn.get():
        return
    run()
    import streamlit as st

    st.stop()


# What the first view of any page needs, in the order it needs it. Training's modules (and so
# torch) are left to the pages that train: they are not needed to draw a map.
FIRST_VIEW_MODULES = (
    "explorer.core.sidebar",
    "explorer.core.home",
    "explorer.classroom.frame",
    "explorer.classroom.quiz_view",
    "explorer.maps.map_canvas",
    "explorer.maps.controls",
    "explorer.maps.upload",
    "explorer.maps.lens",
    "explorer.standalone.publish_view",
    "plotly.graph_objects",
)


def warm_up() -> float:
    """Import the first view's modules and read the model catalogue; seconds it took. A
    failure is logged and left to the page that needs the module to report."""
    start = time.perf_counter()
    try:
        for name in FIRST_VIEW_MODULES:
            importlib.import_module(name)
        from explorer.core import caches

        caches.catalog()
    except Exception:  # the page that needs it reports it to its user
        logger.exception("the start-up warm-up stopped early")
    seconds = time.perf_counter() - start
    logger.info("warmed up for the first view in %.2f s", seconds)
    return seconds


def routes() -> list:
    from explorer.classroom import websocket

    return websocket.routes()


@contextlib.asynccontextmanager
async def lifespan(app):
    """The classroom's channel for the server's life, and the warm-up started beside it."""
    from explorer.classroom import websocket

    threading.Thread(target=warm_up, daemon=True, name="first-view-warm-up").start()
    async with websocket.lifespan(app):
        yield
