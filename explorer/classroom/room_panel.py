"""The sidebar's classroom panel: open or join a room, follow the teacher, run a quiz. What
this session's place in a room is, and what it does around every run, is
:mod:`explorer.classroom.membership`."""

from __future__ import annotations

import streamlit as st

from explorer.canvas import room_link_component as _room_link
from explorer.classroom.backend import shared
from explorer.classroom.membership import (
    CLAIMED,
    FOLLOW,
    FORGET,
    NOTICE,
    ROOM,
    SEEN,
    TOKEN,
    delivery_state,
    following,
    forget,
    is_teacher,
    join,
    member,
    publish_now,
    room_code,
)
from explorer.classroom.rooms import NoSuchRoom, RoomError, RoomUnavailable
from explorer.core import caches, session
from explorer.core.view import QuizState

COUNT_SECONDS = 1.0  # how often the teacher's panel counts the students and answers


def panel() -> None:
    member()
    with st.sidebar:
        st.markdown("### Classroom")
        if st.session_state.get(NOTICE):
            st.warning(st.session_state.pop(NOTICE))
        if is_teacher():
            _teacher_panel()
        elif room_code():
            _student_panel()
        else:
            _entry_panel()


def _entry_panel() -> None:
    state = st.session_state
    if state.get(FORGET):  # a closed room: the teacher's browser forgets its secret
        _room_link(role="forget", forget=state.pop(FORGET), key="room_forget_link", default=None)
    with st.form("room_join_form", border=False):
        typed = st.text_input(
            "Join a room",
            placeholder="code on the board, e.g. K7M2Q",
            max_chars=12,
            key="room_typed",
        )
        if st.form_submit_button("Join") and join(typed):
            st.rerun()
    if st.button(
        "Open a room (teacher)",
        key="room_open",
        help="Students who join see your page, model, pinned point, "
        "interpolation and selection, and can answer quizzes.",
    ):
        try:
            state[ROOM], state[TOKEN] = shared().open()
        except RoomError as error:
            st.error(str(error))
        else:
            state[CLAIMED] = state[ROOM]  # this session holds it: nothing to claim
            publish_now()  # the room starts from the teacher's page and model
            _warm_up(session.view().model)
            st.rerun()


def _warm_up(name: str | None) -> None:
    """Load the room's model now (torch included, about 1.5 s once per server), so that the
    teacher's first click does not keep the whole class waiting for it."""
    if name and caches.catalog().find(name) is not None:
        with st.spinner("Preparing the model for the room…"):
            caches.get_model(name)


def _teacher_panel() -> None:
    state, code = st.session_state, room_code()
    # The code is letters and digits of CODE_ALPHABET only: nothing to escape.
    st.markdown(
        f'<div class="room-code" data-testid="room-code" style="font-size:3.4rem;font-weight:700;'
        f'letter-spacing:0.12em;line-height:1.1">{code}</div>',
        unsafe_allow_html=True,
        help="Large enough to read from the back of a room: write it on the board.",
    )
    st.markdown(f"Room **{code}**: students join with this code and see what you see.")
    _room_link(
        code=code,
        member=member(),
        role="teacher",
        token=state[TOKEN],
        key="room_link",
        default=None,
    )
    st.fragment(_count, run_every=COUNT_SECONDS)(code)
    _quiz_controls(code)
    if st.button("Close the room", key="room_close"):
        try:
            shared().close(code, state[TOKEN])
        except RoomError:
            pass  # already gone
        forget()
        state[FORGET] = code
        st.rerun()


def _count(code: str) -> None:
    """The students following and, while a quiz waits, its answers (every COUNT_SECONDS); a
    view the store did not take is sent again here."""
    if room_code() != code:  # a tick already queued when the room closed
        return
    if delivery_state().changes(session.view()) and not publish_now():
        st.caption(
            "The classroom server does not answer: your view reaches the room when it is back."
        )
        return
    try:
        present = shared().present(code)
        quiz = session.view().quiz
        waiting = quiz is not None and not quiz.revealed
        answers = len(shared().answers(code)) if waiting else None
    except RoomUnavailable:
        st.caption("The classroom server does not answer: the room is kept, counting again…")
        return
    except NoSuchRoom:
        if not publish_now():  # the store lost the room: take it back with this view
            st.rerun(scope="app")
        return
    words = f"{present} student{'s' if present != 1 else ''} following"
    if answers is not None:
        words += f" · {answers} quiz answer{'s' if answers != 1 else ''}"
    st.caption(words)


def _quiz_controls(code: str) -> None:
    state, rooms = st.session_state, shared()
    quiz = session.view().quiz
    names = caches.class_names(session.view().dataset)
    if not names:
        st.caption("Quizzes ask where a class lives: this dataset has no classes.")
        return
    try:
        if quiz is None:
            target = st.selectbox(
                "Quiz: where does this class live?",
                range(len(names)),
                format_func=lambda i: names[i],
                key="room_quiz_class",
            )
            if st.button(
                "Start the quiz",
                key="room_quiz_start",
                help="Hides the class colours on every map in the room",
            ):
                rooms.start_quiz(code, state[TOKEN], int(target))
                session.update(quiz=QuizState(int(target)))
                st.rerun()
        elif not quiz.revealed:
            st.markdown(
                f"Quiz on **{names[quiz.target]}**: the answers are counted above; the Latent "
                "map shows where they fall"
            )
            if st.button("Reveal", key="room_quiz_reveal", type="primary"):
                rooms.reveal(code, state[TOKEN])
                session.update(quiz=QuizState(quiz.target, True))
                st.rerun()
        elif st.button("End the quiz", key="room_quiz_end"):
            rooms.end_quiz(code, state[TOKEN])
            session.update(quiz=None)
            st.rerun()
    except RoomError as error:
        st.error(str(error))


def _student_panel() -> None:
    state, code = st.session_state, room_code()
    st.markdown(f"In room **{code}**")
    # The toggle mirrors a plain session value: Streamlit forgets a widget's value when a
    # switch to the teacher's page, asked for by the server, changes the page.
    state["room_follow_toggle"] = state.get(FOLLOW, True)

    def toggled() -> None:
        state[FOLLOW] = state["room_follow_toggle"]
        state[SEEN] = None  # following again adopts the teacher's view at once

    st.toggle(
        "Follow the teacher",
        key="room_follow_toggle",
        on_change=toggled,
        help="Off: explore on your own; on again: back to the teacher's view.",
    )
    view = session.view()  # its page and model: the room link asks for a rerun when they differ
    _room_link(
        code=code,
        member=member(),
        role="student",
        follow=following(),
        page=view.page,
        model=view.model or "",
        key="room_link",
        default=None,
    )
    if st.button("Leave the room", key="room_leave"):
        forget()  # the channels close with the components that held them
        st.rerun()
