"""The sidebar's classroom panel: open or join a room, follow the teacher, run a quiz.

The teacher's session publishes its view: a fragment ticking twenty times a second (so it
sees what the page's last run decided), and each whole-page run once it has drawn the page
(:func:`in_room`). When the view moved, every following student's session is asked for a
rerun (:mod:`explorer.push`): of the page's view fragment alone when only the pinned point
moved, else of the sidebar's follower fragment, which reruns the whole page. A following
run copies the view into its own session state (switching to the teacher's page first) as
it starts; those catch-up runs take server-wide turns. The follower fragment also polls the
room, every 2 s when pushes work (to stay counted as present and catch a push that was
lost) and every 0.25 s when they do not. The room logic is :mod:`explorer.rooms`.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import uuid

import numpy as np
import streamlit as st

from explorer import cache, push, session
from explorer.rooms import Quiz, RoomError

ROOM, TOKEN, MEMBER, FOLLOW = "room_code", "room_token", "room_member", "room_follow"
SEEN, SEEN_QUIZ, PAGE, NOTICE = "room_seen", "room_seen_quiz", "room_page", "room_notice"
PUBLISHED = "room_published"  # the teacher's last published (version, view)
PAGE_HASH = "room_page_hash"  # the page script hash of a following session's last whole-page run
SHARED = (session.DATASET, session.MODEL, session.MAP_POINT, session.MAP_SOURCE, session.COMPARE_POINT,
          session.INTERP_MODEL, session.INTERP_POINTS, session.INTERP_SOURCE, "cmp_highlight")  # fmt: skip
VIEW_FRAGMENT = "room_view"  # key of the page fragment that shows the room's pinned point (Latent map)
FOLLOWER = "room_follower"  # key of the sidebar fragment that polls the room
POINT_KEYS = (session.MAP_POINT, session.MAP_SOURCE)  # the view values that fragment shows
TEACHER_SECONDS = 0.05
STUDENT_SECONDS, FALLBACK_SECONDS = 0.25, 2.0  # a student's poll without pushes, and with them
CATCH_UP_WAIT = 3.0  # seconds a catch-up run waits for its turn before it runs anyway
_catch_up_turn = threading.RLock()  # reentrant: a full run's catch-up holds it while its fragments run
_teacher_page_run = contextvars.ContextVar("room_teacher_page_run", default=False)  # publishing waits for its end


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
        if room_code() != code or not is_teacher():  # a tick already queued when the room closed
            return
        try:
            if not _teacher_page_run.get():  # a whole page's run publishes once it has drawn the page
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
    view fragment when nothing but the pinned point moved, else their follower fragment,
    which reruns their whole page (on the page they are on now: see explorer.push)."""
    state, rooms = st.session_state, cache.rooms()
    view, before = current_view(), state.get(PUBLISHED)
    version = rooms.publish(code, state[TOKEN], view)
    if before is not None and before[0] == version:
        return
    state[PUBLISHED] = (version, view)
    if before is not None:
        moved = {key for key in set(view) | set(before[1]) if view.get(key) != before[1].get(key)}
        keys = (VIEW_FRAGMENT, FOLLOWER) if moved <= set(POINT_KEYS) else (FOLLOWER,)
        push.rerun(rooms.listeners(code), keys)


def _tell_room(code: str) -> None:
    """After a quiz change: every follower's whole page reruns, through its follower fragment
    (the map's colours come and go)."""
    push.rerun(cache.rooms().listeners(code), (FOLLOWER,))


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

    @st.fragment(run_every=FALLBACK_SECONDS if push.available() else STUDENT_SECONDS, key=FOLLOWER)
    def follower() -> None:
        """The poll (keeps the student present, catches up when a push was lost), and what the
        teacher's changes rerun when more than the pinned point moved."""
        _repaint_if_crossed()
        try:
            listener = push.listener((VIEW_FRAGMENT, FOLLOWER))
            version, view, quiz_version = cache.rooms().follow(code, state[MEMBER], listener)
        except RoomError as error:
            _forget(f"{error}. You are exploring on your own.")
            st.rerun()
            return
        if (version, quiz_version) != (state.get(SEEN), state.get(SEEN_QUIZ)):
            _go_to_teachers_page(view, pages, state.get(PAGE))  # straight there, skipping a run of this page
            st.rerun()  # the whole run catches up (in_room)

    follower()


