"""A room across two replicas sharing a real redis-server: the teacher on one, a student on
the other, and the student's replica restarted under it. Every wait is for the state asserted."""

from __future__ import annotations

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

pytestmark = [
    *browser_marks(),
    pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server is not installed"),
]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


def test_a_room_spans_replicas_and_a_restarted_replicas_student_catches_up(
    redis_url, chromium, viewport, tmp_path
):
    env = {"VAE_EXPLORER_STORE": str(tmp_path / "store"), "VAE_EXPLORER_REDIS_URL": redis_url}
    student_port = free_port()
    contexts = [chromium.new_context(viewport=viewport) for _ in range(2)]
    teacher, student = (context.new_page() for context in contexts)
    try:
        with app_server(env=env) as (first, _):
            with app_server(env=env, port=student_port) as (second, _):
                code = open_room(teacher, first)
                join(student, second, code)
                student.wait_for_url(re.compile(r"/Latent_map"), timeout=60_000)
                follower = following_canvas(student)
                click_map(teacher, 0.3, 0.3)
                follower.locator(f'{ROOT_SELECTOR}[data-pinned="{pinned(teacher)}"]').wait_for(
                    timeout=30_000
                )
            # the student's replica is gone: its canvas says so, in words, and retries
            gone = canvas(student, state=None)
            gone.locator(f'{ROOT_SELECTOR}[data-room="reconnecting"]').wait_for(timeout=30_000)
            gone.locator('[data-testid="room-status"]:visible').get_by_text(
                "Lost the connection to the room"
            ).wait_for(timeout=10_000)
            click_map(teacher, 0.7, 0.6)  # a pin while the student's replica is away
            moved = pinned(teacher)
            with app_server(env=env, port=student_port):
                # back: the page reconnects (a new session joins the room from its address) and
                # catches up
                canvas(student).locator(
                    f'{ROOT_SELECTOR}[data-room="live"][data-pinned="{moved}"]'
                ).wait_for(timeout=90_000)
                click_map(teacher, 0.5, 0.8)
                following_canvas(student).locator(
                    f'{ROOT_SELECTOR}[data-pinned="{pinned(teacher)}"]'
                ).wait_for(timeout=30_000)
    finally:
        for context in contexts:
            context.close()
