"""Plotly figure builders: pure functions of numpy arrays, testable without Streamlit.

:mod:`vae_core.viz.latent_map` holds the latent map (a base figure plus layers) and the
readers of chart selections; :mod:`vae_core.viz.figures` every other figure.
"""

from vae_core.viz.figures import (
    arithmetic_heatmap,
    family_terms,
    latent_histogram,
    loss_curves,
    paired_map,
    projection_scatter,
    replay_figure,
    vae_diagram,
)
from vae_core.viz.latent_map import (
    CLASS_COLOURS,
    GRID_TRACE_NAME,
    MAP_HEIGHT,
    SELECTED_TRACE_NAME,
    add_click_lattice,
    add_density,
    add_ellipses,
    add_empty_cells,
    add_mosaic,
    add_path,
    add_points,
    add_prior_circles,
    add_selected,
    base_map,
    class_colour,
    clicked_point,
    latent_map,
    lattice_points,
    mosaic_source,
    selected_indices,
)

__all__ = [
    "CLASS_COLOURS",
    "GRID_TRACE_NAME",
    "MAP_HEIGHT",
    "SELECTED_TRACE_NAME",
    "add_click_lattice",
    "add_density",
    "add_ellipses",
    "add_empty_cells",
    "add_mosaic",
    "add_path",
    "add_points",
    "add_prior_circles",
    "add_selected",
    "arithmetic_heatmap",
    "base_map",
    "class_colour",
    "family_terms",
    "clicked_point",
    "lattice_points",
    "latent_histogram",
    "latent_map",
    "loss_curves",
    "mosaic_source",
    "paired_map",
    "projection_scatter",
    "replay_figure",
    "selected_indices",
    "vae_diagram",
]
