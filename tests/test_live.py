"""The room channel, ``/api/rooms/{code}`` on the app's own server (st.App), spoken to as a
browser would with plain websockets. The server keeps its rooms in a real redis-server, so
the test opens rooms (and holds the teacher's token) from outside the server process."""

from __future__ import annotations

import contextlib
import json
import os

import pytest

from tests.drivers.browser import REDIS_SERVER, app_server, redis_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server is not installed"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(websocket base URL, the rooms of the server's Redis)."""
    from explorer.classroom.redis_rooms import RedisRooms

    with redis_server(tmp_path_factory.mktemp("redis")) as (redis_url, _):
        env = {
            "VAE_EXPLORER_STORE": str(tmp_path_factory.mktemp("store")),
            "VAE_EXPLORER_REDIS_URL": redis_url,
        }
        with app_server(env=env) as (url, _):
            rooms = RedisRooms(redis_url)
            yield url.replace("http", "ws") + "/api/rooms/", rooms
            rooms.stop()


@contextlib.contextmanager
def connect(base: str, code: str, member: str, token: str | None = None):
    """A browser's connection to a room, after its hello."""
    from websockets.sync.client import connect as ws_connect

    with ws_connect(base + code, open_timeout=10) as socket:
        socket.send(
            json.dumps({"type": "hello", "member": member, **({"token": token} if token else {})})
        )
        yield socket


def receive(socket, timeout: float = 10.0) -> dict:
    return json.loads(socket.recv(timeout=timeout))


def test_a_follower_gets_the_current_view_at_once_and_every_change_after(served):
    base, rooms = served
    code, token = rooms.open()
    from explorer.core.view import View

    rooms.publish(code, token, View(page="Latent_map", point=(1.0, 2.0)))
    with connect(base, code, "ada") as student, connect(base, code, "teacher", token) as teacher:
        first = receive(student)
        assert (
            first["type"] == "view"
            and first["version"] == 1
            and first["view"]["point"] == [1.0, 2.0]
        )
        receive(teacher)  # the teacher's connection hears the room too
        teacher.send(
            json.dumps(
                {"type": "patch", "seq": 1, "view": {"point": [0.5, -0.5], "point_source": "click"}}
            )
        )
        change = receive(student)
        assert change["version"] == 2 and change["view"]["point"] == [0.5, -0.5]
        assert rooms.latest(code)[1].point == (0.5, -0.5)
        rooms.publish(
            code, token, rooms.latest(code)[1].replace(page="Interpolate")
        )  # a run of the teacher's page
        assert receive(student)["view"]["page"] == "Interpolate"
        assert rooms.present(code) == 1  # the student, not the teacher


def test_the_channel_refuses_what_a_student_or_a_forger_sends(served):
    base, rooms = served
    code, token = rooms.open()
    with connect(base, code, "eve") as student, connect(base, code, "teacher", token) as teacher:
        receive(student), receive(teacher)
        sent = [
            {"type": "patch", "seq": 1, "view": {"point": [9, 9]}},
            "not json",
            {"type": "shout"},
            {"type": "answer", "z": [0, 0]},
            "x" * 20_000,
        ]
        for message in sent:
            student.send(message if isinstance(message, str) else json.dumps(message))
        heard = [receive(student) for _ in sent]
        reasons = [m.get("reason", m) for m in heard]
        assert all(m["type"] == "refused" for m in heard), heard
        assert "only the teacher" in reasons[0] and "JSON" in reasons[1] and "unknown" in reasons[2]
        assert "No quiz" in reasons[3] and "at most" in reasons[4]
        teacher.send(json.dumps({"type": "patch", "seq": 5, "view": {"point": [1, 1]}}))
        assert receive(student)["view"]["point"] == [1, 1] and receive(teacher)["view"][
            "point"
        ] == [1, 1]
        for replayed in (
            {"type": "patch", "seq": 5, "view": {"point": [2, 2]}},
            {"type": "patch", "seq": 6, "view": {"point": ["x"]}},
        ):
            teacher.send(json.dumps(replayed))
        assert "replayed" in receive(teacher)["reason"] and "numbers" in receive(teacher)["reason"]
        assert rooms.latest(code)[1].point == (1.0, 1.0)
    with connect(base, code, "mallory", token[::-1]) as forger:
        refused = receive(forger)
        assert refused["type"] == "error" and "Only the teacher" in refused["reason"]
    with connect(base, "ZZZZZ", "ada") as lost:
        assert "No room ZZZZZ" in receive(lost)["reason"]


def test_a_flood_is_refused_beyond_the_rate_and_the_quiz_takes_answers(served):
    base, rooms = served
    code, token = rooms.open()
    rooms.start_quiz(code, token, 4)
    with connect(base, code, "bob") as student:
        receive(student)
        for _ in range(150):
            student.send(json.dumps({"type": "ping"}))
        assert "messages a second" in receive(student)["reason"]
    with connect(base, code, "cy") as student:
        receive(student)
        student.send(json.dumps({"type": "answer", "z": [0.25, -1.5]}))
        assert receive(student) == {"type": "answered", "z": [0.25, -1.5]}
    assert rooms.answers(code) == [(0.25, -1.5)]


def test_closing_the_room_tells_its_followers(served):
    base, rooms = served
    code, token = rooms.open()
    with connect(base, code, "ada") as student:
        receive(student)
        rooms.close(code, token)
        assert receive(student)["type"] == "closed"
