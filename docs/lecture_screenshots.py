"""Screenshots of a lecture on a projector (1280 x 720), each waiting for the state it shows.

    python -m docs.lecture_screenshots

Writes docs/screenshots/lecture-*.png: the Latent map and ELBO vs MMD as a projector shows
them (the room's code large), Fashion-MNIST's whole legend, a student's hover during a quiz
(no class in it) and the teacher's count beside the heat map, a pinned point of the 20-D VAE
described in all its coordinates, a projection's image opened on the Latent map (star and
anchor on the map), Step by step after fast presses, a student told that the room's store is
catching up, and a training that was already stored, named as the pickers name it.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from pathlib import Path

from tests.drivers.browser import (
    app_server,
    browser,
    canvas,
    canvas_frame,
    free_port,
    redis_server,
)
from tests.drivers.classroom import click_map, following_canvas, join, open_room
from vae_core.experiments.pretrain import CATALOG, main_entry
from vae_core.models.kinds import VAE

OUT = Path(__file__).resolve().parent / "screenshots"
PROJECTOR = {"width": 1280, "height": 720}
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
WIDE = next(e.name for e in CATALOG if e.dataset == "mnist" and e.role == "vae-20d")
FASHION = main_entry("fashion-mnist", VAE).name


def shot(page, name: str, element=None) -> None:
    page.wait_for_function(IDLE)
    (element or page).screenshot(path=str(OUT / f"lecture-{name}.png"))


def projector(chromium, url: str) -> None:
    """The teacher's Latent map and ELBO vs MMD on a projector, the room open."""
    teacher = chromium.new_context(viewport=PROJECTOR).new_page()
    open_room(teacher, url)
    teacher.locator('[data-testid="stMain"]').evaluate("(e) => e.scrollTo(0, 0)")
    shot(teacher, "projector-map")
    teacher.get_by_role("link", name="ELBO vs MMD").first.click()
    canvas(teacher)
    shot(teacher, "projector-elbo-mmd")
    teacher.context.close()


def fashion_legend(chromium, url: str) -> None:
    page = chromium.new_context(viewport=PROJECTOR).new_page()
    page.goto(f"{url}/Latent_map?model={FASHION}")
    canvas(page)
    shot(page, "fashion-legend", page.locator("iframe[title='explorer.canvas.latent_canvas']"))
    page.context.close()


def quiz(chromium, url: str) -> None:
    """A student's hover over a grey dot, and the teacher's count beside the heat map."""
    teacher, student, other = (
        chromium.new_context(viewport=PROJECTOR).new_page() for _ in range(3)
    )
    code = open_room(teacher, url)
    for page in (student, other):
        join(page, url, code)
        following_canvas(page)
    teacher.get_by_role("button", name="Start the quiz").click()
    for page, (fx, fy) in ((student, (0.4, 0.45)), (other, (0.6, 0.5))):
        canvas(page).locator('[data-testid="latent-canvas"][data-quiz="hidden"]').wait_for()
        click_map(page, fx, fy)
        canvas(page).get_by_text("Your answer is in").wait_for(timeout=30_000)
    frame = canvas(student)
    x, y = frame.locator('[data-testid="latent-canvas"]').evaluate(
        """() => { const p = document.querySelector('.js-plotly-plot');
        const t = p._fullData.find((d) => d.customdata); const [xa, ya] = [p._fullLayout.xaxis,
        p._fullLayout.yaxis]; const b = p.getBoundingClientRect();
        return [b.left + xa._offset + xa.d2p(t.x[5]), b.top + ya._offset + ya.d2p(t.y[5])]; }"""
    )
    box = student.locator("iframe[title='explorer.canvas.latent_canvas']").first.bounding_box()
    student.mouse.move(box["x"] + x, box["y"] + y)
    canvas_frame(student).wait_for_function(
        "() => document.querySelector('.hoverlayer .hovertext')"
    )
    student.screenshot(path=str(OUT / "lecture-quiz-student-hover.png"))
    teacher.get_by_text("2 quiz answers").wait_for(timeout=60_000)
    teacher.get_by_text(re.compile("lives: 2 answers")).first.scroll_into_view_if_needed()
    shot(teacher, "quiz-teacher-count")
    for page in (teacher, student, other):
        page.context.close()


def wide_point(chromium, url: str) -> None:
    """A point of the 20-D VAE pinned from the prior: described in all 20 coordinates."""
    page = chromium.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(f"{url}/Latent_map?model={WIDE}")
    canvas(page)
    page.get_by_role("button", name="Random prior sample").click()
    decoded = page.locator(".st-key-map_decoded")
    decoded.get_by_text("(20-D)").wait_for(timeout=60_000)
    decoded.scroll_into_view_if_needed()
    shot(page, "20d-pinned-point", decoded)
    page.context.close()


