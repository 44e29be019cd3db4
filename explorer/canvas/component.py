"""The latent canvas: a custom Streamlit component that draws latent maps with plotly.js
and runs the models in the browser (hover to decode, click to pin, drag, draw, samples).

Three static folders are declared as components so that Streamlit serves their files:
the frontend (``explorer/frontend``), plotly.js from the ``plotly`` package, and a cache
folder of content-addressed files written here (exported models and map figures), which
the browser fetches once and keeps. ``explorer/frontend/README.md`` is the message
contract. Everything the browser sends back is checked by :func:`read_event` before use.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field

import streamlit as st

from explorer.canvas import latent_canvas_component
from vae_core.data.dataset import MAX_SIDE, MIN_SIDE

# |coordinate| accepted from the browser (the prior puts almost nothing beyond 5)
POINT_LIMIT = 50.0
MAX_ROWS = 10_000  # test images a selection may name
MAX_EVENT_CHARS = 80_000  # a larger message from the browser is refused unread (10,000 rows fit)
MAX_DRAWING_PIXELS = MAX_SIDE * MAX_SIDE  # a drawing is a square grey frame of the model's side


class CanvasInputError(ValueError):
    """Something the browser sent that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class MapView:
    """One map on the canvas and the model behind it."""

    figure_url: str  # a map figure written by publish_figure
    extent: tuple[float, float, float, float]
    model_url: str | None  # the exported decoder (None: decoded on the server)
    encoder_url: str | None  # the exported encoder, fetched when the drawing pad needs it
    model_label: str
    server_reason: str | None = None  # why the browser does not run this model
    mosaic: int = 0  # n for an n x n decoded grid under the points (0: none)
    # {origin: [d], basis: [[d], [d]]}: the map is this plane of a wider latent space
    plane: dict | None = None
    # [[u, v]] * 3: the codes a plane through three codes passes through (draggable)
    anchors: list | None = None
    image_shape: tuple[int, ...] | None = None  # (C, H, W) of the model's images

    @classmethod
    def of(cls, model, figure_url: str, extent, label: str, mosaic: int, **plane) -> MapView:
        """A map of ``model`` (a ``caches.BrowserModel``: decoded in the browser, or on the
        server with its reason, and then with no decoded grid)."""
        return cls(
            figure_url,
            extent,
            model.url,
            model.encoder_url,
            label,
            model.reason,
            mosaic if model.url else 0,
            image_shape=model.image_shape,
            **plane,
        )

    def args(self) -> dict:
        return {
            "figure": self.figure_url,
            "extent": list(self.extent),
            "model": self.model_url,
            "encoder": self.encoder_url,
            "label": self.model_label,
            "server_reason": self.server_reason,
            "mosaic": self.mosaic,
            "plane": self.plane,
            "anchors": self.anchors or [],
            "image_shape": None if self.image_shape is None else list(self.image_shape),
        }


@dataclass(frozen=True)
class CanvasEvent:
    """One thing the user did on the canvas, checked."""

    kind: str  # pin | ends | drawing | select | fallback | anchor
    id: str  # unique per event (a page load's session and a counter)
    point: tuple[float, float] | None = None  # pin
    ends: tuple[tuple[float, float], tuple[float, float]] | None = None  # ends: A and B
    pixels: bytes | None = None  # drawing: side x side uint8, row-major, ink white on black
    rows: tuple[int, ...] = ()  # select: test-image rows
    map_index: int = 0
    reason: str = ""  # fallback: why the browser could not run the model
    anchor: int = 0  # anchor: which of a plane's three anchors was dragged (point: where to)


