"""Driving a classroom in chromium: a teacher opens a room, students join it, and a
follower's canvas is read and clicked (the classroom's browser tests and
benchmarks/classroom_browser.py)."""

from __future__ import annotations

import re

from tests.drivers.browser import canvas, plot_area

ROOT_SELECTOR = '[data-testid="latent-canvas"]'


def open_room(teacher, server, page: str = "Latent_map") -> str:
    teacher.goto(f"{server}/{page}")
    canvas(teacher)
    teacher.get_by_role("button", name="Open a room (teacher)").click()
    text = teacher.get_by_text(re.compile(r"Room [A-Z2-9]{5}: students join")).inner_text()
    code = re.search(r"Room ([A-Z2-9]{5})", text).group(1)
    # the teacher's canvas publishes
    canvas(teacher).locator(f'{ROOT_SELECTOR}[data-room="live"]').wait_for(timeout=60_000)
    return code


def join(student, server, code: str) -> None:
    student.goto(server)
    student.get_by_placeholder("code on the board").fill(code.lower())
    student.get_by_role("button", name="Join").click()
    student.get_by_text(f"In room {code}").wait_for(timeout=60_000)


def following_canvas(page):
    frame = canvas(page)
    frame.locator(f'{ROOT_SELECTOR}[data-room="live"]').wait_for(timeout=60_000)
    return frame


def click_map(page, fx: float, fy: float) -> None:
    box = plot_area(canvas(page))
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def pinned(page) -> str:
    return canvas(page).locator(ROOT_SELECTOR).get_attribute("data-pinned")


def oversized_frame(url: str, length: int) -> int | None:
    """A room channel opened by hand that announces a ``length``-byte frame and sends 64 KiB of
    it: the close code the server answers with, from the frame's header (None if it only hung
    up). Shared by the channel's tests and benchmarks/channel_abuse.py."""
    import base64
    import contextlib
    import os
    import socket
    import struct
    from urllib.parse import urlsplit

    where = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection((where.hostname, where.port), timeout=10) as raw:
        raw.sendall(
            f"GET {where.path} HTTP/1.1\r\nHost: {where.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = raw.recv(4096)
            if not chunk:
                return None
            response += chunk
        header = struct.pack("!BBQ", 0x81, 0x80 | 127, length) + os.urandom(4)
        with contextlib.suppress(OSError):
            raw.sendall(header + bytes(65536))
        answer = b""
        with contextlib.suppress(OSError):
            while len(answer) < 4:
                chunk = raw.recv(4096)
                if not chunk:
                    break
                answer += chunk
    return struct.unpack("!H", answer[2:4])[0] if answer[:1] == b"\x88" else None
