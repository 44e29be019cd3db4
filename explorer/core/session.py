"""A session's shared values: its :class:`~explorer.core.view.View` (what it shows: page, model,
point, path, selection, quiz, arrows) and the names of the few session-state values that
more than one module reads or writes.

Widget keys are prefixed by their page (``map_``, ``interp_``, ``cmp_``, ``train_``,
``proj_``, ``sweep_``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from explorer.core.view import STATE_KEY, View

DATASET = "dataset"  # the sidebar's dataset
MODEL = "model_name"  # the sidebar's model (a checkpoint name)
# Latent map: counts the server's moves of the point (the canvas applies each once)
MAP_PIN = "map_pin_token"
LINK_APPLIED, LINK_WARNING = (
    "link_applied",
    "link_warning",
)  # a shared link was read; what was wrong with it


@dataclass
class Shown:
    """The one place a session keeps its View. A run may hold on to it: after a page's
    ``st.stop()`` Streamlit refuses the session's state, and the room still needs the view the
    run ended with."""

    view: View = field(default_factory=View)


def shown() -> Shown:
    """This session's holder of what it shows."""
    current = st.session_state.get(STATE_KEY)
    if not isinstance(current, Shown):
        current = st.session_state[STATE_KEY] = Shown()
    return current


def view() -> View:
    """What this session shows now."""
    return shown().view


def update(**changes) -> View:
    """Change part of this session's view (checked: ViewError for impossible values)."""
    holder = shown()
    holder.view = holder.view.replace(**changes)
    return holder.view


def replace(new: View) -> None:
    """Make ``new`` this session's view (a link's)."""
    shown().view = new


def adopt(new: View) -> None:
    """Make ``new`` this session's view, the sidebar's pickers included (a room's view)."""
    replace(new)
    if new.model:
        st.session_state[DATASET], st.session_state[MODEL] = new.dataset, new.model


def move_point(point, source: str) -> None:
    """The server's own choice of point (a link, a button, an upload, a room): the canvas
    shows it even where the user pinned another one since."""
    update(
        point=None if point is None else tuple(float(v) for v in point), point_source=source or ""
    )
    st.session_state[MAP_PIN] = st.session_state.get(MAP_PIN, 0) + 1