def _point(value, what: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise CanvasInputError(f"{what} must be two numbers")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise CanvasInputError(f"{what} must be two numbers")
    x, y = (float(v) for v in value)
    if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > POINT_LIMIT:
        raise CanvasInputError(
            f"{what} must be finite and within ±{POINT_LIMIT:g}; got ({x:g}, {y:g})"
        )
    return x, y


def _pixels(value) -> bytes:
    if not isinstance(value, str) or len(value) > 4 * MAX_DRAWING_PIXELS:
        raise CanvasInputError("a drawing must be a square grey image")
    try:
        data = base64.b64decode(value, validate=True)
    except ValueError:
        raise CanvasInputError("a drawing must be a square grey image") from None
    side = math.isqrt(len(data))
    if side * side != len(data) or not MIN_SIDE <= side <= MAX_SIDE:
        raise CanvasInputError(
            f"a drawing must be a square grey image of {MIN_SIDE} to {MAX_SIDE} pixels a side; "
            f"got {len(data)} pixels"
        )
    return data


def _rows(value) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_ROWS:
        raise CanvasInputError(f"a selection names at most {MAX_ROWS:,} images")
    if not all(isinstance(r, int) and not isinstance(r, bool) and 0 <= r < MAX_ROWS for r in value):
        raise CanvasInputError("a selection must name test images by their row numbers")
    return tuple(sorted(set(value)))


def read_event(value) -> CanvasEvent | None:
    """Check what the browser sent. None for no event; CanvasInputError for anything unusable."""
    if value is None:
        return None
    if not isinstance(value, dict) or len(json.dumps(value, default=str)) > MAX_EVENT_CHARS:
        raise CanvasInputError("the canvas sent something this page cannot read")
    kind, event_id = value.get("kind"), value.get("id")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
        raise CanvasInputError("the canvas sent an event without an identity")
    map_index = value.get("map", 0)
    if not isinstance(map_index, int) or isinstance(map_index, bool) or not 0 <= map_index < 2:
        raise CanvasInputError("the canvas named a map that is not there")
    if kind == "pin":
        return CanvasEvent(
            kind, event_id, point=_point(value.get("z"), "a clicked point"), map_index=map_index
        )
    if kind == "ends":
        return CanvasEvent(
            kind,
            event_id,
            ends=(_point(value.get("a"), "point A"), _point(value.get("b"), "point B")),
        )
    if kind == "drawing":
        return CanvasEvent(kind, event_id, pixels=_pixels(value.get("pixels")))
    if kind == "select":
        return CanvasEvent(kind, event_id, rows=_rows(value.get("rows")), map_index=map_index)
    if kind == "anchor":
        anchor = value.get("index")
        if not isinstance(anchor, int) or isinstance(anchor, bool) or not 0 <= anchor < 3:
            raise CanvasInputError("the canvas named an anchor that is not there")
        return CanvasEvent(
            kind, event_id, point=_point(value.get("z"), "an anchor's place"), anchor=anchor
        )
    if kind == "fallback":
        return CanvasEvent(
            kind, event_id, reason=str(value.get("reason", ""))[:200], map_index=map_index
        )
    raise CanvasInputError(f"the canvas sent an event of an unknown kind ({str(kind)[:20]!r})")


@dataclass
class Overlay:
    """What the canvas draws over the maps, set by the server."""

    pinned: tuple[float, float] | None = None
    pinned_by: str = ""  # which server action set it: the canvas applies each once
    # per map, PNG data URIs, for models decoded on the server
    pinned_images: list[str] | None = None
    ellipses: list[tuple[float, float, float, float]] = field(default_factory=list)
    samples: list[tuple[float, float]] = field(default_factory=list)
    samples_title: str = ""
    ends: tuple[tuple[float, float], tuple[float, float]] | None = None
    method: str = "linear"
    steps: int = 12
    # (x0, y0, x1, y1, label)
    arrows: list[tuple[float, float, float, float, str]] = field(default_factory=list)
    # compare mode: the selected test-image rows (drawn by the server's figure)
    selection: tuple[int, ...] | None = None
    quiz: dict | None = None  # {target, revealed, name}: a room's quiz (quiz_overlay)
    lens: dict | None = (
        # {classifier: url, colours, names, n}: colour the decoded grid by a classifier's answers
        None
    )


def quiz_overlay(quiz, names) -> dict | None:
    """A room's quiz for the canvas: which class (by name too) and whether it is revealed."""
    return (
        None
        if quiz is None
        else {"target": quiz.target, "revealed": quiz.revealed, "name": str(names[quiz.target])}
    )


def take_event(key: str) -> CanvasEvent | None:
    """The canvas's newest event, once, checked: read at the start of a run (before the
    canvas is drawn) so that the run can answer it. CanvasInputError for unusable input."""
    value = st.session_state.get(key)
    seen_key = f"{key}_seen_event"
    event_id = value.get("id") if isinstance(value, dict) else None
    if value is None or (event_id is not None and event_id == st.session_state.get(seen_key)):
        return None
    st.session_state[seen_key] = event_id if isinstance(event_id, str) else repr(value)[:64]
    return read_event(value)


def latent_canvas(
    maps: list[MapView],
    *,
    key: str,
    mode: str = "explore",
    overlay: Overlay | None = None,
    label: int | None = None,
    draw: bool = False,
    height: int = 620,
    room: dict | None = None,
) -> None:
    """Show the canvas. ``mode``: explore (hover, pin, drag, draw, samples), interpolate
    (draggable ends A and B with the decoded path), compare (two maps hovered together).
    What the user does arrives through :func:`take_event` on the next run. ``room``
    (explorer.classroom.membership.canvas_room) joins a classroom's live channel: a teacher's canvas
    publishes its pins, drags and ends there, a follower's applies the teacher's."""
    overlay = overlay or Overlay()
    latent_canvas_component(
        mode=mode,
        maps=[m.args() for m in maps],
        label=label,
        draw=draw,
        height=height,
        room=room,
        overlay={
            "pinned": overlay.pinned,
            "pinned_by": overlay.pinned_by,
            "pinned_images": overlay.pinned_images,
            "ellipses": overlay.ellipses,
            "samples": overlay.samples,
            "samples_title": overlay.samples_title,
            "ends": overlay.ends,
            "method": overlay.method,
            "steps": overlay.steps,
            "arrows": [[float(v) for v in arrow[:4]] + [str(arrow[4])] for arrow in overlay.arrows],
            "selection": None if overlay.selection is None else list(overlay.selection),
            "quiz": overlay.quiz,
            "lens": overlay.lens,
        },
        key=key,
        default=None,
    )
