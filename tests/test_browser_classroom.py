"""Follow the teacher and quizzes over the room's live channel, with a browser context per
person. Every wait is for the state asserted, never for a time."""

from __future__ import annotations

import re

import pytest

from tests.drivers.browser import (
    CANVAS,
    app_server,
    box_of,
    box_select,
    browser_marks,
    canvas,
    canvas_frame,
    plot_area,
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

# Where the first test image of the first map lies, in the canvas frame's pixels.
A_TEST_IMAGE = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  const trace = plot._fullData.find((t) => t.customdata);  // its coordinates decoded
  const [xa, ya] = [plot._fullLayout.xaxis, plot._fullLayout.yaxis];
  const box = plot.getBoundingClientRect();
  return [box.left + xa._offset + xa.d2p(trace.x[0]), box.top + ya._offset + ya.d2p(trace.y[0])];
}"""
HOVER_TEXT = (
    "() => [...document.querySelectorAll('.hoverlayer .hovertext')].map((e) => e.textContent)"
)


def hover_a_test_image(page) -> str:
    """Move the mouse over a test image's dot and read the label plotly.js shows."""
    frame = canvas(page)
    x, y = frame.locator(ROOT_SELECTOR).evaluate(A_TEST_IMAGE)
    where = box_of(page.locator(CANVAS).first)
    page.mouse.move(where["x"] + x, where["y"] + y)
    label = canvas_frame(page).wait_for_function(f"() => ({HOVER_TEXT})().join(' ') || null")
    return label.json_value()


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


def test_students_follow_the_teachers_point_and_drag_without_a_rerun(server, people):
    teacher, student, _ = people
    code = open_room(teacher, server)
    join(student, server, code)
    student.wait_for_url(re.compile(r"/Latent_map"), timeout=60_000)  # the teacher's page
    follower = following_canvas(student)
    runs = follower.locator(ROOT_SELECTOR).evaluate("() => window.__latentCanvas.renders")
    click_map(teacher, 0.3, 0.3)
    follower.locator(f'{ROOT_SELECTOR}[data-pinned="{pinned(teacher)}"]').wait_for(timeout=30_000)
    star = box_of(canvas(teacher).locator('[data-testid="pinned-point"]'))
    teacher.mouse.move(star["x"] + star["width"] / 2, star["y"] + star["height"] / 2)
    teacher.mouse.down()
    box = plot_area(canvas(teacher))
    follower_frame = canvas_frame(student)
    for step in range(
        1, 5
    ):  # each step of the drag reaches the student while the button is still down
        seen = follower_frame.evaluate("() => window.__latentCanvas.followed.length")
        teacher.mouse.move(
            box["x"] + box["width"] * (0.3 + 0.08 * step), box["y"] + box["height"] * 0.5, steps=2
        )
        follower_frame.wait_for_function(
            "(n) => window.__latentCanvas.followed.length > n", arg=seen, timeout=30_000
        )
    teacher.mouse.up()
    dragged = pinned(teacher)
    follower.locator(f'{ROOT_SELECTOR}[data-pinned="{dragged}"]').wait_for(timeout=30_000)
    # the follower's page never reran for any of it: the canvas applied each view itself
    assert follower.locator(ROOT_SELECTOR).evaluate("() => window.__latentCanvas.renders") == runs
    decoded = follower.locator('canvas[data-testid="decoded-image"]').get_attribute("data-z")
    assert decoded == dragged
    student.get_by_test_id("stSidebarUserContent").get_by_text(
        "Follow the teacher"
    ).click()  # off: the student explores alone
    canvas(student).locator(f"{ROOT_SELECTOR}:not([data-room])").wait_for(timeout=60_000)
    click_map(student, 0.15, 0.8)
    student.get_by_text("z = (").first.wait_for(timeout=60_000)
    assert pinned(teacher) == dragged  # nothing a student does reaches the teacher


def test_a_student_cannot_publish_and_forged_messages_are_refused(server, people):
    teacher, student, _ = people
    code = open_room(teacher, server)
    join(student, server, code)
    follower = following_canvas(student)
    before = pinned(teacher)
    answers = student.evaluate(
        """(code) => new Promise((resolve) => {
            const url = `${location.origin.replace(/^http/, "ws")}/api/rooms/${code}`;
            const socket = new WebSocket(url);
            const heard = [];
            socket.onopen = () => {
              socket.send(JSON.stringify({type: "hello", member: "forger"}));
              socket.send(JSON.stringify({type: "patch", seq: 1, view: {point: [9, 9]}}));
              socket.send("not json");
              socket.send(JSON.stringify({type: "hello", member: "x", token: "0".repeat(32)}));
            };
            socket.onmessage = (event) => {
              heard.push(JSON.parse(event.data));
              if (heard.length === 4) resolve(heard);
            };
        })""",
        code,
    )
    reasons = [m["reason"] for m in answers if m["type"] == "refused"]
    assert any("only the teacher" in r for r in reasons) and any("JSON" in r for r in reasons), (
        answers
    )
    forged = student.evaluate(
        """(code) => new Promise((resolve) => {
            const url = `${location.origin.replace(/^http/, "ws")}/api/rooms/${code}`;
            const socket = new WebSocket(url);
            socket.onopen = () => socket.send(
              JSON.stringify({type: "hello", member: "x", token: "f".repeat(32)}));
            socket.onmessage = (event) => resolve(JSON.parse(event.data));
        })""",
        code,
    )
    assert forged["type"] == "error" and "Only the teacher" in forged["reason"]
    assert (
        pinned(teacher) == before
        and follower.locator(ROOT_SELECTOR).get_attribute("data-pinned") == before
    )


