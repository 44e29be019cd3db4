"""A session's shared values: its :class:`~explorer.core.view.View` (what it shows: page, model,
point, path, selection, quiz, arrows) and the names of the few session-state values that
more than one module reads or writes.

Widget keys are prefixed by their page (``map_``, ``interp_``, ``cmp_``, ``train_``,
``proj_``, ``sweep_``).
"""

from __future__ import annotations

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


def view() -> View:
    """What this session shows now."""
    current = st.session_state.get(STATE_KEY)
    return current if isinstance(current, View) else View()


def update(**changes) -> View:
    """Change part of this session's view (checked: ViewError for impossible values)."""
    changed = view().replace(**changes)
    st.session_state[STATE_KEY] = changed
    return changed


def adopt(new: View) -> None:
    """Make ``new`` this session's view, the sidebar's pickers included (a room's view)."""
    st.session_state[STATE_KEY] = new
    if new.model:
        st.session_state[DATASET], st.session_state[MODEL] = new.dataset, new.model


def move_point(point, source: str) -> None:
    """The server's own choice of point (a link, a button, an upload, a room): the canvas
    shows it even where the user pinned another one since."""
    update(
        point=None if point is None else tuple(float(v) for v in point), point_source=source or ""
    )
    st.session_state[MAP_PIN] = st.session_state.get(MAP_PIN, 0) + 1
