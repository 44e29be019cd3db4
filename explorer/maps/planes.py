"""Planes through a wider latent space, and traversals of its dimensions: the Latent map's
side of :mod:`vae_core.analysis.planes` for models with more than two latent dimensions.

The page picks a plane (:data:`SLICES`), this module names it (origin and basis) and builds
its map (the test codes at their projections, faded by their distance from the plane); the
canvas decodes any point (u, v) of it as ``origin + u·e₁ + v·e₂`` in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.canvas import traversal_component as _traversal
from explorer.canvas.component import MapView
from explorer.core import caches
from vae_core.analysis.planes import (
    Plane,
    anchors,
    axis_plane,
    kl_per_dimension,
    plane_through,
    principal_plane,
)
from vae_core.data.catalog import get as get_dataset
from vae_core.viz import plane_map

SLICES = {
    "principal": "The plane of the codes' two main directions",
    "three": "The plane through three class means (drag them)",
    "dims": "Two dimensions through the pinned point",
}
REACH = 3.0  # a traversal's reach, in prior standard deviations


@dataclass(frozen=True)
class Slice:
    """A plane chosen on the page, with its three anchors' codes (plane through three codes)."""

    plane: Plane
    anchor_codes: tuple[tuple[float, ...], ...] = ()  # [3][d]: the codes the plane passes through
    words: str = ""  # what the plane is, for the caption

    @property
    def anchor_points(self) -> list[list[float]]:
        """Where the anchors sit on the plane (u, v)."""
        if not self.anchor_codes:
            return []
        return anchors(self.plane, *self.anchor_codes).round(6).tolist()

    def key(self) -> tuple:
        return tuple(self.plane.origin.round(6)), tuple(map(tuple, self.plane.basis.round(6)))


@st.cache_data(max_entries=32, show_spinner=False)
def dimension_kl(name: str) -> np.ndarray | None:
    """Each dimension's mean KL to the prior over the test images [d] (None without
    log-variances)."""
    codes = caches.encoded(name)
    return None if codes.logvar is None else kl_per_dimension(codes.mu, codes.logvar)