@contextlib.contextmanager
def in_room(page=None, pages: dict | None = None, keys: tuple | None = None):
    """Around a run: a whole page's (``page``, the navigation's choice, and ``pages`` by url
    path) or that of the page's VIEW_FRAGMENT (``keys``, the view values it shows).

    The teacher's whole-page run publishes the view once the page is drawn, not halfway
    (the broadcast fragment inside it waits): the followers' reruns would otherwise slow
    the teacher's own. A pinned point is published by the broadcast's next tick.

    A following student's run catches up with the teacher (:func:`_following`)."""
    state, code = st.session_state, room_code()
    if code is not None and is_teacher() and page is not None:
        manager = _teaching(code)
    elif code is not None and not is_teacher() and state.get(FOLLOW):
        manager = _following(code, page, pages, keys)
    else:
        manager = contextlib.nullcontext()
    with manager:
        yield


@contextlib.contextmanager
def _teaching(code: str):
    token = _teacher_page_run.set(True)
    try:
        yield
    finally:
        _teacher_page_run.reset(token)
    with contextlib.suppress(RoomError):  # a closed room: the broadcast says so
        _publish(code)


@contextlib.contextmanager
def _following(code: str, page, pages: dict | None, keys: tuple | None):
    """Copy the teacher's view into this session when it moved; the view fragment's run also
    leaves this session's listener in the room (the follower fragment does on every page),
    so the teacher's next change reruns it at once (explorer.push).

    A whole page's run first switches to the teacher's page whenever it is elsewhere (a
    rerun asked for before the last switch can still arrive with the page before). The
    view fragment's run reruns the whole page when more than its ``keys`` moved.

    A run that catches up takes a server-wide turn (:func:`catch_up_turn`): when the
    teacher clicks, thirty followers rerun at once, and thirty runs sharing the GIL all
    finish late; one after another, the first students see the change after one run's
    time and the last no later (benchmarks/classroom.py)."""
    state = st.session_state
    if page is not None:
        state[PAGE_HASH] = push.current_page()
    try:
        news = cache.rooms().follow(code, state[MEMBER], push.listener((VIEW_FRAGMENT, FOLLOWER)) if keys else None)
    except RoomError as error:
        _forget(f"{error}. You are exploring on your own.")
        yield
        return
    version, view, quiz_version = news
    if page is not None:
        _go_to_teachers_page(view, pages, page.url_path)  # whose run then catches up
    if (version, quiz_version) == (state.get(SEEN), state.get(SEEN_QUIZ)):
        yield
        return
    if keys is not None:
        _repaint_if_crossed()
        if not _only(keys, view, quiz_version):
            st.rerun()  # more than this fragment shows has changed
    with catch_up_turn():
        state[SEEN], state[SEEN_QUIZ] = version, quiz_version
        if view.get(session.MAP_POINT) != _plain(state.get(session.MAP_POINT)):
            state[session.MAP_PIN] = state.get(session.MAP_PIN, 0) + 1  # the map's star moves too
        for key in SHARED:
            if key in view:
                state[key] = view[key]
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


def _go_to_teachers_page(view: dict, pages: dict | None, here: str | None) -> None:
    """Switch to the page of the teacher's ``view`` when this session is elsewhere (``here``:
    the url path it is on); the switch ends this run."""
    target = (pages or {}).get(view.get("page"))
    if target is not None and target.url_path != here:
        st.switch_page(target)


def _repaint_if_crossed() -> None:
    """In a fragment's run: when it was asked for with another page than this session's last
    whole-page run (a push that crossed a switch to the teacher's page), the browser would
    empty the page it shows; a whole rerun repaints it (in_room switches page again)."""
    if push.current_page() != st.session_state.get(PAGE_HASH):
        st.rerun()


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
