"""The canvas's Python half: what the browser sends is checked before anything uses it,
and published files are named by their content."""

from __future__ import annotations

import base64
import json

import pytest

from explorer.canvas.component import CanvasInputError, read_event
from explorer.core import served as canvas


def event(**fields):
    return {"id": "s1-1", **fields}


def test_good_events_are_read():
    assert read_event(None) is None
    pin = read_event(event(kind="pin", z=[0.5, -1], map=1))
    assert (pin.kind, pin.point, pin.map_index) == ("pin", (0.5, -1.0), 1)
    ends = read_event(event(kind="ends", a=[0, 0], b=[1.5, 2]))
    assert ends.ends == ((0.0, 0.0), (1.5, 2.0))
    pixels = bytes(range(256)) * 3 + bytes(16)
    drawing = read_event(event(kind="drawing", pixels=base64.b64encode(pixels).decode()))
    assert drawing.pixels == pixels
    assert read_event(event(kind="select", rows=[5, 3, 5], map=0)).rows == (3, 5)
    assert read_event(event(kind="fallback", reason="x" * 500)).reason == "x" * 200


@pytest.mark.parametrize(
    "value, message",
    [
        (event(kind="pin", z=[float("nan"), 0]), "finite"),
        (event(kind="pin", z=[1e9, 0]), "within ±50"),
        (event(kind="pin", z=[1, 2, 3]), "two numbers"),
        (event(kind="pin", z="1,2"), "two numbers"),
        (event(kind="pin", z=[True, 1]), "two numbers"),
        (event(kind="ends", a=[0, 0], b=[0, float("inf")]), "point B"),
        (
            event(kind="drawing", pixels=base64.b64encode(bytes(100)).decode()),
            "28 to 64 pixels a side; got 100 pixels",
        ),
        (event(kind="drawing", pixels="not base64!"), "square grey image"),
        (event(kind="drawing", pixels="A" * 20000), "square grey image"),
        (event(kind="drawing", pixels=base64.b64encode(bytes(785)).decode()), "got 785 pixels"),
        (event(kind="select", rows=[1, -2]), "row numbers"),
        (event(kind="select", rows=list(range(10_001))), "at most"),
        (event(kind="pin", z=[0, 0], map=7), "not there"),
        (event(kind="teleport"), "unknown kind"),
        ({"kind": "pin", "z": [0, 0]}, "without an identity"),
        ("pin", "cannot read"),
        (event(kind="pin", z=[0, 0], padding="x" * 90_000), "cannot read"),
    ],
)
def test_forged_or_broken_events_are_refused_with_a_message(value, message):
    with pytest.raises(CanvasInputError, match=message):
        read_event(value)


def test_published_files_are_named_by_their_content(tmp_path, monkeypatch):
    monkeypatch.setattr(canvas, "SERVED", tmp_path)
    (tmp_path / "figures").mkdir()
    first = canvas.publish(b'{"data": []}', "figures", ".json")
    assert first == canvas.publish(b'{"data": []}', "figures", ".json")
    assert first != canvas.publish(b'{"data": [1]}', "figures", ".json")
    name = first.rsplit("/", 1)[1]
    assert json.loads((tmp_path / "figures" / name).read_text()) == {"data": []}
    assert first.startswith(canvas.FILES_URL + "/figures/")
    assert not list((tmp_path / "figures").glob(".*"))  # no temporary file left behind


def test_sessions_publishing_the_same_file_at_once_all_get_it(tmp_path, monkeypatch):
    """Thirty threads of one server publish one figure together: none fails, one file remains."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(canvas, "SERVED", tmp_path)
    (tmp_path / "figures").mkdir()
    data = b'{"data": [2]}' * 50_000
    with ThreadPoolExecutor(30) as pool:
        urls = set(pool.map(lambda _: canvas.publish(data, "figures", ".json"), range(30)))
    assert len(urls) == 1 and [p.name for p in (tmp_path / "figures").iterdir()] == [
        urls.pop().rsplit("/", 1)[1]
    ]
