"""The classroom load path: the shared latent-map figure, the server settings the load
figures depend on, and a short run of benchmarks/load.py (its websocket sessions pin
points on the canvas and follow a training, so the benchmark cannot rot unnoticed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.maps import map_figures
from tests.drivers.browser import REDIS_SERVER

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_VAE = "mnist-vae-2d-ff56de535987"


def test_map_figure_is_built_once_and_shared():
    first = map_figures.map_figure(SHIPPED_VAE, 500)
    assert map_figures.map_figure(SHIPPED_VAE, 500) is first
    assert sum(len(trace.x) for trace in first.data if trace.customdata is not None) == 500
    # Other options give another figure, not a changed shared one.
    circled = map_figures.map_figure(SHIPPED_VAE, 500, prior_circles=True)
    assert circled is not first and len(circled.layout.shapes) == len(first.layout.shapes) + 2
    # The canvas fetches it as a file named by its content, written once.
    assert (
        map_figures.map_figure_url(SHIPPED_VAE, 500)
        == map_figures.map_figure_url(SHIPPED_VAE, 500)
        != map_figures.map_figure_url(SHIPPED_VAE, 500, prior_circles=True)
    )


def test_server_skips_the_forced_collection_after_every_run():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["runner"]["postScriptGC"] is False


@pytest.mark.slow
def test_load_benchmark_serves_clicks_and_a_training():
    command = [
        sys.executable,
        "-m",
        "benchmarks.load",
        "--sessions",
        "2",
        "--seconds",
        "6",
        "--trainings",
        "1",
        "--training-epochs",
        "1",
        "--training-images",
        "5,000 (fast demo)",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    served = int(re.search(r"clicks served: (\d+); errors: 0", result.stdout).group(1))
    assert served >= 4
    assert "trainings completed: 1/1" in result.stdout


@pytest.mark.slow
def test_classroom_benchmark_students_follow_every_pin_page_and_a_lost_replica():
    """Twenty websocket students over two replicas sharing Redis, three Streamlit sessions
    following a page switch, and one replica killed under its students."""
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server is not installed")
    command = [
        sys.executable,
        "-m",
        "benchmarks.classroom",
        "--students",
        "20",
        "--few",
        "5",
        "--pins",
        "4",
        "--page-students",
        "3",
        "--replicas",
        "2",
        "--kill",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    rounds = re.findall(r"(\d+) students: pin -> every student .*; (\d+) lost", result.stdout)
    # every student got every pin
    assert [(int(n), int(lost)) for n, lost in rounds] == [(5, 0), (20, 0)], result.stdout
    assert re.search(
        r"kill -9 of one replica: its 10 students back on the teacher's view", result.stdout
    ), result.stdout
    assert "page switch: 3 Streamlit sessions on the teacher's page" in result.stdout


@pytest.mark.slow
def test_a_short_fuzz_leaves_no_exit_traceback_or_exception_box():
    """Six sessions pressing random widgets of every page for half a minute, trainings and
    forged values included (benchmarks/fuzz.py): the server must survive with a clean log."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.fuzz",
        "--sessions",
        "6",
        "--seconds",
        "30",
        "--warm-up",
        "0",
        "--seed",
        "5",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "server exits: 0" in report and "tracebacks in the server log: 0" in report, report
    assert "exception boxes sent to pages: 0" in report, report
    actions = int(
        re.search(r"sessions for \d+ s after a \d+ s warm-up: (\d+) actions", report).group(1)
    )
    # the sessions really pressed things (about 5 a second each, pauses included)
    assert actions >= 60, report


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server is not installed")
def test_the_room_channel_fuzz_leaves_no_traceback_and_lets_every_real_student_in():
    """Attackers send the live channel oversized and binary frames, other sites' pages, fake
    members, floods and forgeries for 15 s (benchmarks/fuzz.py --channel): no exit, no
    traceback, and every real student who knocks meanwhile gets the room's view."""
    command = [sys.executable, "-m", "benchmarks.fuzz", "--channel", "--sessions", "6"]
    command += ["--seconds", "15", "--seed", "3"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "server exits: 0" in report and "tracebacks in the server log: 0" in report, report
    joined = re.search(r"real students who joined during the flood: (\d+) of (\d+)", report)
    assert joined and joined.group(1) == joined.group(2) and int(joined.group(1)) >= 8, report
    attacks = re.search(r"attacks: (.*)", report).group(1)
    assert all(f"{name} " in attacks for name in ("oversized", "binary", "fake_members")), report
