"""Rerun another session as if its browser had asked: how a room's followers see the
teacher's new view at once, instead of at their next poll.

A session that wants to be told registers a :class:`Listener` (made by :func:`listener`
during one of its own runs); another session's run calls :func:`rerun` with it. The rerun
goes through Streamlit's own path for a browser's rerun request, on the server's event
loop, so it queues behind (or replaces) whatever the session is running, exactly as a
click would. A listener of a page with a keyed fragment can have that fragment rerun
alone.

Streamlit has no public call for this. The runtime internals it needs (the runtime's event
loop, a run context's fragment storage) are named here and nowhere else; where they are
missing, :func:`available` is False, nothing is pushed, and followers keep to their poll.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Listener:
    """Where to send a session's rerun: the session, its page, and the page's fragment."""

    session_id: str
    page_script_hash: str
    query_string: str
    fragment_id: str | None = None  # the page's fragment that shows the room's view, if it has one


def listener(fragment_key: str | None = None) -> Listener | None:
    """This run's session as a listener (None outside a script run); with ``fragment_key``,
    the ``@st.fragment(key=...)`` of that name, declared in this run, reruns alone."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    fragment_id = None
    if fragment_key is not None:
        try:
            fragment_id = ctx.fragment_storage.resolve_target(fragment_key)[0]
        except Exception:  # another Streamlit, or no such fragment: the whole page reruns
            fragment_id = None
    return Listener(ctx.session_id, ctx.page_script_hash, ctx.query_string, fragment_id)


def _event_loop():
    try:
        return Runtime.instance()._get_async_objs().eventloop
    except Exception:  # no runtime (AppTest, a script), or another Streamlit
        return None


def available() -> bool:
    """Whether this server can rerun other sessions."""
    return _event_loop() is not None


def rerun(listeners, fragment: bool = False) -> int:
    """Ask each listener's session for a rerun of its page, or of its fragment when
    ``fragment`` and it has one; the number of requests sent. Sessions that have gone are
    skipped by Streamlit.

    The rerun is of the page the listener's session last ran, with the widget values the
    server holds: a session that should show another page switches there itself
    (``st.switch_page``, which the browser follows; Streamlit drops the values of widgets
    on a page change it did not get from the browser)."""
    loop = _event_loop()
    if loop is None:
        return 0
    sent = 0
    for target in listeners:
        state = ClientState(page_script_hash=target.page_script_hash, query_string=target.query_string)
        if fragment and target.fragment_id:
            state.fragment_id = target.fragment_id
        try:
            loop.call_soon_threadsafe(_deliver, target.session_id, BackMsg(rerun_script=state))
        except RuntimeError:  # the server is shutting down
            return sent
        sent += 1
    return sent


def _deliver(session_id: str, message: BackMsg) -> None:
    """On the event loop: hand the request to the session, as its websocket handler would."""
    try:
        Runtime.instance().handle_backmsg(session_id, message)
    except Exception as error:  # a session closing, the runtime stopping: its next poll catches up
        _log.debug("could not rerun session %s: %s", session_id, error)
