"""Follow the teacher and quizzes, with a browser context per person. Every wait is for
the state asserted, never for a time."""

from __future__ import annotations

import re

import pytest

from tests.browser import app_server, browser_marks, canvas, plot_area

pytestmark = browser_marks()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(env={"VAE_EXPLORER_STORE": str(tmp_path_factory.mktemp("store"))}) as (url, _):
        yield url


@pytest.fixture
def people(chromium, viewport):
    """A browser context for the teacher and one per student, each with its own session."""
    contexts = [chromium.new_context(viewport=viewport) for _ in range(3)]
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def open_room(teacher, server) -> str:
    teacher.goto(f"{server}/Latent_map")
    canvas(teacher)
    teacher.get_by_role("button", name="Open a room (teacher)").click()
    text = teacher.get_by_text(re.compile(r"Room [A-Z2-9]{5}: students join")).inner_text()
    return re.search(r"Room ([A-Z2-9]{5})", text).group(1)


def join(student, server, code: str) -> None:
    student.goto(server)
    student.get_by_placeholder("code on the board").fill(code.lower())
    student.get_by_role("button", name="Join").click()
    student.get_by_text(f"In room {code}").wait_for(timeout=60_000)


def click_map(page, fx: float, fy: float) -> None:
    box = plot_area(canvas(page))
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def pinned_text(page) -> str:
    """The pinned point the decoded panel shows (the newest panel, should a rerun briefly show two)."""
    page.locator(".st-key-map_decoded").get_by_text("z = (").first.wait_for(timeout=60_000)
    texts = page.locator(".st-key-map_decoded").all_inner_texts()
    return re.search(r"z = \([^)]*\)", [t for t in texts if "z = (" in t][-1]).group(0)


def test_students_follow_the_teachers_page_and_pinned_point(server, people):
    teacher, student, _ = people
    code = open_room(teacher, server)
    join(student, server, code)
    student.wait_for_url(re.compile(r"/Latent_map"), timeout=60_000)  # the teacher's page
    click_map(teacher, 0.3, 0.3)
    first = pinned_text(teacher)
    student.locator(".st-key-map_decoded").get_by_text(first).first.wait_for(timeout=60_000)
    click_map(teacher, 0.7, 0.6)
    second = pinned_text(teacher)
    if second == first:
        teacher.locator(".st-key-map_decoded").get_by_text(first).first.wait_for(state="detached", timeout=60_000)
        second = pinned_text(teacher)
    student.locator(".st-key-map_decoded").get_by_text(second).first.wait_for(timeout=60_000)
    star = canvas(teacher).locator('[data-testid="latent-canvas"]').get_attribute("data-pinned")
    canvas(student).locator(f'[data-testid="latent-canvas"][data-pinned="{star}"]').wait_for(timeout=60_000)  # the star moved too
    student.get_by_text("Follow the teacher").click()  # off: the student explores alone
    click_map(student, 0.15, 0.8)
    student.wait_for_function(
        "(z) => [...document.querySelectorAll('.st-key-map_decoded')].some(e => e.innerText.includes('z = (')"
        " && !e.innerText.includes(z))", arg=second, timeout=60_000,
    )  # the student's own point  # fmt: skip
    assert pinned_text(teacher) == second  # nothing a student does reaches the teacher


def test_quiz_clicks_from_two_students_reach_the_teachers_heatmap(server, people):
    teacher, first, second = people
    code = open_room(teacher, server)
    for student in (first, second):
        join(student, server, code)
        student.wait_for_url(re.compile(r"/Latent_map"), timeout=60_000)
    teacher.get_by_role("button", name="Start the quiz").click()
    teacher.get_by_text("0 answers").first.wait_for(timeout=60_000)
    for student, (fx, fy) in ((first, (0.4, 0.4)), (second, (0.6, 0.5))):
        student.get_by_text("the colours are hidden").wait_for(timeout=60_000)
        click_map(student, fx, fy)
        student.get_by_text("Your answer is in").wait_for(timeout=60_000)
    teacher.get_by_text("2 answers").first.wait_for(timeout=60_000)
    teacher.locator(".st-key-map_quiz_heatmap .js-plotly-plot").first.wait_for(timeout=60_000)  # a rerun may briefly show two
    teacher.get_by_role("button", name="Reveal").click()
    first.get_by_text("Quiz revealed").wait_for(timeout=60_000)


def test_students_follow_the_teacher_from_page_to_page(server, people):
    teacher, student, _ = people
    code = open_room(teacher, server)
    join(student, server, code)
    student.wait_for_url(re.compile(r"/Latent_map"), timeout=60_000)
    for title, path in (("Interpolate", "Interpolate"), ("ELBO vs MMD", "ELBO_vs_MMD"), ("Latent map", "Latent_map")):
        teacher.get_by_role("link", name=title).first.click()
        student.wait_for_url(re.compile(f"/{path}"), timeout=60_000)
        student.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=60_000)
    assert student.get_by_role("switch", name="Follow the teacher").is_checked()  # still following after three switches
