"""What a session shows, as one frozen value: page, model, pinned point, interpolation,
selection, quiz and arrows.

Pages read and change it through :func:`current` and :func:`update`; a share link
(:meth:`View.to_query` / :meth:`View.from_query`) and a room message
(:meth:`View.to_message` / :meth:`View.from_message`) are two serialisations of it. Both
readers check everything: a link or a message is input from a browser.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

from vae_core.data.catalog import DEFAULT_DATASET, DatasetError
from vae_core.data.catalog import get as get_dataset

POINT_LIMIT = 50.0  # |coordinate| accepted; the prior puts almost nothing beyond 5
MAX_DIM = 64  # coordinates a point may carry (the widest shipped model has 20)
MAX_CLASSES = 1000  # a quiz target is a class index below this (then below the dataset's)
MAX_ROWS = 10_000  # test images a selection may name
MAX_ARROWS = 8
MAX_TEXT = 80  # characters of a point's origin, an arrow's label, a page or model name
METHODS = ("linear", "slerp")
STEPS = (5, 30)  # frames of an interpolation, smallest and largest
MESSAGE_CHARS = 160_000  # a room message larger than this is refused unread
STATE_KEY = "view"  # where a session keeps its View


class ViewError(ValueError):
    """A serialised view that cannot be used; the message says what is wrong, for the user."""


Point = tuple[float, ...]


@dataclass(frozen=True)
class QuizState:
    target: int  # the class the room looks for (an index into the dataset's classes)
    revealed: bool = False  # the colours are back on every map


@dataclass(frozen=True)
class View:
    page: str = ""  # the page's url path ("" is Home)
    dataset: str = DEFAULT_DATASET
    model: str | None = None  # a checkpoint name from the catalog
    point: Point | None = None  # the pinned point, all of the model's coordinates
    point_source: str = ""  # where the point came from ("click", "a sample from the prior", ...)
    ends: tuple[Point, Point] | None = None  # interpolation ends A and B, set on the map
    method: str = "linear"  # interpolation path: linear or slerp
    steps: int = 12  # frames along the path
    alpha: int = 0  # the frame shown, 0 .. steps - 1
    selection: tuple[int, ...] | None = None  # test-image rows selected on ELBO vs MMD
    quiz: QuizState | None = None
    arrows: tuple[
        tuple[float, float, float, float, str], ...
    ] = ()  # latent arithmetic: x0, y0, x1, y1, label

    def __post_init__(self):
        if self.method not in METHODS:
            raise ViewError(
                f"an interpolation path is linear or slerp, not {str(self.method)[:20]!r}"
            )
        if not STEPS[0] <= self.steps <= STEPS[1]:
            raise ViewError(f"an interpolation has {STEPS[0]} to {STEPS[1]} frames")
        if not 0 <= self.alpha < self.steps:
            raise ViewError("α must name one of the path's frames")
        if self.quiz is not None and self.quiz.target >= _classes(self.dataset):
            raise ViewError("a quiz asks for one of the dataset's classes")

    def replace(self, **changes) -> View:
        return dataclasses.replace(self, **changes)

    # --- a room message: plain JSON ------------------------------------------------------

    def to_message(self) -> dict:
        """The view as plain JSON values (lists for tuples, None for absent parts)."""
        message = dataclasses.asdict(self)
        message["point"] = None if self.point is None else list(self.point)
        message["ends"] = None if self.ends is None else [list(end) for end in self.ends]
        message["selection"] = None if self.selection is None else list(self.selection)
        message["arrows"] = [list(arrow) for arrow in self.arrows]
        return message

    @classmethod
    def from_message(cls, message) -> View:
        """A View from what :meth:`to_message` wrote (or a browser forged); ViewError for
        anything unusable. Unknown keys are refused: nothing passes unread."""
        if not isinstance(message, dict):
            raise ViewError("a view is an object of named values")
        unknown = set(message) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ViewError(f"a view has no {sorted(unknown)[0][:20]!r}")
        read = {
            "page": lambda v: _text(v, "a page"),
            "dataset": lambda v: _text(v, "a dataset"),
            "model": lambda v: None if v is None else _text(v, "a model"),
            "point": lambda v: None if v is None else _point(v, "the pinned point"),
            "point_source": lambda v: _text(v, "a point's origin"),
            "ends": lambda v: None if v is None else _ends(v),
            "method": lambda v: _text(v, "a path"),
            "steps": lambda v: _integer(v, "frames"),
            "alpha": lambda v: _integer(v, "α"),
            "selection": lambda v: None if v is None else _rows(v),
            "quiz": lambda v: None if v is None else _quiz(v),
            "arrows": _arrows,
        }
        return cls(**{name: read[name](value) for name, value in message.items()})

    def to_json(self) -> str:
        return json.dumps(self.to_message(), separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> View:
        if not isinstance(text, str) or len(text) > MESSAGE_CHARS:
            raise ViewError("a view message is at most 160,000 characters of JSON")
        try:
            return cls.from_message(json.loads(text))
        except (ValueError, RecursionError) as error:
            raise ViewError(
                str(error) if isinstance(error, ViewError) else "a view message must be JSON"
            ) from None

    # --- a share link: the address bar's query -------------------------------------------

    def to_query(self) -> dict[str, str]:
        """The parts a link carries: model, point (all coordinates), ends, path and α."""
        query = {}
        if self.model:
            query["model"] = self.model
        if self.point is not None:
            query["z"] = format_point(self.point)
        if self.ends is not None:
            query["a"], query["b"] = (format_point(end) for end in self.ends)
        if self.method != "linear":
            query["path"] = self.method
        if self.ends is not None and (self.steps, self.alpha) != (12, 0):
            query["frames"], query["alpha"] = str(self.steps), str(self.alpha)
        return query

    @classmethod
    def from_query(cls, params, base: View | None = None) -> tuple[View, list[str]]:
        """``base`` with what a link's ``params`` say, and what was wrong with the rest (in
        words); nothing in a link can raise."""
        view, problems = base or cls(), []

        def take(name: str, read, what: str):
            nonlocal view
            text = params.get(name)
            if not text:
                return
            try:
                view = view.replace(**read(text))
            except (ViewError, ValueError):
                problems.append(what)

        take(
            "z",
            lambda t: {"point": parse_point(t), "point_source": "the shared link's point"},
            f"the link's point is not numbers between -{POINT_LIMIT:g} and {POINT_LIMIT:g}",
        )
        if params.get("a") or params.get("b"):
            take(
                "a",
                lambda _: {"ends": (parse_point(params.get("a")), parse_point(params.get("b")))},
                "the link's interpolation endpoints are not usable",
            )
        take("path", lambda t: {"method": t}, "the link's path is neither linear nor slerp")
        take(
            "frames",
            lambda t: {"steps": int(t), "alpha": min(view.alpha, int(t) - 1)},
            f"the link's frames are not {STEPS[0]} to {STEPS[1]}",
        )
        take("alpha", lambda t: {"alpha": int(t)}, "the link's α is not one of the path's frames")
        return view, problems


def format_point(point) -> str:
    return ",".join(f"{float(v):.5g}" for v in point)


def parse_point(text) -> Point:
    """'x,y[,…]' -> a point; ViewError unless 1 to MAX_DIM finite numbers within POINT_LIMIT."""
    parts = str(text or "").split(",")
    try:
        return _point([float(p) for p in parts], "a point")
    except ValueError as error:
        raise ViewError(str(error)) from None


# --- readers of a message's parts: each raises ViewError with what is wrong -----------------


def _text(value, what: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ViewError(f"{what} must be a short text")
    return value


def _integer(value, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ViewError(f"{what} must be a whole number")
    return value


def _number(value, what: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ViewError(f"{what} must be numbers")
    number = float(value)
    if not math.isfinite(number) or abs(number) > POINT_LIMIT:
        raise ViewError(f"{what} must be finite and within ±{POINT_LIMIT:g}")
    return number


def _point(value, what: str) -> Point:
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_DIM:
        raise ViewError(f"{what} must be 1 to {MAX_DIM} numbers")
    return tuple(_number(v, what) for v in value)


def _ends(value) -> tuple[Point, Point]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ViewError("an interpolation has two ends")
    a, b = _point(value[0], "point A"), _point(value[1], "point B")
    if len(a) != len(b):
        raise ViewError("the two ends must have as many coordinates")
    return a, b


def _rows(value) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or len(value) > MAX_ROWS:
        raise ViewError(f"a selection names at most {MAX_ROWS:,} images")
    if not all(isinstance(r, int) and not isinstance(r, bool) and 0 <= r < MAX_ROWS for r in value):
        raise ViewError("a selection names test images by their row numbers")
    return tuple(sorted(set(value)))


def _classes(dataset: str) -> int:
    """How many classes a view's dataset has (0 when unlabelled; a dataset unknown here is
    checked where it is opened)."""
    try:
        return get_dataset(dataset).classes
    except DatasetError:
        return MAX_CLASSES


def _quiz(value) -> QuizState:
    if not isinstance(value, dict) or set(value) - {"target", "revealed"}:
        raise ViewError("a quiz is a target class and whether it is revealed")
    target, revealed = value.get("target"), value.get("revealed", False)
    if (
        not isinstance(target, int)
        or isinstance(target, bool)
        or not 0 <= target < MAX_CLASSES
        or not isinstance(revealed, bool)
    ):
        raise ViewError("a quiz asks for one of the dataset's classes")
    return QuizState(target, revealed)


def _arrows(value) -> tuple[tuple[float, float, float, float, str], ...]:
    if not isinstance(value, (list, tuple)) or len(value) > MAX_ARROWS:
        raise ViewError(f"a view draws at most {MAX_ARROWS} arrows")
    arrows = []
    for arrow in value:
        if not isinstance(arrow, (list, tuple)) or len(arrow) != 5:
            raise ViewError("an arrow is x0, y0, x1, y1 and a label")
        arrows.append(
            (
                *(_number(v, "an arrow's ends") for v in arrow[:4]),
                _text(arrow[4], "an arrow's label"),
            )
        )
    return tuple(arrows)
