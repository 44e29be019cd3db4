"""The room channel, ``/api/rooms/{code}`` on the app's own server (st.App), spoken to as a
browser would with plain websockets. The server keeps its rooms in a real redis-server, so
the test opens rooms (and holds the teacher's token) from outside the server process."""

from __future__ import annotations

import contextlib
import json
import os
import time

import pytest

from explorer.classroom import hub
from tests.drivers.browser import REDIS_SERVER, app_server, redis_server
from tests.drivers.classroom import oversized_frame

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server is not installed"),
]


SERVER_LOG = "server.log"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(websocket base URL, the rooms of the server's Redis, the server's log file)."""
    from explorer.classroom.redis_rooms import RedisRooms

    folder = tmp_path_factory.mktemp("live")
    with redis_server(tmp_path_factory.mktemp("redis")) as (redis_url, _):
        env = {
            "VAE_EXPLORER_STORE": str(tmp_path_factory.mktemp("store")),
            "VAE_EXPLORER_REDIS_URL": redis_url,
            "VAE_EXPLORER_ROOM_ORIGINS": "https://course.example.org",
        }
        with app_server(env=env, log=folder / SERVER_LOG, with_process=True) as (url, _, process):
            rooms = RedisRooms(redis_url)
            yield url.replace("http", "ws") + "/api/rooms/", rooms, folder / SERVER_LOG, process
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


def members_left(rooms, code: str) -> list:
    """(member, last seen) of a room in Redis: what a failed presence check shows."""
    return rooms._client.zrange(rooms._key(code, "members"), 0, -1, withscores=True)


def nobody_left(rooms, code: str, timeout: float = 10.0) -> bool:
    """Whether the room's presence count reaches zero within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while rooms.present(code) and time.monotonic() < deadline:
        time.sleep(0.05)
    return rooms.present(code) == 0


def test_a_follower_gets_the_current_view_at_once_and_every_change_after(served):
    base, rooms, *_ = served
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
        # a run of the teacher's page
        rooms.publish(code, token, rooms.latest(code)[1].replace(page="Interpolate"))
        assert receive(student)["view"]["page"] == "Interpolate"
        assert rooms.present(code) == 1  # the student, not the teacher


def test_the_channel_refuses_what_a_student_or_a_forger_sends(served):
    base, rooms, *_ = served
    code, token = rooms.open()
    with connect(base, code, "eve") as student, connect(base, code, "teacher", token) as teacher:
        receive(student), receive(teacher)
        sent = [
            {"type": "patch", "seq": 1, "view": {"point": [9, 9]}},
            "not json",
            {"type": "shout"},
            {"type": "answer", "z": [0, 0]},
            {"type": "ping", "member": "someone-else"},
        ]
        for message in sent:
            student.send(message if isinstance(message, str) else json.dumps(message))
        heard = [receive(student) for _ in sent]
        reasons = [m.get("reason", m) for m in heard]
        assert all(m["type"] == "refused" for m in heard), heard
        assert "only the teacher" in reasons[0] and "JSON" in reasons[1] and "unknown" in reasons[2]
        assert "No quiz" in reasons[3] and "has no 'member'" in reasons[4]
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
    base, rooms, *_ = served
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
    base, rooms, *_ = served
    code, token = rooms.open()
    with connect(base, code, "ada") as student:
        receive(student)
        rooms.close(code, token)
        assert receive(student)["type"] == "closed"


