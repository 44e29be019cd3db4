"""Share links: the model, clicked point (all its coordinates), interpolation ends, path and
α live in the address bar (``?model=<name>&z=x,y&a=x,y&b=x,y&path=slerp``), so a link
reopens the same view. The link is one serialisation of the session's View
(:meth:`explorer.core.view.View.to_query`). Beside it, :func:`download`: what a page hands
out as a file."""

from __future__ import annotations

import streamlit as st

from explorer.core import session
from explorer.core.catalog import Catalog
from explorer.core.view import POINT_LIMIT, View, format_point

__all__ = ["POINT_LIMIT", "apply_link", "download", "format_point", "share_control"]


def apply_link(catalog: Catalog) -> None:
    """On a session's first run, restore the view from the URL. Anything unusable is
    ignored with a warning in the sidebar, never an error."""
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
    base = session.view()
    if entry is not None:
        base = base.replace(dataset=entry.dataset, model=entry.name)
    view, wrong = View.from_query(params, base)
    session.replace(view)
    if view.point is not None:
        state[session.MAP_PIN] = state.get(session.MAP_PIN, 0) + 1
    problems += wrong
    if problems:
        state[session.LINK_WARNING] = (
            "Shared link: " + "; ".join(problems) + ". Showing the defaults instead."
        )


def share_control(container=None, **extra: str) -> None:
    """Put this view (and page-specific values) into the URL and show the link with a copy
    button."""
    for key, value in {**session.view().to_query(), **extra}.items():
        st.query_params[key] = value
    url = st.context.url or ""
    query = "&".join(f"{k}={v}" for k, v in st.query_params.to_dict().items())
    target = container if container is not None else st.sidebar
    with target.popover("Share this view", icon=":material/link:"):
        st.caption("Anyone who opens this link sees this page, model and point:")
        st.code(f"{url}?{query}" if query else url, language=None)


def download(where, label: str, data, file_name: str, mime: str, key: str, **options) -> None:
    """A download button in ``where`` (the page or a column) that starts no rerun; ``data`` is
    bytes, or a function made to run only when the button is pressed."""
    where.download_button(
        label,
        data=data,
        file_name=file_name,
        mime=mime,
        on_click="ignore",
        key=key,
        icon=":material/download:",
        **options,
    )