def principal(name: str) -> Slice:
    return Slice(
        _principal(name),
        words="the plane of the test codes' two main directions, through their mean",
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _principal(name: str) -> Plane:
    return principal_plane(caches.encoded(name).mu)


def through(codes, names: list[str]) -> Slice:
    """The plane through three codes [3][d] (ValueError when they lie on one line)."""
    codes = tuple(tuple(float(v) for v in code) for code in codes)
    return Slice(plane_through(*codes), codes, "the plane through " + ", ".join(names))


def two_dimensions(code, first: int, second: int) -> Slice:
    return Slice(
        axis_plane(code, first, second),
        words=f"dimensions {first} and {second}, the others held at the point's values",
    )


@st.cache_resource(max_entries=64, show_spinner="Projecting the codes onto the plane…")
def plane_figure(name: str, n_points: int, key: tuple, shown: tuple = ()):
    """The test codes at their projections onto the plane ``key`` (origin, basis), faded by
    their distance from it, over a range that also holds the ``shown`` points (u, v): the
    plane's anchors; (figure URL, extent)."""
    from explorer.core.served import publish_figure

    plane = Plane(np.asarray(key[0]), np.asarray(key[1]))
    codes = caches.encoded(name)
    figure, extent = plane_map(
        plane,
        codes.mu[:n_points],
        codes.labels[:n_points],
        caches.class_names(codes.dataset),
        shown,
    )
    return publish_figure(figure), extent


def plane_view(
    name: str, label: str, chosen: Slice, n_points: int, mosaic_n: int, class_label: int | None
) -> MapView:
    """The canvas's map of a plane: decoded in the browser (a model too large for it is
    decoded on the server after each click, and shows no grid)."""
    model = caches.browser_model(name)
    anchors_uv = tuple(tuple(point) for point in chosen.anchor_points)
    url, extent = plane_figure(name, n_points, chosen.key(), anchors_uv)
    return MapView.of(
        model,
        url,
        extent,
        label,
        mosaic_n,
        plane=chosen.plane.to_dict(),
        anchors=chosen.anchor_points,
    )


def on_plane(chosen: Slice, point) -> tuple[float, float] | None:
    """Where a d-D point is drawn on the plane (its projection), or None for another space."""
    if point is None or len(point) != chosen.plane.latent_dim:
        return None
    return tuple(float(v) for v in chosen.plane.project(point)[0][0])


def picker(entry, names, point) -> Slice:
    """The page's choice of plane for a model wider than two dimensions, and what it shows."""
    d = entry.latent_dim
    choices = [k for k in SLICES if k != "three" or len(names) >= 3]
    kind = st.radio(
        f"Which plane of the {d}-D latent space",
        choices,
        format_func=SLICES.get,
        horizontal=True,
        key="map_slice",
        help="A map can show any plane through the latent space; the codes off it fade.",
    )
    if kind == "three":
        chosen = _three_means(entry, names)
    elif kind == "dims":
        chosen = _two_dimensions(entry, point)
    else:
        chosen = principal(entry.name)
    st.caption(
        f"A {d}-D latent space seen through {chosen.words}: each code is drawn where it projects "
        "onto the plane, fainter the farther it lies from it. Hovering decodes the plane's point "
        "origin + u·e₁ + v·e₂ in your browser; a pinned point keeps all its coordinates."
    )
    return chosen


def anchor_at(entry, code) -> None:
    """Make ``code`` [d] the first anchor of the Latent map's plane through three codes (the
    other two: the default classes' means) and the pinned point; the page then shows it."""
    from explorer.core import session

    state, means = st.session_state, caches.class_means(entry.name)
    classes = list(_defaults(entry))
    state["map_slice"] = "three"
    state[f"map_anchors_{entry.name}"] = [
        tuple(float(v) for v in code),
        *(tuple(means[c].tolist()) for c in classes[1:]),
    ]
    state[f"map_anchors_{entry.name}_classes"] = classes
    for i, c in enumerate(classes):
        state[f"map_anchor_class_{i}"] = c
    # the map's model: the point belongs to its space
    session.update(model=entry.name, dataset=entry.dataset)
    session.move_point(code, "the image clicked on Projections (anchor 1)")


def _defaults(entry) -> tuple[int, int, int]:
    return get_dataset(entry.dataset).example("plane", 3)


def _three_means(entry, names) -> Slice:
    state = st.session_state
    columns = st.columns(3)
    defaults = _defaults(entry)
    chosen = [
        column.selectbox(
            f"Anchor {i + 1}: mean of class",
            range(len(names)),
            index=defaults[i],
            format_func=lambda c: names[c],
            key=f"map_anchor_class_{i}",
        )
        for i, column in enumerate(columns)
    ]
    key, means = f"map_anchors_{entry.name}", caches.class_means(entry.name)
    if (
        state.get(f"{key}_classes") != chosen
    ):  # other classes: their means again (dragging moved them)
        state[key], state[f"{key}_classes"] = [tuple(means[c].tolist()) for c in chosen], chosen
    try:
        return through(state[key], [f"anchor {i + 1} ({names[c]})" for i, c in enumerate(chosen)])
    except ValueError as error:
        st.warning(
            f"These three codes span no plane ({error}); showing the codes' main directions "
            "instead."
        )
        return principal(entry.name)


def _two_dimensions(entry, point) -> Slice:
    d, kl = entry.latent_dim, dimension_kl(entry.name)
    order = list(range(d)) if kl is None else [int(i) for i in np.argsort(-kl, kind="stable")]
    words = (lambda i: f"{i}") if kl is None else (lambda i: f"{i} (KL {kl[i]:.2f})")
    c1, c2 = st.columns(2)
    first = c1.selectbox(
        "u: dimension", range(d), index=order[0], format_func=words, key="map_dim_u"
    )
    second = c2.selectbox(
        "v: dimension", range(d), index=order[1], format_func=words, key="map_dim_v"
    )
    through_code = (
        point
        if point is not None and len(point) == d
        else caches.class_means(entry.name).mean(axis=0)
    )
    try:
        return two_dimensions(through_code, first, second)
    except ValueError as error:
        st.warning(f"{error}; showing the codes' main directions instead.")
        return principal(entry.name)


def traversal(entry, code, steps: int, label: int | None = None) -> None:
    """Each dimension of ``code`` [d] varied over ±REACH prior σ in ``steps`` steps, one row per
    dimension sorted by its KL to the prior, decoded in the browser (with a slider each)."""
    model = caches.browser_model(entry.name)
    if model.url is None:
        st.info(
            f"Traversals are decoded in the browser, which does not run this model: {model.reason}."
        )
        return
    kl = dimension_kl(entry.name)
    _traversal(
        model=model.url,
        code=[float(v) for v in code],
        kl=None if kl is None else kl.round(4).tolist(),
        steps=int(steps),
        reach=REACH,
        label=label,
        key="map_traversal",
        default=None,
    )
