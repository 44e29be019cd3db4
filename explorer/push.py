"""Rerun another session as if its browser had asked: how a room's followers see the
teacher's new view at once, instead of at their next poll.

A session that wants to be told registers a :class:`Listener` (made by :func:`listener`
during one of its own runs); another session's run calls :func:`rerun` with it. The rerun
goes through Streamlit's own path for a browser's rerun request, on the server's event
loop, exactly as a click would, for the page the session's latest run is on. Ask for a
rerun of one of the session's keyed fragments (``@st.fragment(key=...)``) where you can:
it waits for a run in progress instead of stopping it.

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
    fragments: tuple[tuple[str, str], ...] = ()  # (key, fragment id) of the session's keyed fragments

    def fragment(self, key: str) -> str | None:
        return dict(self.fragments).get(key)


def listener(fragment_keys: tuple[str, ...] = ()) -> Listener | None:
    """This run's session as a listener (None outside a script run), with the ids of those of
    its ``@st.fragment(key=...)`` fragments named in ``fragment_keys`` that it has now."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    fragments = []
    for key in fragment_keys:
        try:
            fragments.append((key, ctx.fragment_storage.resolve_target(key)[0]))
        except Exception:  # no such fragment on this page (or another Streamlit)
            continue
    return Listener(ctx.session_id, ctx.page_script_hash, ctx.query_string, tuple(fragments))


def current_page() -> str | None:
    """The page script hash this run is for (None outside a script run)."""
    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.page_script_hash


def _event_loop():
    try:
        return Runtime.instance()._get_async_objs().eventloop
    except Exception:  # no runtime (AppTest, a script), or another Streamlit
        return None


def available() -> bool:
    """Whether this server can rerun other sessions."""
    return _event_loop() is not None


def rerun(listeners, fragment_keys: tuple[str, ...] = ()) -> int:
    """Ask each listener's session for a rerun of the first of its fragments named in
    ``fragment_keys`` (keys, in order of preference), or of its whole page when it has none
    of them; the number of requests sent. Sessions that have gone are skipped by Streamlit,
    and so are fragments that have gone with a change of page."""
    loop = _event_loop()
    if loop is None:
        return 0
    sent = 0
    for target in listeners:
        state = ClientState(page_script_hash=target.page_script_hash, query_string=target.query_string)
        fragment_id = next(filter(None, (target.fragment(key) for key in fragment_keys)), None)
        if fragment_id is not None:
            state.fragment_id = fragment_id
        try:
            loop.call_soon_threadsafe(_deliver, target.session_id, state)
        except RuntimeError:  # the server is shutting down
            return sent
        sent += 1
    return sent


def _deliver(session_id: str, state: ClientState) -> None:
    """On the event loop: hand the request to the session, as its websocket handler would,
    for the page its latest run is on (the listener's page can be a switch behind: a
    fragment's rerun that names another page than the browser shows empties the page)."""
    try:
        runtime = Runtime.instance()
        session = runtime.get_app_session(session_id)
        if session is None:
            return  # the tab was closed
        state.page_script_hash = session.page_script_hash or state.page_script_hash
        runtime.handle_backmsg(session_id, BackMsg(rerun_script=state))
    except Exception as error:  # a session closing, the runtime stopping: its next poll catches up
        _log.debug("could not rerun session %s: %s", session_id, error)
