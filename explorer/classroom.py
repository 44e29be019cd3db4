"""The sidebar's classroom panel: open or join a room, follow the teacher, run a quiz.

The teacher's runs publish the view they leave (:func:`in_room`; a fragment ticking ten
times a second publishes too, for runs that stop early) and, when it moved, ask every
following student's session for a rerun (:mod:`explorer.push`): of the page's view
fragment alone when only the pinned point moved, else of the whole page. A following run
copies the view into its own session state (switching page when the teacher did) as it
starts; those catch-up runs take server-wide turns. Each student's session also polls the
room, every 2 s when pushes work (to stay counted as present and catch a push that was
lost) and every 0.25 s when they do not. The room logic is :mod:`explorer.rooms`.
"""

from __future__ import annotations

import contextlib
import threading
import uuid

import numpy as np
import streamlit as st

from explorer import cache, push, session
from explorer.rooms import Quiz, RoomError

ROOM, TOKEN, MEMBER, FOLLOW = "room_code", "room_token", "room_member", "room_follow"
SEEN, SEEN_QUIZ, PAGE, NOTICE = "room_seen", "room_seen_quiz", "room_page", "room_notice"
PUBLISHED = "room_published"  # the teacher's last published (version, view)
SHARED = (session.DATASET, session.MODEL, session.MAP_POINT, session.MAP_SOURCE, session.COMPARE_POINT,
          session.INTERP_MODEL, session.INTERP_POINTS, session.INTERP_SOURCE, "cmp_highlight")  # fmt: skip
VIEW_FRAGMENT = "room_view"  # key of the page fragment that shows the room's pinned point (Latent map)
POINT_KEYS = (session.MAP_POINT, session.MAP_SOURCE)  # the view values that fragment shows
TEACHER_SECONDS = 0.05
STUDENT_SECONDS, FALLBACK_SECONDS = 0.25, 2.0  # a student's poll without pushes, and with them
CATCH_UP_WAIT = 3.0  # seconds a catch-up run waits for its turn before it runs anyway
_catch_up_turn = threading.RLock()  # reentrant: a full run's catch-up holds it while its fragments run


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
    for key in (ROOM, TOKEN, SEEN, SEEN_QUIZ, PUBLISHED):
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
            _publish(code)
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


def _publish(code: str) -> None:
    """Publish the teacher's view; when it moved, rerun the followers' sessions at once: their
    view fragment when nothing but the pinned point moved, else the teacher's page."""
    state, rooms = st.session_state, cache.rooms()
    view, before = current_view(), state.get(PUBLISHED)
    version = rooms.publish(code, state[TOKEN], view)
    if before is not None and before[0] == version:
        return
    state[PUBLISHED] = (version, view)
    if before is not None:
        moved = {key for key in set(view) | set(before[1]) if view.get(key) != before[1].get(key)}
        push.rerun(rooms.listeners(code), fragment=moved <= set(POINT_KEYS))


def _tell_room(code: str) -> None:
    """After a quiz change: every follower's whole page reruns (its colours come and go)."""
    push.rerun(cache.rooms().listeners(code))


def _quiz_controls(code: str) -> None:
    state, rooms = st.session_state, cache.rooms()
    quiz = rooms.quiz(code)
    names = cache.class_names(state.get(session.DATASET, "mnist"))
    try:
        if quiz is None:
            target = st.selectbox("Quiz: where does this class live?", range(10), format_func=lambda i: names[i], key="room_quiz_class")
            if st.button("Start the quiz", key="room_quiz_start", help="Hides the class colours on every map in the room"):
                rooms.start_quiz(code, state[TOKEN], int(target))
                _tell_room(code)
                st.rerun()
        elif not quiz.revealed:
            st.markdown(f"Quiz on **{names[quiz.target]}**: {len(quiz.answers)} answers (Latent map shows them)")
            if st.button("Reveal", key="room_quiz_reveal", type="primary"):
                rooms.reveal(code, state[TOKEN])
                _tell_room(code)
                st.rerun()
        elif st.button("End the quiz", key="room_quiz_end"):
            rooms.end_quiz(code, state[TOKEN])
            _tell_room(code)
            st.rerun()
    except RoomError as error:
        st.error(str(error))


