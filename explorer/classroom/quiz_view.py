"""A room's quiz on the Latent map: how the map is coloured while it runs, what a student is
asked, the teacher's heat map of the room's answers, and the map's part that only the room
decides (a follower's canvas, a student's answer)."""

from __future__ import annotations

import streamlit as st

from explorer.classroom import membership
from explorer.core.catalog import ModelEntry
from explorer.maps import map_figures, points
from vae_core.viz import quiz_heatmap


def room_part() -> dict:
    """The Latent map's request fields the room decides."""
    quiz = membership.quiz()
    student = quiz is not None and not quiz.revealed and not membership.is_teacher()
    return {
        "quiz": quiz,
        "following": membership.following(),
        "answer_quiz": membership.answer if student else None,
        "room": membership.canvas_room(),
    }


def colouring(quiz, names) -> str:
    """How the map's dots are coloured, for its caption: no colour gives the quiz away, and a
    dataset without classes has none to show."""
    if not names:
        return "all in one colour, as this dataset's images carry no class"
    if quiz is not None and not quiz.revealed:
        return "grey while the quiz hides the classes"
    if membership.following():  # the teacher may start a quiz without this page running again
        return "coloured by class unless the teacher's quiz hides them"
    return "coloured by class (click a class in the legend to hide it)"


def student_notice(quiz, names) -> None:
    """What a student exploring alone is asked (a follower's canvas says it itself)."""
    if quiz is None or membership.is_teacher() or membership.following():
        return
    if not quiz.revealed:
        st.info(
            f"**Quiz**: the colours are hidden. Click where you think **{names[quiz.target]}** "
            "lives (hover to decode and look around first)."
        )
    else:
        st.success(
            f"**Quiz revealed**: the colours are back. Where does {names[quiz.target]} live?"
        )


@st.fragment(run_every=1.0)
def quiz_answers(entry: ModelEntry, names) -> None:
    """The teacher's view of the room's clicks, refreshed every second until the quiz ends."""
    current = membership.quiz()
    if current is None:
        return
    clicks = membership.answers()
    st.subheader(f"Where the room thinks {names[current.target]} lives: {len(clicks)} answers")
    target = points.class_codes(entry.name, current.target) if current.revealed else None
    extent = map_figures.map_extent(entry.name)
    st.plotly_chart(
        quiz_heatmap(clicks, extent, target, names[current.target]), key="map_quiz_heatmap"
    )
    if not current.revealed:
        st.caption(
            "Press **Reveal** in the sidebar to show where the class really lives, and the "
            "colours to everyone."
        )


def teacher_answers(entry: ModelEntry, names) -> None:
    """The heat map, on the teacher's page only, while a quiz runs."""
    if membership.quiz() is not None and membership.is_teacher():
        quiz_answers(entry, names)
