"""Share links: the model, page, clicked point and interpolation endpoints live in the
address bar (``?model=<name>&z=x,y&a=x,y&b=x,y``), so a link reopens the same view."""

from __future__ import annotations

import math

import streamlit as st

from explorer import session
from explorer.catalog import Catalog

POINT_LIMIT = 50.0  # |coordinate| accepted from a link; the prior puts almost nothing beyond 5


def parse_point(text: str | None) -> list[float] | None:
    """'x,y' from a URL -> [x, y], or None when absent or not two finite numbers in range."""
    if not text:
        return None
    parts = str(text).split(",")
    if len(parts) != 2:
        return None
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    if not all(math.isfinite(v) and abs(v) <= POINT_LIMIT for v in values):
        return None
    return values


def format_point(point) -> str:
    return ",".join(f"{float(v):.4g}" for v in point[:2])


def apply_link(catalog: Catalog) -> None:
    """On a session's first run, restore dataset, model, clicked point and interpolation
    endpoints from the URL. Anything unusable is ignored with a warning in the sidebar,
    never an error."""
    state = st.session_state
    if state.get(session.LINK_APPLIED):
        return
    state[session.LINK_APPLIED] = True
    params = st.query_params
    problems = []
    name = params.get("model")
    entry = catalog.find(name) if name else None
    if name and entry is None:
        problems.append("the link's model is not on this server")
    if entry is not None:
        state[session.DATASET], state[session.MODEL] = entry.dataset, entry.name
        state[session.MAP_MODEL] = state[session.INTERP_MODEL] = entry.name
    z = parse_point(params.get("z"))
    if params.get("z") and z is None:
        problems.append(f"the link's point is not two numbers between -{POINT_LIMIT:g} and {POINT_LIMIT:g}")
    if z is not None:
        state[session.MAP_POINT], state[session.MAP_SOURCE] = z, "the shared link's point"
        state[session.COMPARE_POINT] = z
    a, b = parse_point(params.get("a")), parse_point(params.get("b"))
    if a is not None and b is not None:
        state[session.INTERP_POINTS], state[session.INTERP_SOURCE] = [a, b], "Two clicks on the latent map"
    elif params.get("a") or params.get("b"):
        problems.append("the link's interpolation endpoints are not usable")
    if problems:
        state[session.LINK_WARNING] = "Shared link: " + "; ".join(problems) + ". Showing the defaults instead."


def share_control(container=None, **extra: str) -> None:
    """Put page-specific values into the URL and show the link with a copy button."""
    for key, value in extra.items():
        st.query_params[key] = value
    url = st.context.url or ""
    query = "&".join(f"{k}={v}" for k, v in st.query_params.to_dict().items())
    target = container if container is not None else st.sidebar
    with target.popover("Share this view", icon=":material/link:"):
        st.caption("Anyone who opens this link sees this page, model and point:")
        st.code(f"{url}?{query}" if query else url, language=None)