def open_code(chromium, url: str) -> None:
    """A projection's image opened on the Latent map: the star and the anchor on the map."""
    page = chromium.new_context(viewport=PROJECTOR).new_page()
    page.goto(f"{url}/Projections?model={WIDE}")
    page.get_by_text("PCA", exact=True).click()
    chart = page.locator(".stPlotlyChart .js-plotly-plot").first
    chart.wait_for(timeout=120_000)
    chart.scroll_into_view_if_needed()
    where = page.wait_for_function(
        """() => { const g = document.querySelector('.stPlotlyChart .js-plotly-plot');
        const t = g && g._fullData && g._fullData.find((d) => d.x && d.x.length);
        if (!t || !g._fullLayout.xaxis) return null; const r = g.getBoundingClientRect();
        return [r.left + g._fullLayout.xaxis._offset + g._fullLayout.xaxis.c2p(t.x[0]),
                r.top + g._fullLayout.yaxis._offset + g._fullLayout.yaxis.c2p(t.y[0])]; }"""
    ).json_value()
    page.mouse.click(*where)
    page.get_by_role("button", name="Open its code on the Latent map").click()
    frame = canvas(page)
    frame.locator("[data-testid='anchor-0']").wait_for(timeout=60_000)
    frame.locator("[data-testid='latent-canvas'][data-pinned]").wait_for(timeout=60_000)
    shot(page, "open-code-on-map", page.locator("iframe[title='explorer.canvas.latent_canvas']"))
    page.context.close()


def step_by_step(chromium, url: str) -> None:
    """Step pressed six times fast: one step trained, the rest refused, the page coherent."""
    page = chromium.new_context(viewport={"width": 1280, "height": 1200}).new_page()
    page.goto(f"{url}/Train_live")
    page.get_by_text("Step by step").first.click()
    page.get_by_role("button", name="Set up").click()
    page.get_by_role("button", name="Step").wait_for(timeout=60_000)
    page.get_by_text("100 batches").click()
    page.wait_for_function(IDLE)
    for _ in range(6):
        page.get_by_role("button", name="Step").click()
    page.get_by_text("Batches trained").wait_for()
    page.get_by_text("Loss in the last step").wait_for(timeout=120_000)
    page.locator(".st-key-train_step_losses").scroll_into_view_if_needed()
    shot(page, "step-by-step-fast-presses")
    page.context.close()


def already_trained(chromium, url: str) -> None:
    """A configuration that is stored already opens at once, named as the pickers name it."""
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/Train_live")
    page.locator('[data-testid="stNumberInput"]').filter(has_text="Latent dimension").wait_for()
    page.get_by_role("slider", name="Epochs").first.press("Home")  # 1 epoch
    page.get_by_text("Training images").wait_for()
    for _ in range(2):  # the second press finds it stored
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text(re.compile("stored as|Already trained")).wait_for(timeout=300_000)
    page.get_by_text("Already trained: opened the stored model").scroll_into_view_if_needed()
    shot(page, "already-trained")
    page.context.close()


def room_status(chromium, scratch: Path) -> None:
    """A student's map while the room's store (Redis) is away."""
    port = free_port()
    with contextlib.ExitStack() as stack:
        redis = contextlib.ExitStack()
        stack.callback(redis.close)
        url, _ = redis.enter_context(redis_server(scratch, port=port))
        env = {"VAE_EXPLORER_STORE": str(scratch / "store"), "VAE_EXPLORER_REDIS_URL": url}
        server, _ = stack.enter_context(app_server(env=env))
        teacher, student = (chromium.new_context(viewport=PROJECTOR).new_page() for _ in range(2))
        code = open_room(teacher, server)
        join(student, server, code)
        following_canvas(student)
        redis.close()
        status = canvas(student, state=None).locator('[data-testid="room-status"]:visible')
        status.wait_for(timeout=30_000)
        student.screenshot(path=str(OUT / "lecture-room-store-away.png"))


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="lecture-shots-"))
    with (
        app_server(env={"VAE_EXPLORER_STORE": str(scratch / "store")}) as (url, _),
        browser() as chromium,
    ):
        for make in (projector, fashion_legend, quiz, wide_point, open_code, step_by_step):
            make(chromium, url)
        already_trained(chromium, url)
        room_status(chromium, scratch / "redis")
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("lecture-*.png"))))


if __name__ == "__main__":
    main()
