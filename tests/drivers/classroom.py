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
