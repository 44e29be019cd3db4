"""A lecture that survives: a teacher and a student reload, a page that stops early, Redis and
the teacher's replica restarted under a room. Every wait is for the state asserted."""

from __future__ import annotations

import contextlib
import os
import re

import pytest

from tests.drivers.browser import (
    REDIS_SERVER,
    app_server,
    browser_marks,
    canvas,
    free_port,
    redis_server,
)
from tests.drivers.classroom import (
    ROOT_SELECTOR,
    click_map,
    following_canvas,
    join,
    open_room,
    pinned,
)

pytestmark = browser_marks()
STATUS = '[data-testid="room-status"]'


@pytest.fixture
def people(chromium, viewport):
    contexts = [chromium.new_context(viewport=viewport) for _ in range(2)]
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def follows(student, teacher) -> None:
    """The student's map shows the teacher's pinned point."""
    following_canvas(student).locator(f'{ROOT_SELECTOR}[data-pinned="{pinned(teacher)}"]').wait_for(
        timeout=30_000
    )


def test_a_teacher_and_a_student_who_reload_are_back_in_the_room(people, tmp_path):
    teacher, student = people
    with app_server(env={"VAE_EXPLORER_STORE": str(tmp_path)}) as (server, _):
        code = open_room(teacher, server)
        join(student, server, code)
        student.wait_for_url(re.compile(r"/Latent_map"), timeout=60_000)
        teacher.reload()  # the secret in the teacher's browser takes the room back
        teacher.get_by_test_id("room-code").get_by_text(code).wait_for(timeout=60_000)
        canvas(teacher).locator(f'{ROOT_SELECTOR}[data-room="live"]').wait_for(timeout=60_000)
        assert f"room={code}" in teacher.url
        click_map(teacher, 0.3, 0.3)
        follows(student, teacher)
        student.reload()  # the address puts the student back in the room, following
        student.get_by_text(f"In room {code}").wait_for(timeout=60_000)
        click_map(teacher, 0.6, 0.4)
        follows(student, teacher)
        assert not student.get_by_role("button", name="Open a room (teacher)").count()
        assert canvas(student).locator(STATUS).is_hidden()  # live: nothing to say


def test_a_page_that_stops_early_still_takes_the_room_with_the_teacher(people, tmp_path):
    """Interpolate waits for two clicks (the page stops there); the teacher's change of dataset
    from it reaches the room all the same."""
    teacher, student = people
    with app_server(env={"VAE_EXPLORER_STORE": str(tmp_path)}) as (server, _):
        code = open_room(teacher, server)
        join(student, server, code)
        teacher.get_by_role("link", name="Interpolate").first.click()
        student.wait_for_url(re.compile(r"/Interpolate"), timeout=60_000)
        teacher.get_by_text("Two clicks on the latent map").click()
        teacher.get_by_text("Click two points on the map").first.wait_for(timeout=60_000)
        picker = teacher.get_by_test_id("stSidebarUserContent").locator(
            '[data-testid="stSelectbox"]'
        )
        picker.first.click()
        teacher.get_by_role("option").filter(has_text="Fashion").click()
        student.wait_for_url(re.compile(r"model=fashion-mnist-"), timeout=60_000)
        assert f"room={code}" in student.url


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server is not installed")
def test_a_room_outlives_a_redis_restart_and_the_teachers_replica(people, tmp_path):
    """Redis restarts empty: the student is told within seconds, the teacher's move meanwhile
    reaches the student once Redis is back, and the teacher still teaches. Then the teacher's
    replica restarts: the teacher's page takes the room back by itself."""
    teacher, student = people
    redis_port, teacher_port = free_port(), free_port()
    for folder in ("redis-a", "redis-b", "store"):
        (tmp_path / folder).mkdir()
    with contextlib.ExitStack() as stack:
        first_redis, teacher_replica = contextlib.ExitStack(), contextlib.ExitStack()
        stack.callback(first_redis.close)
        stack.callback(teacher_replica.close)
        url, _ = first_redis.enter_context(redis_server(tmp_path / "redis-a", port=redis_port))
        env = {"VAE_EXPLORER_STORE": str(tmp_path / "store"), "VAE_EXPLORER_REDIS_URL": url}
        second, _ = stack.enter_context(app_server(env=env))
        first, _ = teacher_replica.enter_context(app_server(env=env, port=teacher_port))
        code = open_room(teacher, first)
        join(student, second, code)
        click_map(teacher, 0.3, 0.3)
        follows(student, teacher)

        first_redis.close()  # Redis goes, and every key with it
        frame = canvas(student, state=None)
        frame.locator(f'{ROOT_SELECTOR}[data-room="degraded"]').wait_for(timeout=30_000)
        frame.locator(f"{STATUS}:visible").get_by_text("follows the teacher again").wait_for()
        click_map(teacher, 0.6, 0.6)  # a move while the room's store is away
        moved = pinned(teacher)
        stack.enter_context(redis_server(tmp_path / "redis-b", port=redis_port))
        frame.locator(f'{ROOT_SELECTOR}[data-room="live"][data-pinned="{moved}"]').wait_for(
            timeout=60_000
        )
        frame.locator(STATUS).wait_for(state="hidden")
        click_map(teacher, 0.4, 0.7)
        follows(student, teacher)

        teacher_replica.close()  # the teacher's replica goes; the teacher moves meanwhile
        canvas(teacher, state=None).locator(f'{ROOT_SELECTOR}[data-room="reconnecting"]').wait_for(
            timeout=30_000
        )
        click_map(teacher, 0.2, 0.5)  # the address still holds the point before this one
        moved = pinned(teacher)
        with app_server(env=env, port=teacher_port):
            teacher.get_by_test_id("room-code").get_by_text(code).wait_for(timeout=60_000)
            canvas(teacher).locator(f'{ROOT_SELECTOR}[data-room="live"]').wait_for(timeout=60_000)
            frame.locator(f'{ROOT_SELECTOR}[data-pinned="{moved}"]').wait_for(timeout=30_000)
            assert pinned(teacher) == moved  # the teacher's new session did not undo the move
            click_map(teacher, 0.7, 0.3)
            follows(student, teacher)
