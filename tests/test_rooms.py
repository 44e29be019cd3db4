"""Rooms on both backends: in this process's memory, and in a real redis-server (the same
tests, so that a room behaves alike on one server and across replicas)."""

from __future__ import annotations

import math
import os
import threading
import time

import pytest

from explorer.classroom.memory_rooms import MemoryRooms
from explorer.classroom.rooms import (
    CLOSED,
    MEMBER_SECONDS,
    NoSuchRoom,
    RoomError,
    RoomUnavailable,
    normalise_code,
)
from explorer.core.view import View, ViewError
from tests.drivers.browser import REDIS_SERVER, redis_server

HAVE_REDIS = os.path.exists(REDIS_SERVER)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not HAVE_REDIS:
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does)")
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


@pytest.fixture(params=["memory", "redis"])
def rooms(request):
    if request.param == "memory":
        yield MemoryRooms()
        return
    from explorer.classroom.redis_rooms import RedisRooms

    store = RedisRooms(request.getfixturevalue("redis_url"))
    yield store
    store.stop()


def heard(rooms):
    """Every announcement the backend makes, as a list that fills itself."""
    got, arrived = [], threading.Event()

    def listener(code, version, text):
        got.append((code, version, text))
        arrived.set()

    if isinstance(rooms, MemoryRooms):
        rooms.listen(listener)
        return got, arrived
    # a Redis listener subscribes in its own thread: wait until it has
    from explorer.classroom.redis_rooms import (
        CHANNEL,
    )

    subscribers = lambda: rooms._client.pubsub_numsub(CHANNEL)[0][1]  # noqa: E731
    before, deadline = subscribers(), time.monotonic() + 10
    rooms.listen(listener)
    while subscribers() <= before and time.monotonic() < deadline:
        arrived.wait(0.01)
    return got, arrived


def test_codes_are_short_readable_and_forgiving_when_typed(rooms):
    code, token = rooms.open()
    assert len(code) == 5 and not set(code) & set("01OI") and len(token) == 32
    assert normalise_code(f" {code[:2].lower()}-{code[2:]} ") == code
    for bad in ["", "K7M2", "K7M2QQ", "K7M0Q", "<script>", None, "ÄÖÜ12"]:
        with pytest.raises(RoomError, match="Room codes are 5 letters and digits"):
            normalise_code(bad)


def test_the_teacher_publishes_views_with_versions_and_every_process_hears_them(rooms):
    got, arrived = heard(rooms)
    code, token = rooms.open()
    assert rooms.join(code.lower(), "ada") == code
    assert rooms.latest(code) == (0, View())
    view = View(page="Latent_map", point=(0.5, -1.0))
    assert rooms.publish(code, token, view) == 1
    assert rooms.publish(code, token, view) == 1  # nothing changed: no version, no message
    assert rooms.patch(code, token, {"point": [1.0, 2.0], "point_source": "click"}) == 2
    assert rooms.latest(code) == (2, view.replace(point=(1.0, 2.0), point_source="click"))
    deadline = time.monotonic() + 5
    while len(got) < 2 and time.monotonic() < deadline:
        arrived.wait(0.1)
    assert [(c, v) for c, v, _ in got] == [(code, 1), (code, 2)]
    assert View.from_json(got[-1][2]).point == (1.0, 2.0)
    with pytest.raises(ViewError):
        rooms.patch(code, token, {"point": [math.nan, 0]})
    rooms.close(code, token)
    deadline = time.monotonic() + 5
    while got[-1][1] != CLOSED and time.monotonic() < deadline:
        arrived.wait(0.1)
    assert got[-1][:2] == (code, CLOSED)


def test_only_the_teachers_token_changes_a_room(rooms):
    code, token = rooms.open()
    other_code, other_token = rooms.open()
    rooms.join(code, "ada")
    forged = token[:-1] + ("1" if token.endswith("0") else "0")
    for action in (
        lambda: rooms.publish(code, "guess", View(page="x")),
        lambda: rooms.start_quiz(code, other_token, 3),
        lambda: rooms.close(code, ""),
        lambda: rooms.patch(code, forged, {"page": "x"}),
        lambda: rooms.check_teacher(code, other_token),
    ):
        with pytest.raises(RoomError, match="Only the teacher"):
            action()
    assert rooms.latest(code)[0] == 0
    rooms.close(other_code, other_token)
    with pytest.raises(RoomError, match="No room"):
        # a closed room's token opens nothing
        rooms.publish(other_code, other_token, View(page="x"))


