"""This session's place in a classroom room: its code, whether it teaches or follows, the
claim a new session makes from its address, and what a teacher's run publishes.

The teacher's session publishes its :class:`~explorer.core.view.View` after each of its runs
(:func:`publisher`); the teacher's canvas publishes pins, drags and ends itself, straight into
the room's live channel (explorer.classroom.websocket). A following student's browser
subscribes to that channel twice: the latent canvas applies point, ends, path, α, selection,
quiz and arrows as they come, with no run on the server, and the sidebar's room link
(``explorer/frontend/classroom/room``) asks its own page for a rerun when the teacher's page or
model is not the one shown. A
following run adopts the room's newest view as it starts (:func:`before_run`). A new session
whose address names a room (a reload, a lost replica) reads what this browser holds among the
cookies it came with: the teacher's secret takes the room back, a student joins again. The
sidebar's panel is :mod:`explorer.classroom.room_panel`; the rooms are
:mod:`explorer.classroom.rooms`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.classroom import messages
from explorer.classroom.backend import shared
from explorer.classroom.rooms import (
    MAX_MEMBERS,
    NoSuchRoom,
    RoomError,
    RoomUnavailable,
    normalise_code,
)
from explorer.core import session
from explorer.core.view import QuizState, View

ROOM, TOKEN, MEMBER, FOLLOW = "room_code", "room_token", "room_member", "room_follow"
SEEN = "room_seen"  # the room's view version this session adopted
NOTICE = "room_notice"  # a message for the sidebar
DELIVERY = "room_delivery"  # whether the teacher's view reached the room (Delivery)
CLAIMED = "room_claimed"  # the address's room was taken back or joined (once per session)
FORGET = "room_forget"  # a closed room's code: the teacher's browser drops its secret
TOKEN_COOKIE = "vae_explorer_room_"  # + code: the teacher's secret, kept by the room link
MEMBER_COOKIE = "vae_explorer_member"  # a browser's member id, kept by the room link
ROOM_PARAM = "room"  # the room in the address bar: a new session (a reload, a replica lost) rejoins
MEMBER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


def is_teacher() -> bool:
    return bool(st.session_state.get(TOKEN))


def room_code() -> str | None:
    return st.session_state.get(ROOM)


def address_room() -> str | None:
    """The room this session shows in its address."""
    return room_code()


def following() -> bool:
    """A student in a room who follows the teacher."""
    state = st.session_state
    return room_code() is not None and not is_teacher() and bool(state.get(FOLLOW))


def member() -> str:
    return st.session_state.setdefault(MEMBER, uuid.uuid4().hex[:12])


def canvas_room(names=None) -> dict | None:
    """What the latent canvas needs to join this session's room: None outside one, and for a
    student exploring alone. A teacher's canvas publishes; a student's applies."""
    code = room_code()
    if code is None or not (is_teacher() or following()):
        return None
    return {
        "code": code,
        "member": member(),
        "token": st.session_state.get(TOKEN),
        "names": list(names or []),
        "messages": messages.table(),  # what the channel takes, as the server declares it
    }


# --- around every run ----------------------------------------------------------------------


def before_run(pages: dict, here: str) -> None:
    """A new session whose address names a room takes it back (the teacher, by the secret in
    their browser) or joins it again (a student); a following student's run adopts the room's
    newest view (switching to its page, which ends this run, when it is elsewhere)."""
    if delivery_state().lost:  # the last run's view was refused: this session no longer teaches
        forget(delivery_state().lost)
        delivery_state().lost = None
    _claim()
    if not following():
        return
    state = st.session_state
    try:
        version, view = shared().latest(room_code())
    except RoomUnavailable:
        return  # the room is kept: the room link says the channel is catching up
    except RoomError as error:
        forget(f"{error}. You are exploring on your own.")
        return
    if version != state.get(SEEN):
        state[SEEN] = version
        if view.point != session.view().point:
            state[session.MAP_PIN] = state.get(session.MAP_PIN, 0) + 1  # the map's star moves too
        session.adopt(view)
    target = pages.get(session.view().page)
    if target is not None and target.url_path != here:
        st.switch_page(target)


@dataclass
class Delivery:
    """What the room holds of this teacher's view, kept where a run that ends after a page's
    ``st.stop()`` can still write it (see :func:`publisher`)."""

    synced: View | None = None  # the view as the room last took it (None: send it whole)
    lost: str | None = None  # the room refused this teacher: the next run forgets it

    def changes(self, view: View) -> dict:
        """The parts of ``view`` the room has not taken yet, as a room message's parts."""
        new = view.to_message()
        if self.synced is None:
            return new
        old = self.synced.to_message()
        return {name: value for name, value in new.items() if old[name] != value}


def delivery_state() -> Delivery:
    """What the room holds of this teacher's view (kept in the session)."""
    return st.session_state.setdefault(DELIVERY, Delivery())


def publisher() -> Callable[[], None]:
    """What a run calls when it ends: the parts of the view that changed since the room last
    took it go to the room. Only those: the canvas publishes pins and drags itself, and a part
    the teacher did not change must not undo one. Everything it needs is read now, before the
    page runs, since a page that calls ``st.stop()`` ends with the session's state closed."""
    code, token = room_code(), st.session_state.get(TOKEN)
    if code is None or not token:
        return lambda: None
    holder, delivery = session.shown(), delivery_state()
    return lambda: _deliver(code, token, holder, delivery)


