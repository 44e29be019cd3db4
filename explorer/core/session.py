"""A session's shared values: its :class:`~explorer.core.view.View` (what it shows: page,
dataset and model, point, path, selection, quiz, arrows; the one place they are kept) and the
names of the few session-state values that more than one module reads or writes.

Widget keys are prefixed by their page (``map_``, ``interp_``, ``cmp_``, ``train_``,
``proj_``, ``sweep_``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from explorer.core.view import STATE_KEY, View

# Latent map: counts the server's moves of the point (the canvas applies each once)
MAP_PIN = "map_pin_token"
# a shared link was read; what was wrong with it
LINK_APPLIED, LINK_WARNING = (
    "link_applied",
    "link_warning",
)


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
    """Make ``new`` this session's view (a room's): the sidebar's pickers show its model."""
    replace(new)


def choose(dataset: str, model: str | None) -> View:
    """The dataset and model shown (the sidebar's pickers, a page that opens a model): another
    model forgets the old one's point, path, selection and arrows (positions in its space)."""
    current = view()
    if (current.dataset, current.model) == (dataset, model):
        return current
    changes: dict = {"dataset": dataset, "model": model}
    if current.model is not None and model != current.model:
        changes.update(point=None, point_source="", ends=None, selection=None, arrows=())
    return update(**changes)


def move_point(point, source: str) -> None:
    """The server's own choice of point (a link, a button, an upload, a room): the canvas
    shows it even where the user pinned another one since."""
    update(
        point=None if point is None else tuple(float(v) for v in point), point_source=source or ""
    )
    st.session_state[MAP_PIN] = st.session_state.get(MAP_PIN, 0) + 1