def test_an_unknown_or_closed_room_is_refused_with_a_message(rooms):
    with pytest.raises(RoomError, match="No room ABCDE on this server"):
        rooms.join("abcde", "ada")
    code, token = rooms.open()
    rooms.close(code, token)
    for action in (
        lambda: rooms.latest(code),
        lambda: rooms.join(code, "ada"),
        lambda: rooms.present(code),
    ):
        with pytest.raises(RoomError, match=f"No room {code}"):
            action()
    rooms.leave(code, "ada")  # leaving a closed room is harmless


def test_students_count_while_heard_from(rooms, monkeypatch):
    code, _ = rooms.open()
    rooms.join(code, "ada")
    rooms.join(code, "bob")
    assert rooms.present(code) == 2
    rooms.leave(code, "bob")
    assert rooms.present(code) == 1
    if isinstance(rooms, MemoryRooms):
        now = time.monotonic() + MEMBER_SECONDS + 1
        rooms._clock = lambda: now
    else:
        now = time.time() + MEMBER_SECONDS + 1
        monkeypatch.setattr(time, "time", lambda: now)
    assert rooms.present(code) == 0
    rooms.refresh(code, ["ada"])  # a replica still holds ada's connection
    assert rooms.present(code) == 1


def test_a_quiz_collects_one_answer_per_student_until_revealed(rooms):
    code, token = rooms.open()
    with pytest.raises(RoomError, match="No quiz is waiting"):
        rooms.answer(code, "ada", (0.0, 0.0))
    rooms.start_quiz(code, token, 7)
    assert rooms.quiz(code).target == 7 and not rooms.quiz(code).revealed
    rooms.answer(code, "ada", (0.1, 0.2))
    rooms.answer(code, "ada", (1.0, 2.0))  # a changed mind: the last click counts
    rooms.answer(code, "bob", [-1, 0.5])
    assert sorted(rooms.answers(code)) == [(-1.0, 0.5), (1.0, 2.0)]
    for bad in [(math.nan, 0), (1e9, 0), "here", (1,), None]:
        with pytest.raises(RoomError):
            rooms.answer(code, "eve", bad)
    version = rooms.latest(code)[0]
    rooms.reveal(code, token)
    assert rooms.quiz(code).revealed and rooms.latest(code)[0] == version + 1
    with pytest.raises(RoomError, match="No quiz is waiting"):
        rooms.answer(code, "eve", (0, 0))
    rooms.end_quiz(code, token)
    assert rooms.quiz(code) is None
    with pytest.raises(RoomError, match="one of the dataset's 10 classes"):
        rooms.start_quiz(code, token, 12)
    rooms.start_quiz(code, token, 3)
    assert rooms.answers(code) == []  # a new quiz starts with no answers


def test_a_member_keeps_one_record_of_each_kind_until_cleared_or_closed(rooms):
    """What a declared message keeps per student lives in either backend with no code of its
    own: the last value per member and kind, plain JSON, gone with the room."""
    code, token = rooms.open()
    rooms.record(code, "hand", "ada", True)
    rooms.record(code, "hand", "bo", {"note": "slower please"})
    rooms.record(code, "hand", "ada", False)  # the last one counts
    rooms.record(code, "vote", "ada", 3)
    assert rooms.records(code, "hand") == {"ada": False, "bo": {"note": "slower please"}}
    assert rooms.records(code.lower(), "vote") == {"ada": 3}
    assert rooms.present(code) == 2
    rooms.clear_records(code, "hand")
    assert rooms.records(code, "hand") == {} and rooms.records(code, "vote") == {"ada": 3}
    for kind, value in [("Hand:x", 1), ("hand", float("nan")), ("hand", "x" * 5000)]:
        with pytest.raises(RoomError):
            rooms.record(code, kind, "ada", value)
    rooms.close(code, token)
    with pytest.raises(RoomError):
        rooms.records(code, "vote")