def closed_with(socket, timeout: float = 10.0):
    """The close code and reason the server ended ``socket`` with."""
    from websockets.exceptions import ConnectionClosed

    with pytest.raises(ConnectionClosed) as closed:
        while True:
            socket.recv(timeout=timeout)
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_the_channel_refuses_before_reading_and_never_logs_a_traceback(served):
    """Another site's page, a frame over the limit (closed from its header, so a 64 MiB frame
    costs the server nothing), a binary frame and a pile of forged hellos: each refused with
    its reason, the server's memory flat, its log free of tracebacks."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect as ws_connect

    from tests.drivers.browser import rss_bytes

    base, rooms, log, process = served
    code, _ = rooms.open()
    with pytest.raises(InvalidStatus, match="403"):
        with ws_connect(base + code, origin="http://evil.example", open_timeout=10):
            pass
    for origin in ("http://127.0.0.1:1234", "https://course.example.org"):  # this site, a named one
        with ws_connect(base + code, origin=origin, open_timeout=10) as socket:
            socket.send(json.dumps({"type": "hello", "member": "ada"}))
            assert receive(socket)["type"] == "view"
    before = rss_bytes(process.pid)
    for _ in range(3):  # what the server answers a 1 GiB frame's header and its first 64 KiB
        assert oversized_frame(base + "ZZZZZ", 1 << 30) == 1009  # message too big, from the header
    assert rss_bytes(process.pid) - before < 32 << 20
    with connect(base, code, "bob") as socket:
        receive(socket)
        socket.send(b"\x00\x01 not text")
        assert closed_with(socket) == (1003, "the room channel takes JSON text only")
    for index in range(40):  # each connection one member, gone with its connection
        with connect(base, code, f"fake-{index}") as socket:
            receive(socket)
            socket.send(json.dumps({"type": "hello", "member": f"another-{index}"}))
            assert "unknown message type 'hello'" in receive(socket)["reason"]
    assert nobody_left(rooms, code), members_left(rooms, code)  # each closed connection let go
    with connect(base, code, "real") as socket, connect(base, code, "real") as again:
        receive(socket), receive(again)
        assert rooms.present(code) == 1  # two tabs of one student, counted once
    assert nobody_left(rooms, code)
    assert "Traceback" not in log.read_text()


def test_a_redis_restart_is_told_to_every_connection_and_the_room_catches_up(tmp_path):
    """Redis goes away and comes back empty: each connection hears "degraded", a teacher's
    change meanwhile is refused for a moment (retry, with its seq), and once Redis is back the
    replica puts the room back and every connection gets the view and "live"."""
    from explorer.classroom.redis_rooms import RedisRooms
    from tests.drivers.browser import free_port

    port = free_port()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    with contextlib.ExitStack() as redis:
        redis_url, _ = redis.enter_context(redis_server(tmp_path / "a", port=port))
        env = {"VAE_EXPLORER_STORE": str(tmp_path / "store"), "VAE_EXPLORER_REDIS_URL": redis_url}
        with app_server(env=env, log=tmp_path / SERVER_LOG) as (url, _):
            base, rooms = url.replace("http", "ws") + "/api/rooms/", RedisRooms(redis_url)
            code, token = rooms.open()
            with connect(base, code, "ada") as student, connect(base, code, "t", token) as teacher:
                assert receive(student)["version"] == 0 and receive(teacher)["version"] == 0
                teacher.send(json.dumps({"type": "patch", "seq": 1, "view": {"point": [1, 1]}}))
                assert receive(student)["version"] == 1 and receive(teacher)["version"] == 1
                redis.close()  # Redis is gone, and with it every key
                assert receive(student) == receive(teacher) == json.loads(hub.DEGRADED)
                teacher.send(json.dumps({"type": "patch", "seq": 2, "view": {"point": [2, 2]}}))
                refused = receive(teacher)
                assert refused["retry"] and refused["seq"] == 2, refused
                with redis_server(tmp_path / "b", port=port):
                    back = [receive(student, 30), receive(student, 30)]
                    assert back[0]["type"] == "view" and back[0]["version"] == 2
                    assert back[0]["view"]["point"] == [1, 1] and back[1] == {
                        "type": "status",
                        "state": "live",
                    }
                    teacher.send(json.dumps({"type": "patch", "seq": 3, "view": {"point": [2, 2]}}))
                    heard = receive(student)
                    while heard["type"] != "view" or heard["version"] < 3:
                        heard = receive(student)
                    assert heard["view"]["point"] == [2, 2]
                    assert rooms.present(code) == 1  # the replica counted its student again
            rooms.stop()
    assert "Traceback" not in (tmp_path / SERVER_LOG).read_text()
