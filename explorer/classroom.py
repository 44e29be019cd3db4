"""The sidebar's classroom panel: open or join a room, follow the teacher, run a quiz.

The teacher's session publishes its view ten times a second while it changes (a fragment,
so it sees what the page's last run decided); each following student's session polls the
room every 0.25 s and, when the view's version moves, copies it into its own session state
and reruns (switching page when the teacher did); those catch-up runs take server-wide turns
(:func:`catch_up_turn`). The room logic is :mod:`explorer.rooms`.
"""

from __future__ import annotations

import contextlib
import threading
import uuid

import numpy as np
import streamlit as st

from explorer import cache, session
from explorer.rooms import Quiz, RoomError

ROOM, TOKEN, MEMBER, FOLLOW = "room_code", "room_token", "room_member", "room_follow"
SEEN, SEEN_QUIZ, PAGE, NOTICE = "room_seen", "room_seen_quiz", "room_page", "room_notice"
CATCHING_UP = "room_catching_up"
SHARED = (session.DATASET, session.MODEL, session.MAP_POINT, session.MAP_SOURCE, session.COMPARE_POINT,
          session.INTERP_MODEL, session.INTERP_POINTS, session.INTERP_SOURCE, "cmp_highlight")  # fmt: skip
TEACHER_SECONDS, STUDENT_SECONDS = 0.1, 0.25
CATCH_UP_WAIT = 3.0  # seconds a catch-up run waits for its turn before it runs anyway
_catch_up_turn = threading.Lock()


