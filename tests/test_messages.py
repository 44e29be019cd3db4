"""A room message is declared once (explorer.classroom.messages): a toy one, declared in this
test alone, is dispatched by the server's channel, keeps what each student sent in the room's
backend, is refused where its declaration says so, and is sent by the browser's channel only
as declared."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time

import pytest

from explorer.classroom import messages, websocket
from explorer.classroom.messages import STUDENT, Message
from tests.drivers.browser import ROOT, free_port

NODE = shutil.which("node")


async def _raise_hand(connection, hub, message) -> None:
    await hub.call(hub.rooms.record, connection.code, "hand", connection.member, True)
    connection.notify(json.dumps({"type": "hand", "member": connection.member}))


TOY = Message("raise_hand", frozenset({STUDENT}), {}, _raise_hand, "raise a hand")


@pytest.fixture
def toy_message():
    messages.register(TOY)
    yield TOY
    messages.MESSAGES.pop(TOY.name, None)


@pytest.fixture
def channel():
    """The room channel's route served in this process (so the toy declaration is its own)."""
    import uvicorn
    from starlette.applications import Starlette

    port = free_port()
    app = Starlette(routes=websocket.routes(), lifespan=websocket.lifespan)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        thread.join(0.05)
    yield f"ws://127.0.0.1:{port}/api/rooms/"
    server.should_exit = True
    thread.join(10)


def test_a_toy_message_is_dispatched_and_checked_by_its_declaration(toy_message, channel):
    from websockets.sync.client import connect

    code, token = websocket.hub().rooms.open()
    assert messages.table()["raise_hand"] == {
        "senders": ["student"],
        "fields": [],
        "help": "raise a hand",
    }
    with connect(channel + code) as student, connect(channel + code) as teacher:
        student.send(json.dumps({"type": "hello", "member": "ada"}))
        teacher.send(json.dumps({"type": "hello", "member": "t", "token": token}))
        assert json.loads(student.recv(timeout=10))["type"] == "view"
        assert json.loads(teacher.recv(timeout=10))["type"] == "view"
        student.send(json.dumps({"type": "raise_hand"}))
        assert json.loads(student.recv(timeout=10)) == {"type": "hand", "member": "ada"}
        student.send(json.dumps({"type": "raise_hand", "loud": True}))
        assert "has no 'loud'" in json.loads(student.recv(timeout=10))["reason"]
        teacher.send(json.dumps({"type": "raise_hand"}))
        assert "does not send 'raise_hand'" in json.loads(teacher.recv(timeout=10))["reason"]
    assert websocket.hub().rooms.records(code, "hand") == {"ada": True}


@pytest.mark.skipif(NODE is None, reason="needs node (Node.js 20)")
def test_the_browsers_channel_sends_a_toy_message_as_declared(toy_message, tmp_path):
    table = tmp_path / "messages.json"
    table.write_text(json.dumps(messages.table()))
    result = subprocess.run(
        [NODE, "--test", "--test-name-pattern", "server declares", "tests/js/room.test.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MESSAGE_TABLE": str(table), "ROOM_FIXTURES": str(tmp_path / "none")},
    )
    assert result.returncode == 0 and "# pass 1" in result.stdout, result.stdout[-3000:]
