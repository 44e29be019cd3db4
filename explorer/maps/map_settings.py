"""What the Latent map's reader asks for: its display options, the class a conditional model
draws, and everything else a run of the page hands the map (:class:`MapRequest`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from explorer.core.catalog import ModelEntry
from explorer.core.view import QuizState
from explorer.maps.planes import Slice
from vae_core.data.catalog import get as get_dataset

FLAT_ONLY = (
    "Drawn on the first two dimensions' map: a plane through a wider space shows codes and "
    "their fading only."
)


@dataclass(frozen=True)
class MapSettings:
    """The map's display options."""

    show_mosaic: bool = True  # the decoded manifold under the codes
    grid_n: int = 20  # cells per side of that manifold (and of the shading)
    shade_empty: bool = False  # shade regions far from any training code
    prior_circles: bool = False  # the prior's 1σ and 2σ circles
    density: bool = False  # density contours of the codes
    n_points: int = 3_000  # test codes drawn
    n_ellipses: int = 0  # test images drawn with their posterior ellipses
    colour_by: str | None = None  # a factor of the dataset colouring the codes (None: class)

    @property
    def mosaic_n(self) -> int:
        return self.grid_n if self.show_mosaic else 0


@dataclass(frozen=True)
class MapRequest:
    """One run's map: the model and its options, the plane, the room's part, the tools on."""

    entry: ModelEntry
    names: tuple[str, ...]
    settings: MapSettings
    label: int | None = None  # the class a conditional model draws
    chosen: Slice | None = None  # the plane shown, for a model wider than two dimensions
    quiz: QuizState | None = None  # the room's quiz, if one runs
    following: bool = False  # this session follows a teacher: its canvas obeys the room
    answer_quiz: Callable[[tuple], str] | None = None  # sends a click as this student's answer
    room: dict | None = None  # the canvas's room channel
    draw: bool = False  # the drawing pad is open
    lens: dict | None = None  # the classifier lens

    @property
    def hidden(self) -> bool:
        """The quiz hides the classes: no colour, neighbour or name may give them away."""
        return self.quiz is not None and not self.quiz.revealed

    def figure_options(self, ellipses) -> dict:
        """The display options as ``map_figures.map_figure`` and ``points.map_view`` take them
        (a follower's canvas hides and shows the colours itself)."""
        s = self.settings
        return {
            "shade_n": s.grid_n if s.shade_empty else 0,
            "prior_circles": s.prior_circles,
            "density": s.density,
            "ellipses": tuple(ellipses),
            "uncoloured": self.hidden and not self.following,
            "colour_by": s.colour_by,
        }


def display_options(entry: ModelEntry) -> MapSettings:
    """The "Display options" expander; a plane through a wider space greys the flat-only ones."""
    wide = entry.latent_dim > 2
    with st.expander("Display options", expanded=False):
        c1, c2, c3 = st.columns(3)
        show_mosaic = c1.toggle("Decoded manifold underneath", value=True, key="map_show_mosaic")
        grid_n = c1.slider("Manifold grid size", 8, 30, 20, key="map_grid_n")
        flat = {"value": False, "disabled": wide, "help": FLAT_ONLY if wide else None}
        shade = c2.toggle("Shade regions far from any training code", key="map_shade", **flat)
        circles = c2.toggle("Prior 1σ / 2σ circles", key="map_circles", **flat)
        density = c2.toggle(
            "Density contours of the codes (aggregate posterior)", key="map_density", **flat
        )
        n_points = c3.slider("Test points shown", 500, 10_000, 3_000, step=500, key="map_points")
        n_ellipses = c1.slider(
            "Posterior σ-ellipses for test points",
            0,
            100,
            0,
            step=10,
            key="map_ellipses",
            disabled=wide or not entry.stochastic_encoder,
            help="Each test image's q(z|x) at 1σ (solid) and 2σ (dotted); needs a stochastic "
            "encoder.",
        )
        colour_by = _colour_picker(c3, entry)
    return MapSettings(
        show_mosaic, grid_n, shade, circles, density, n_points, n_ellipses, colour_by
    )


def _colour_picker(column, entry: ModelEntry) -> str | None:
    """For a dataset with known factors: colour the codes by their class or by a factor."""
    factors = [f.name for f in get_dataset(entry.dataset).factors if not f.categorical]
    if not factors:
        return None
    chosen = column.selectbox(
        "Colour the codes by",
        ["class", *factors],
        key="map_colour_by",
        help="A factor the images were made from, on a continuous scale (a cyclic one for "
        "angles and hues): where it changes smoothly across the map, the latent space holds it.",
    )
    return None if chosen == "class" else chosen


def class_picker(entry: ModelEntry, names, key: str = "map_class") -> int | None:
    """The class a conditional model draws (None for any other model)."""
    if not entry.conditional:
        return None
    return st.radio(
        "Class to generate (conditional VAE)",
        range(len(names)),
        format_func=lambda i: names[i],
        horizontal=True,
        key=key,
    )


def pick_test_image(
    column, entry: ModelEntry, names, key: str, default_class: int, default_position: int = 0
) -> int:
    """A test image chosen by class and position within it (widgets ``{key}_class`` and
    ``{key}_index`` in ``column``); its index in the test split."""
    from explorer.maps import points

    tag = key.rsplit("_", 1)[-1]
    members: list[int] = []
    if names:
        chosen = column.selectbox(
            f"{tag}: class",
            range(len(names)),
            index=min(default_class, len(names) - 1),
            format_func=lambda i: names[i],
            key=f"{key}_class",
        )
        members = points.class_members(entry.dataset, chosen)
    if not members:  # an unlabelled set, or a class with no test image: any test image
        members = list(range(points.test_count(entry.dataset)))
    last = len(members) - 1
    position = column.number_input(
        f"{tag}: which one (0–{last})",
        0,
        last,
        min(default_position, last),
        key=f"{key}_index",
    )
    return members[min(int(position), last)]
