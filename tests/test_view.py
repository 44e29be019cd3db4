"""The View: one value, two serialisations (a share link, a room message), both checked."""

from __future__ import annotations

import json
import math

import pytest

from explorer.core.view import MESSAGE_CHARS, QuizState, View, ViewError

RICH = View(
    page="Interpolate",
    dataset="fashion",
    model="fashion-vae-2d-abc",
    point=(0.5, -1.25, 3.0),
    point_source="click",
    ends=((0.0, 1.0), (2.5, -0.5)),
    method="slerp",
    steps=9,
    alpha=4,
    selection=(3, 7, 11),
    quiz=QuizState(7, revealed=True),
    arrows=((0.0, 0.0, 1.0, 1.0, "0 → 6"),),
)


@pytest.mark.parametrize("view", [View(), RICH, View(point=tuple(float(i) / 7 for i in range(20)))])
def test_a_view_survives_a_room_message(view):
    assert View.from_message(view.to_message()) == view
    assert View.from_json(view.to_json()) == view
    assert json.loads(view.to_json()) == view.to_message()  # plain JSON values


def test_a_share_link_carries_the_model_point_ends_path_and_alpha():
    query = RICH.to_query()
    assert query["z"] == "0.5,-1.25,3" and query["a"] == "0,1" and query["path"] == "slerp"
    restored, problems = View.from_query(query, View(model=RICH.model, dataset=RICH.dataset))
    assert problems == []
    for name in ("model", "point", "ends", "method", "steps", "alpha"):
        assert getattr(restored, name) == getattr(RICH, name), name
    assert restored.point_source == "the shared link's point"


def test_a_bad_link_keeps_the_rest_and_says_what_was_wrong():
    view, problems = View.from_query(
        {"z": "nan,1", "a": "1,2", "path": "spiral", "frames": "500", "alpha": "3"}
    )
    assert (
        view.point is None
        and view.ends is None
        and view.method == "linear"
        and view.steps == 12
        and view.alpha == 3
    )
    assert len(problems) == 4 and "point" in problems[0] and "endpoints" in problems[1]


@pytest.mark.parametrize(
    "message, words",
    [
        ([1, 2], "object"),
        ({"page": "x", "admin": True}, "no 'admin'"),
        ({"point": [math.inf, 0]}, "finite"),
        ({"point": [1e6, 0]}, "within"),
        ({"point": list(range(65))}, "1 to 64"),
        ({"point": ["1", 2]}, "numbers"),
        ({"ends": [[0, 0]]}, "two ends"),
        ({"ends": [[0, 0], [1, 1, 1]]}, "as many"),
        ({"method": "spiral"}, "linear or slerp"),
        ({"steps": 500}, "frames"),
        ({"alpha": 12}, "α"),
        ({"alpha": True}, "whole number"),
        ({"selection": [-1]}, "row numbers"),
        ({"selection": list(range(10_001))}, "at most"),
        ({"quiz": {"target": 12}}, "one of the dataset.s classes"),
        ({"quiz": {"target": 2000}}, "one of the dataset.s classes"),
        ({"quiz": {"target": 1, "answer": 3}}, "target class"),
        ({"arrows": [[0, 0, 1, 1]]}, "label"),
        ({"arrows": [[0, 0, 1, 1, "x"]] * 9}, "at most"),
        ({"page": "x" * 81}, "short text"),
    ],
)
def test_a_forged_message_is_refused_with_its_reason(message, words):
    with pytest.raises(ViewError, match=words):
        View.from_message(message)


def test_oversized_or_broken_json_is_refused_unread():
    with pytest.raises(ViewError, match="at most"):
        View.from_json(" " * (MESSAGE_CHARS + 1))
    with pytest.raises(ViewError, match="JSON"):
        View.from_json("{not json")
    with pytest.raises(ViewError, match="JSON"):
        View.from_json("[" * 100_000 + "]" * 100_000)


def test_a_quiz_names_one_of_its_datasets_classes():
    assert View(dataset="shapes", quiz=QuizState(2)).quiz.target == 2
    with pytest.raises(ViewError, match="one of the dataset's classes"):
        View(dataset="shapes", quiz=QuizState(5))  # a square, an ellipse and a heart only
    with pytest.raises(ViewError, match="one of the dataset's classes"):
        View.from_message({"dataset": "shapes", "quiz": {"target": 3}})