def test_a_quiz_hides_the_classes_and_counts_each_students_last_click(server, people):
    teacher, first, second = people
    code = open_room(teacher, server)
    for student in (first, second):
        join(student, server, code)
        following_canvas(student)
    teacher.get_by_role("button", name="Start the quiz").click()
    teacher.get_by_text("0 quiz answers").first.wait_for(timeout=60_000)
    for student, (fx, fy) in ((first, (0.4, 0.4)), (second, (0.6, 0.5))):
        frame = canvas(student)
        frame.locator(f'{ROOT_SELECTOR}[data-quiz="hidden"]').wait_for(timeout=30_000)
        colours = frame.locator(ROOT_SELECTOR).evaluate(
            "() => [...new Set([...document.querySelectorAll('.js-plotly-plot')].flatMap(p => "
            "p.data.filter(t => t.customdata).map(t => String(t.marker.color))))]"
        )
        assert colours == ["#9e9e9e"]  # no colour gives the class away
        frame.locator(ROOT_SELECTOR).wait_for(timeout=30_000)
        images = "() => (document.querySelector('.js-plotly-plot').layout.images || []).length"
        frame.locator(ROOT_SELECTOR).evaluate(images) == 0 or frame.locator(
            f'{ROOT_SELECTOR}[data-mosaic="0"]'
        ).wait_for()
        # nor does the decoded grid under the points
        assert frame.locator(ROOT_SELECTOR).evaluate(images) == 0
        frame.get_by_text("Quiz: the colours are hidden").wait_for(timeout=30_000)
        hover = hover_a_test_image(student)
        assert hover.startswith("a test image") and "#" not in hover, hover  # no class, no row
        click_map(student, fx, fy)
        frame.get_by_text("Your answer is in").wait_for(timeout=30_000)
    click_map(first, 0.45, 0.45)  # a changed mind: the last click counts
    canvas(first).get_by_text("Your answer is in: (").wait_for(timeout=30_000)
    teacher.get_by_text("2 quiz answers").first.wait_for(timeout=60_000)  # the sidebar's count
    # the heat map's, the same
    teacher.get_by_text(re.compile("lives: 2 answers")).first.wait_for(timeout=60_000)
    teacher.get_by_role("button", name="Reveal").click()
    canvas(first).locator(f'{ROOT_SELECTOR}[data-quiz="revealed"]').wait_for(timeout=30_000)
    canvas(first).get_by_text("Quiz revealed").wait_for(timeout=30_000)


def test_students_follow_the_ends_path_and_alpha_and_the_teacher_from_page_to_page(server, people):
    teacher, student, _ = people
    code = open_room(teacher, server)
    join(student, server, code)
    student.wait_for_url(re.compile(r"/Latent_map"), timeout=60_000)
    for title, path in (
        ("Interpolate", "Interpolate"),
        ("ELBO vs MMD", "ELBO_vs_MMD"),
        ("Latent map", "Latent_map"),
    ):
        teacher.get_by_role("link", name=title).first.click()
        student.wait_for_url(re.compile(f"/{path}"), timeout=60_000)
        student.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=60_000)
        if path == "Interpolate":
            follower, mine = following_canvas(student), canvas(teacher)
            strip = 'canvas[data-testid="path-strip"]'
            ends = mine.locator(f"{strip}[data-ends]").get_attribute("data-ends")
            # the test images' ends
            follower.locator(f'{strip}[data-ends="{ends}"]').wait_for(timeout=30_000)
            teacher.get_by_text("slerp").click()
            follower.locator(f'{strip}[data-method="slerp"]').wait_for(timeout=30_000)
            teacher.get_by_role("slider", name="α").first.press("End")  # the last frame: B
            at_b = ends.split(";")[1]
            follower.locator(f'{ROOT_SELECTOR}[data-pinned="{at_b}"]').wait_for(timeout=30_000)
        if path == "ELBO_vs_MMD":
            box_select(teacher, 0, (0.3, 0.3), (0.7, 0.7), within=canvas(teacher))
            following_canvas(student).locator(
                f'{ROOT_SELECTOR}[data-selection]:not([data-selection=""])'
            ).wait_for(timeout=30_000)
    assert student.get_by_role(
        "switch", name="Follow the teacher"
    ).is_checked()  # still following after three switches
    # a new session (a replica lost) joins the room again from the address
    assert f"room={code}" in student.url