def _plain(value):
    """Session values as plain JSON-like data (tuples and arrays become lists)."""
    if isinstance(value, (tuple, list, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def current_view() -> dict:
    state = st.session_state
    view = {key: _plain(state[key]) for key in SHARED if key in state}
    view["page"] = state.get(PAGE, "")
    return view


def is_teacher() -> bool:
    return bool(st.session_state.get(TOKEN))


def room_code() -> str | None:
    return st.session_state.get(ROOM)


def panel(pages: dict) -> None:
    """The sidebar panel; ``pages`` maps url paths to the navigation's pages."""
    state = st.session_state
    state.setdefault(MEMBER, uuid.uuid4().hex[:12])
    with st.sidebar:
        st.markdown("### Classroom")
        if state.get(NOTICE):
            st.warning(state.pop(NOTICE))
        if is_teacher():
            _teacher_panel()
        elif room_code():
            _student_panel(pages)
        else:
            _entry_panel()


def _entry_panel() -> None:
    state = st.session_state
    with st.form("room_join_form", border=False):
        typed = st.text_input("Join a room", placeholder="code on the board, e.g. K7M2Q", max_chars=12, key="room_typed")
        if st.form_submit_button("Join"):
            try:
                state[ROOM] = cache.rooms().join(typed, state[MEMBER])
            except RoomError as error:
                st.error(str(error))
            else:
                state[SEEN], state[SEEN_QUIZ], state[FOLLOW] = None, None, True
                st.rerun()
    if st.button("Open a room (teacher)", key="room_open", help="Students who join see your page, model, pinned point, "
                 "interpolation and selection, and can answer quizzes."):  # fmt: skip
        try:
            state[ROOM], state[TOKEN] = cache.rooms().open()
        except RoomError as error:
            st.error(str(error))
        else:
            _warm_up(state.get(session.MODEL))
            st.rerun()


def _warm_up(name: str | None) -> None:
    """Load the room's model now (torch included, about 1.5 s once per server), so that the
    teacher's first click does not keep the whole class waiting for it."""
    if name and cache.catalog().find(name) is not None:
        with st.spinner("Preparing the model for the room…"):
            cache.get_model(name)


def _forget(notice: str | None = None) -> None:
    state = st.session_state
    for key in (ROOM, TOKEN, SEEN, SEEN_QUIZ):
        state.pop(key, None)
    if notice:
        state[NOTICE] = notice


def _teacher_panel() -> None:
    state, rooms, code = st.session_state, cache.rooms(), room_code()
    st.header(code, anchor=False, help="Large enough to read from a projected screen: write it on the board.")
    st.markdown(f"Room **{code}**: students join with this code and see what you see.")

    @st.fragment(run_every=TEACHER_SECONDS)
    def broadcast() -> None:
        try:
            rooms.publish(code, state[TOKEN], current_view())
            st.caption(f"{rooms.present(code)} students following")
        except RoomError as error:
            _forget(str(error))
            st.rerun()

    broadcast()
    _quiz_controls(code)
    if st.button("Close the room", key="room_close"):
        try:
            rooms.close(code, state[TOKEN])
        except RoomError:
            pass  # already gone
        _forget()
        st.rerun()


def _quiz_controls(code: str) -> None:
    state, rooms = st.session_state, cache.rooms()
    quiz = rooms.quiz(code)
    names = cache.class_names(state.get(session.DATASET, "mnist"))
    try:
        if quiz is None:
            target = st.selectbox("Quiz: where does this class live?", range(10), format_func=lambda i: names[i], key="room_quiz_class")
            if st.button("Start the quiz", key="room_quiz_start", help="Hides the class colours on every map in the room"):
                rooms.start_quiz(code, state[TOKEN], int(target))
                st.rerun()
        elif not quiz.revealed:
            st.markdown(f"Quiz on **{names[quiz.target]}**: {len(quiz.answers)} answers (Latent map shows them)")
            if st.button("Reveal", key="room_quiz_reveal", type="primary"):
                rooms.reveal(code, state[TOKEN])
                st.rerun()
        elif st.button("End the quiz", key="room_quiz_end"):
            rooms.end_quiz(code, state[TOKEN])
            st.rerun()
    except RoomError as error:
        st.error(str(error))


def _student_panel(pages: dict) -> None:
    state, code = st.session_state, room_code()
    st.markdown(f"In room **{code}**")
    follow = st.toggle("Follow the teacher", key=FOLLOW, help="Off: explore on your own; on again: back to the teacher's view.")
    if st.button("Leave the room", key="room_leave"):
        cache.rooms().leave(code, state[MEMBER])
        _forget()
        st.rerun()
    if not follow:
        state[SEEN] = None  # following again copies the teacher's view at once
        return

    @st.fragment(run_every=STUDENT_SECONDS)
    def follower() -> None:
        try:
            version, view, quiz_version = cache.rooms().follow(code, state[MEMBER])
        except RoomError as error:
            _forget(f"{error}. You are exploring on your own.")
            st.rerun()
            return
        if version == state.get(SEEN) and quiz_version == state.get(SEEN_QUIZ):
            return
        state[SEEN], state[SEEN_QUIZ] = version, quiz_version
        for key in SHARED:
            if key in view:
                state[key] = view[key]
        state[CATCHING_UP] = True
        page = pages.get(view.get("page"))
        if page is not None and view.get("page") != state.get(PAGE):
            st.switch_page(page)
        st.rerun()

    follower()


@contextlib.contextmanager
def catch_up_turn(state) -> None:
    """Around a whole page run (``state``: the session's state). A follower's run that shows
    the teacher's new view takes a server-wide turn: when the teacher clicks, thirty followers
    rerun within a quarter of a second, and thirty runs sharing the GIL all finish late; one
    after another, the first students see the change after one run's time and the last no
    later (benchmarks/classroom.py). A run that waits CATCH_UP_WAIT seconds goes ahead anyway."""
    if not state.pop(CATCHING_UP, False):
        yield
        return
    turn = _catch_up_turn.acquire(timeout=CATCH_UP_WAIT)
    try:
        yield
    finally:
        if turn:
            _catch_up_turn.release()


def quiz() -> Quiz | None:
    """The quiz of this session's room, if one is running."""
    code = room_code()
    if code is None:
        return None
    try:
        return cache.rooms().quiz(code)
    except RoomError:
        return None


def answer(point) -> str:
    """Send a student's quiz click; a sentence saying what happened."""
    try:
        cache.rooms().answer(room_code(), st.session_state[MEMBER], point)
    except RoomError as error:
        return str(error)
    return f"Your answer is in: ({point[0]:.2f}, {point[1]:.2f}). Click again to change it."


def answers(quiz: Quiz) -> np.ndarray:
    """The room's clicks [N, 2]."""
    return np.asarray(list(quiz.answers.values()), np.float32).reshape(-1, 2)