def _deliver(code: str, token: str, holder: session.Shown, delivery: Delivery) -> bool:
    """What changed to the room: whether it arrived. A store that does not answer keeps it for
    the next try; a room the store lost is taken back whole."""
    view = holder.view
    changes = delivery.changes(view)
    if not changes:
        return True
    try:
        try:
            shared().patch(code, token, changes)
        except NoSuchRoom:
            shared().reopen(code, token, view)
    except RoomUnavailable:
        return False
    except RoomError as error:
        delivery.lost = str(error)
        return False
    delivery.synced = view
    return True


def publish_now() -> bool:
    """Send what the room has not taken now, from a run (the count's tick, a room just opened)."""
    delivery = delivery_state()
    arrived = _deliver(room_code(), st.session_state[TOKEN], session.shown(), delivery)
    if delivery.lost:
        forget(delivery.lost)
        delivery.lost = None
    return arrived


def token_cookie(code: str) -> str:
    """The cookie in which the teacher's browser keeps a room's secret (the room link sets it;
    a code holds only letters and digits)."""
    return f"{TOKEN_COOKIE}{code}"


def _claim() -> None:
    """The address names a room this session is not in (a reload, a lost replica): with the
    room's secret among this browser's cookies, teach it again; else join it as a student. The
    cookies came with the session's first request: nothing to wait for."""
    state = st.session_state
    wanted = st.query_params.get(ROOM_PARAM)
    if room_code() is not None or not wanted or state.get(CLAIMED) == wanted:
        return
    try:
        code = normalise_code(wanted)
    except RoomError:
        st.query_params.pop(ROOM_PARAM, None)
        return
    state[CLAIMED] = wanted
    # The room's view is the one to show, not the rest of the address (a copy of an older one).
    state[session.LINK_APPLIED] = True
    cookies = st.context.cookies
    kept = cookies.get(MEMBER_COOKIE)
    if isinstance(kept, str) and 0 < len(kept) <= 32 and set(kept) <= MEMBER_CHARS:
        state[MEMBER] = kept  # the same member as before the reload
    token = cookies.get(token_cookie(code))
    if isinstance(token, str) and 0 < len(token) <= 128 and _take_back(code, token):
        return
    join(code, quiet=True)


def _take_back(code: str, token: str) -> bool:
    """The teacher's browser holds this room's secret: teach it again (putting it back where
    the store lost it). False when the secret is not this room's."""
    state = st.session_state
    try:
        try:
            shared().check_teacher(code, token)
        except NoSuchRoom:
            shared().reopen(code, token, session.view())
    except RoomUnavailable:
        state.pop(CLAIMED, None)  # ask again on the next run
        state[NOTICE] = (
            "The classroom server does not answer yet: your room comes back in a moment."
        )
        return True
    except RoomError:
        return False
    state[ROOM], state[TOKEN], state[SEEN] = code, token, None
    _adopt_room(code)
    return True


def _adopt_room(code: str) -> None:
    """A teacher's new session starts from the room's view, not from its address: the address
    may hold a point older than the teacher's last move, and publishing it would undo that move
    for the whole class."""
    try:
        view = shared().latest(code)[1]
    except RoomError:
        return  # the room's view comes with the next run
    delivery_state().synced = view  # what the room holds: the teacher's changes go from here
    if view.model:
        state = st.session_state
        if view.point != session.view().point:
            state[session.MAP_PIN] = state.get(session.MAP_PIN, 0) + 1  # the map's star moves too
        session.adopt(view)


def join(typed: str, quiet: bool = False) -> bool:
    state, rooms = st.session_state, shared()
    try:
        code = normalise_code(typed)
        rooms.latest(code)  # the room is there; the student counts once their channel opens
        if rooms.present(code) >= MAX_MEMBERS:
            raise RoomError(f"Room {code} is full ({MAX_MEMBERS} students)")
    except RoomError as error:
        if quiet:
            state[NOTICE] = f"{error}. You are exploring on your own."
            st.query_params.pop(ROOM_PARAM, None)
        else:
            st.error(str(error))
        return False
    state[ROOM], state[SEEN], state[FOLLOW] = code, None, True
    st.query_params[ROOM_PARAM] = code
    return True


def forget(notice: str | None = None) -> None:
    state = st.session_state
    for key in (ROOM, TOKEN, SEEN, DELIVERY):
        state.pop(key, None)
    st.query_params.pop(ROOM_PARAM, None)
    if notice:
        state[NOTICE] = notice


def quiz() -> QuizState | None:
    """The quiz this session's view shows, if one is running (a teacher's, or a room's)."""
    if room_code() is None:
        return None
    return session.view().quiz


def answer(point) -> str:
    """Send a student's quiz click; a sentence saying what happened."""
    try:
        x, y = shared().answer(room_code(), member(), point)
    except RoomError as error:
        return str(error)
    return f"Your answer is in: ({x:.2f}, {y:.2f}). Click again to change it."


def answers() -> np.ndarray:
    """The room's clicks [N, 2]."""
    code = room_code()
    try:
        clicks = shared().answers(code) if code else []
    except RoomError:
        clicks = []
    return np.asarray(clicks, np.float32).reshape(-1, 2)