def _student_panel(pages: dict) -> None:
    state, code = st.session_state, room_code()
    st.markdown(f"In room **{code}**")
    # The toggle mirrors a plain session value: Streamlit forgets a widget's value when a rerun
    # it did not get from the browser (a switch to the teacher's page) changes the page.
    state["room_follow_toggle"] = state.get(FOLLOW, True)

    def toggled() -> None:
        state[FOLLOW] = state["room_follow_toggle"]

    follow = st.toggle("Follow the teacher", key="room_follow_toggle", on_change=toggled,
                       help="Off: explore on your own; on again: back to the teacher's view.")  # fmt: skip
    if st.button("Leave the room", key="room_leave"):
        cache.rooms().leave(code, state[MEMBER])
        _forget()
        st.rerun()
    if not follow:
        state[SEEN] = None  # following again copies the teacher's view at once
        cache.rooms().stop_listening(code, state[MEMBER])
        return

    @st.fragment(run_every=FALLBACK_SECONDS if push.available() else STUDENT_SECONDS)
    def follower() -> None:
        """The poll: keeps the student present, and catches up when a push was lost."""
        try:
            version, _, quiz_version = cache.rooms().follow(code, state[MEMBER])
        except RoomError as error:
            _forget(f"{error}. You are exploring on your own.")
            st.rerun()
            return
        if (version, quiz_version) != (state.get(SEEN), state.get(SEEN_QUIZ)):
            st.rerun()  # the whole run catches up (in_room)

    follower()


@contextlib.contextmanager
def in_room(page=None, pages: dict | None = None, keys: tuple | None = None):
    """Around a run. The teacher's run publishes the view it leaves (at once, rather than at
    the broadcast's next tick). A following student's run copies the teacher's view into this
    session when it moved, and leaves this session's listener in the room, so the teacher's
    next change reruns it at once (explorer.push).

    A whole page's run passes ``page`` (the navigation's choice) and ``pages`` (by url
    path), and switches to the teacher's page whenever it is elsewhere (a rerun asked for
    before the last switch can still arrive with the page before). The run of the page's VIEW_FRAGMENT
    passes the view ``keys`` it shows; when anything else moved it reruns the whole page.

    A run that catches up takes a server-wide turn (:func:`catch_up_turn`): when the teacher clicks, thirty
    followers rerun at once, and thirty runs sharing the GIL all finish late; one after
    another, the first students see the change after one run's time and the last no later
    (benchmarks/classroom.py)."""
    state, code = st.session_state, room_code()
    if code is None or is_teacher() or not state.get(FOLLOW):
        yield
        return
    try:
        news = cache.rooms().follow(code, state[MEMBER], push.listener(VIEW_FRAGMENT if keys else None))
    except RoomError as error:
        _forget(f"{error}. You are exploring on your own.")
        yield
        return
    version, view, quiz_version = news
    target = (pages or {}).get(view.get("page"))
    elsewhere = page is not None and target is not None and target.url_path != page.url_path
    if (version, quiz_version) == (state.get(SEEN), state.get(SEEN_QUIZ)) and not elsewhere:
        yield
        return
    if keys is not None and not _only(keys, view, quiz_version):
        st.rerun()  # more than this fragment shows has changed
    with catch_up_turn():
        state[SEEN], state[SEEN_QUIZ] = version, quiz_version
        if view.get(session.MAP_POINT) != _plain(state.get(session.MAP_POINT)):
            state[session.MAP_PIN] = state.get(session.MAP_PIN, 0) + 1  # the map's star moves too
        for key in SHARED:
            if key in view:
                state[key] = view[key]
        if elsewhere:
            st.switch_page(target)
        yield


@contextlib.contextmanager
def catch_up_turn():
    """A server-wide turn for a catch-up run (reentrant within one run's thread); after
    CATCH_UP_WAIT seconds of waiting the run goes ahead without one."""
    turn = _catch_up_turn.acquire(timeout=CATCH_UP_WAIT)
    try:
        yield
    finally:
        if turn:
            _catch_up_turn.release()


def _only(keys: tuple, view: dict, quiz_version: int) -> bool:
    """Whether the teacher's ``view`` differs from this session's in ``keys`` alone."""
    state = st.session_state
    if quiz_version != state.get(SEEN_QUIZ) or view.get("page") != state.get(PAGE):
        return False
    return all(view[key] == _plain(state.get(key)) for key in SHARED if key in view and key not in keys)


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
