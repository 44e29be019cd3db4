"""Followers are rerun by the server when the teacher moves: a student who never polls still
sees the teacher's pinned point (a rerun of the map fragment alone) and a quiz starting (a
rerun of the whole page). Spoken over Streamlit's websocket protocol (benchmarks/st_client.py)."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

from explorer import push
from tests.browser import app_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from st_client import Run, StreamlitSession, WidgetState, canvas_pin  # noqa: E402

pytestmark = pytest.mark.slow


def test_outside_a_server_nothing_is_pushed():
    assert push.listener() is None and not push.available()
    assert push.rerun([push.Listener("no-such-session", "", "")]) == 0


async def until(session: StreamlitSession, shows) -> Run:
    """The first run the server sends that ``shows``; what every run showed, in the failure."""
    seen = []
    while True:
        try:
            run = await session.next_run(timeout=60)
        except TimeoutError:
            raise AssertionError(f"the awaited run never came; runs seen: {seen}") from None
        assert not run.exceptions(), run.exceptions()
        if shows(run):
            return run
        seen.append(run.markdown()[:3])


async def teacher_and_student(url: str) -> None:
    teacher, student = StreamlitSession(url), StreamlitSession(url)
    await teacher.connect()
    await student.connect()
    try:
        run = await teacher.run_page("Latent_map")
        run = await teacher.set_widgets([WidgetState(id=run.widget_id("Open a room (teacher)"), trigger_value=True)])
        code = re.search(r"Room \*\*([A-Z2-9]{5})\*\*", "\n".join(run.markdown())).group(1)
        broadcast = run.auto_reruns[-1][1]
        canvas = run.component("map_canvas")

        home = await student.run_page("")
        await student.send_widgets([WidgetState(id=home.widget_id("Join a room"), string_value=code),
                                    WidgetState(id=home.widget_id("Join"), trigger_value=True)])  # fmt: skip
        await until(student, lambda run: run.component("map_canvas") is not None)  # switched to the teacher's page

        pin = await teacher.set_widgets([WidgetState(id=canvas[0], json_value=canvas_pin("t0", 1.25, -0.5))], canvas[1])
        shown = re.search(r"z = \([^)]*\)", "\n".join(pin.markdown())).group(0)
        await teacher.auto_rerun(broadcast)  # the broadcast's tick publishes the point and tells the room
        run = await until(student, lambda run: any(shown in text for text in run.markdown()))
        assert {fragment for _, fragment, _ in run.elements} == {canvas[1]}  # the map fragment alone reran

        run = await teacher.run_page("Latent_map")
        await teacher.set_widgets([WidgetState(id=run.widget_id("Start the quiz"), trigger_value=True)])
        run = await until(student, lambda run: any("colours are hidden" in text for text in run.alerts()))
        assert "" in {fragment for _, fragment, _ in run.elements}  # the whole page reran
    finally:
        await teacher.close()
        await student.close()


def test_a_student_who_never_polls_is_rerun_when_the_teacher_moves(tmp_path):
    with app_server({"VAE_EXPLORER_STORE": str(tmp_path)}) as (url, _):
        asyncio.run(teacher_and_student(url))