def test_concurrent_changes_never_share_a_version(rooms):
    code, token = rooms.open()
    versions, errors = [], []

    def teacher(offset: int) -> None:
        for i in range(20):
            try:
                versions.append(rooms.patch(code, token, {"point": [offset, i / 10]}))
            except RoomError as error:
                errors.append(error)

    threads = [threading.Thread(target=teacher, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(versions)) == len(versions) == 80 and max(versions) == 80


def test_redis_rooms_are_shared_by_replicas_and_outlive_them(redis_url):
    from explorer.classroom.redis_rooms import RedisRooms

    first, second = RedisRooms(redis_url), RedisRooms(redis_url)
    got, arrived = heard(second)
    codes = {first.open()[0] for _ in range(30)} | {second.open()[0] for _ in range(30)}
    assert len(codes) == 60  # unique across replicas
    code, token = first.open()
    second.join(code, "ada")
    first.publish(code, token, View(page="Latent_map", point=(1.0, 1.0)))
    assert arrived.wait(5) and got[-1][0] == code  # published on one replica, heard on the other
    first.stop()
    del first  # the replica that opened the room goes; the room stays
    third = RedisRooms(redis_url)
    assert third.latest(code) == (1, View(page="Latent_map", point=(1.0, 1.0)))
    assert third.patch(code, token, {"point": [2.0, 2.0]}) == 2
    second.stop()
    third.stop()


def test_a_redis_server_that_is_away_gives_a_message_not_a_crash(tmp_path):
    from explorer.classroom.redis_rooms import RedisRooms
    from tests.drivers.browser import free_port

    rooms = RedisRooms(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(RoomUnavailable, match="does not answer") as away:
        rooms.open()
    assert away.value.retry  # the pages keep the room and try again, not forget it
    with pytest.raises(RoomUnavailable, match="does not answer"):
        rooms.latest("ABCDE")
    rooms.leave("ABCDE", "ada")  # leaving asks nothing of it


def test_a_room_redis_forgot_is_put_back_by_a_replica_that_served_it(redis_url):
    """A Redis restarted without its data: the replica that served the room puts it back (view
    and teacher) one version on; a replica that never saw it cannot, but the teacher can."""
    from explorer.classroom.redis_rooms import RedisRooms

    serving, other = RedisRooms(redis_url), RedisRooms(redis_url)
    code, token = serving.open()
    serving.publish(code, token, View(page="Latent_map", point=(1.0, 2.0)))
    serving._client.flushall()
    with pytest.raises(NoSuchRoom):
        other.latest(code)  # never served here: nothing to put back
    assert serving.latest(code) == (2, View(page="Latent_map", point=(1.0, 2.0)))
    assert other.join(code, "ada") == code and other.present(code) == 1
    assert serving.patch(code, token, {"point": [0.0, 0.0]}) == 3  # the teacher still teaches
    serving._client.flushall()
    fresh = RedisRooms(redis_url)  # a replica that started after: the teacher's secret suffices
    assert fresh.reopen(code, token, View(page="Interpolate")) == 1
    with pytest.raises(RoomError, match="Only the teacher"):
        fresh.reopen(code, "another teacher's secret", View())
    assert fresh.latest(code) == (1, View(page="Interpolate"))
    for rooms in (serving, other, fresh):
        rooms.stop()


def test_a_teacher_takes_a_lost_room_back_on_one_server_too():
    rooms = MemoryRooms()
    code, token = rooms.open()
    assert rooms.reopen(code, token, View()) == 0  # there: nothing changes
    restarted = MemoryRooms()  # the server restarted: its rooms are gone
    assert restarted.reopen(code, token, View(page="Latent_map")) == 1
    assert restarted.check_teacher(code, token) == code
    with pytest.raises(RoomError, match="Only the teacher"):
        restarted.reopen(code, "someone else", View())
