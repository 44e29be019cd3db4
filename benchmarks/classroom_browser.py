"""A teacher and students in real chromium (one browser context each): the teacher clicks
points on the Latent map and every student's canvas applies them. For each pin and each
student: the time from the teacher's canvas sending the point to the student's canvas
drawing it (both read from ``Date.now()`` on this machine), the first pin after joining
included.

    python -m benchmarks.classroom_browser [--students 5] [--pins 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from tests.drivers.browser import CHROMIUM, CHROMIUM_FLAGS, app_server, canvas_frame
from tests.drivers.classroom import click_map, following_canvas, join, open_room


def arrivals(sent: list, students) -> tuple[list[float], list[float]]:
    """Milliseconds from each pin the teacher published to its arrival on every student's
    canvas: (every pin after the first, the first pin)."""
    delays, first = [], []
    for student in students:
        followed = canvas_frame(student).evaluate(
            "() => window.__latentCanvas.followed.filter(f => f.z)"
        )
        for number, (point, at) in enumerate(sent):
            same = (f for f in followed if all(abs(a - b) < 1e-9 for a, b in zip(f["z"], point)))
            (first if number == 0 else delays).append(next(same)["at"] - at)
    return delays, first


def main(args) -> None:
    from playwright.sync_api import sync_playwright

    viewport = {"width": 1400, "height": 1000}
    with (
        tempfile.TemporaryDirectory() as store,
        app_server(env={"VAE_EXPLORER_STORE": store}) as (url, _),
        sync_playwright() as playwright,
    ):
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        teacher = chromium.new_context(viewport=viewport).new_page()
        students = [
            chromium.new_context(viewport=viewport).new_page() for _ in range(args.students)
        ]
        code = open_room(teacher, url)
        for student in students:
            join(student, url, code)
            following_canvas(student)
        for index in range(args.pins):
            click_map(
                teacher,
                0.2 + 0.6 * (index % 5) / 4,
                0.25 + 0.5 * (index // 5) / max(1, args.pins // 5),
            )
            count = index + 1
            for student in students:  # each student's canvas has this pin before the next click
                canvas_frame(student).wait_for_function(
                    "(n) => window.__latentCanvas.followed.filter(f => f.z).length >= n",
                    arg=count,
                    timeout=30_000,
                )
        sent = canvas_frame(teacher).evaluate(
            "() => window.__latentCanvas.published.map(p => [p.point, p.at])"
        )
        delays, first = arrivals(sent, students)
        everything = sorted(delays + first)
        print(
            f"room {code}: {args.students} students x {len(sent)} pins in chromium, teacher's "
            "canvas -> student's canvas"
        )
        print(
            f"all pins: median {statistics.median(everything):.0f} ms, worst {everything[-1]:.0f} "
            "ms; "
            f"first pin after joining: worst {max(first):.0f} ms; every pin reached every student"
        )
        chromium.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=5)
    parser.add_argument("--pins", type=int, default=10)
    main(parser.parse_args())
