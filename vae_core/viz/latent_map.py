"""The latent map: a base figure over a rectangle of the plane, and layers drawn on it.

:func:`base_map` sets the axes (square, z₁ / z₂), the legend and the interaction modes;
each ``add_*`` layer draws one thing and returns the figure, so a caller composes what it
needs and each layer can be tested alone. :func:`latent_map` is the usual composition.
Trace order is part of the contract: the click lattice, when present, is trace 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.colors as plotly_colours
import plotly.graph_objects as go

from vae_core.analysis.geometry import Extent, grid_points, holding, square_extent
from vae_core.data.images import png_data_uri

CLASS_COLOURS = (
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#76B7B2",
    "#59A14F",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#7F7F7F",
)
GRID_TRACE_NAME = "click grid"
SELECTED_TRACE_NAME = "decoded point"
MAP_HEIGHT = 620
POINT_OPACITY = 0.85
MIN_MAP_SPAN = 4.4  # a map is never narrower than the prior's 2-sigma disc
FADE_FLOOR = 0.06  # the faintest a code far from a plane is drawn


def class_colour(label: int) -> str:
    return CLASS_COLOURS[int(label) % len(CLASS_COLOURS)]


def class_name(class_names, label: int) -> str:
    return str(class_names[int(label)]) if int(label) < len(class_names) else str(label)


def base_map(
    extent: Extent, *, title: str | None = None, height: int = MAP_HEIGHT, show_legend: bool = True
) -> go.Figure:
    """An empty map of ``extent`` with equal axis scales (circles stay round)."""
    x_min, x_max, y_min, y_max = extent
    figure = go.Figure()
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 100 if title else 40, "b": 10},
        title={"text": title, "x": 0.0, "xanchor": "left", "y": 0.985, "yanchor": "top"}
        if title
        else None,
        showlegend=show_legend,
        legend={
            "itemsizing": "constant",
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.01,
            "x": 0,
            # No title: beside a horizontal legend it is not counted when the entries wrap, and the
            # last classes of a long set of names ran off the map (the pages say "click a class
            # to hide it").
        },
        hovermode="closest",
        clickmode="event+select",
        dragmode="pan",
        plot_bgcolor="#FFFFFF",
        uirevision="latent-map",
    )
    axis = {"zeroline": True, "zerolinecolor": "#DDDDDD", "gridcolor": "#EEEEEE"}
    figure.update_xaxes(range=[x_min, x_max], title="z₁", constrain="domain", **axis)
    figure.update_yaxes(range=[y_min, y_max], title="z₂", scaleanchor="x", scaleratio=1, **axis)
    return figure


def _add_shapes(figure: go.Figure, shapes: list[dict]) -> go.Figure:
    if shapes:  # one layout update: adding hundreds of shapes one by one is slow
        figure.update_layout(shapes=list(figure.layout.shapes) + shapes)
    return figure


def lattice_points(extent: Extent, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """x and y of an n x n lattice covering ``extent`` (cell centres), flattened."""
    grid_x, grid_y = np.meshgrid(*grid_points(extent, n))
    return grid_x.ravel(), grid_y.ravel()


def add_click_lattice(figure: go.Figure, extent: Extent, n: int = 60) -> go.Figure:
    """An invisible n x n lattice of markers so that a click on empty space lands on a
    marker and reports a position (Streamlit's chart selection reports markers only)."""
    grid_x, grid_y = lattice_points(extent, n)
    figure.add_trace(
        go.Scattergl(
            x=grid_x,
            y=grid_y,
            mode="markers",
            name=GRID_TRACE_NAME,
            showlegend=False,
            marker={"size": max(4.0, 600.0 / n), "opacity": 0.0, "color": "#000000"},
            hovertemplate="z = (%{x:.2f}, %{y:.2f})<br>click to decode<extra></extra>",
            # The clicked lattice point becomes the visible marker of the decoded position.
            selected={"marker": {"opacity": 1.0, "size": 16, "color": "#FFD400"}},
            unselected={"marker": {"opacity": 0.0}},
        )
    )
    return figure


OVERLAY_LEGEND = "legend2"  # the key of what is drawn over the points, under the map
EMPTY_FILL = "rgba(150, 0, 0, 0.32)"


def add_key(
    figure: go.Figure, name: str, *, line: dict | None = None, marker: dict | None = None
) -> go.Figure:
    """A line in the overlay key under the map: a legend entry drawn like an overlay (a
    dotted circle, a red ellipse, shaded cells) that stands for shapes, which plotly.js
    lists in no legend of its own. Clicking it changes nothing."""
    figure.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines" if line else "markers",
            line=line,
            marker=marker,
            name=name,
            legend=OVERLAY_LEGEND,
            showlegend=True,
            hoverinfo="skip",
        )
    )
    figure.update_layout(
        {
            OVERLAY_LEGEND: {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "yref": "container",
                "y": 0,
                "yanchor": "bottom",
                "title": {"text": "on the map:"},
                "itemclick": False,
                "itemdoubleclick": False,
                "font": {"size": 12},
            }
        }
    )
    return figure


def add_density(figure: go.Figure, codes: np.ndarray) -> go.Figure:
    """Contour lines of the codes' density (the aggregate posterior), to set against the prior."""
    codes = np.asarray(codes, np.float32)
    if len(codes) > 10:
        figure.add_trace(
            go.Histogram2dContour(
                x=codes[:, 0],
                y=codes[:, 1],
                ncontours=8,
                contours={"coloring": "lines"},
                line={"width": 1.5},
                colorscale=[[0, "#444444"], [1, "#444444"]],
                showscale=False,
                hoverinfo="skip",
                name="density of the codes",
                histnorm="probability density",
            )
        )
        add_key(figure, "density of the codes (contours)", line={"color": "#444444", "width": 1.5})
    return figure


def add_points(
    figure: go.Figure,
    codes: np.ndarray,
    labels: np.ndarray,
    class_names,
    *,
    thumbnails: list[str] | None = None,
    highlight=None,
    point_size: float = 5.0,
    uncoloured: bool = False,
    opacity: np.ndarray | None = None,
    factor: FactorColours | None = None,
) -> go.Figure:
    """Codes [N, 2] as one trace per class (the legend hides a class), or coloured by a factor's
    value (``factor``); each point carries its row index as ``customdata``. ``thumbnails``:
    per-point hover text; ``highlight``: row indices to emphasise while the others fade (linked
    selections); ``uncoloured``: one grey trace that gives no class away (a quiz); ``opacity``
    [N]: each point's own (codes seen on a plane through a wider latent space fade with their
    distance from it)."""
    codes, labels = np.asarray(codes, np.float32), np.asarray(labels)
    if factor is not None and not uncoloured:
        return add_factor_points(figure, codes, factor, point_size=point_size, opacity=opacity)
    if uncoloured or not len(class_names):  # a quiz, or an unlabelled dataset
        labels, class_names = np.zeros(len(codes), np.int64), ("test images",)
    faded = None if highlight is None else _faded(len(codes), highlight)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        colour = "#7F7F7F" if uncoloured else class_colour(int(label))
        trace = _class_trace(codes, rows, class_name(class_names, label), colour, point_size)
        marker = trace["marker"]
        if opacity is not None:
            marker["opacity"] = np.round(np.asarray(opacity, np.float64)[rows], 3).tolist()
        if faded is None:  # a click selects one point; the others must not fade
            trace["unselected"] = {"marker": {"opacity": POINT_OPACITY}}
            trace["selected"] = {"marker": {"opacity": 1.0, "size": point_size * 2.5}}
        else:
            marker["opacity"] = np.where(faded[rows], 0.08, 0.95).tolist()
            marker["size"] = np.where(faded[rows], point_size * 0.7, point_size * 1.4).tolist()
        figure.add_trace(go.Scattergl(**trace, hovertemplate=_hover(trace, rows, thumbnails)))
    return figure


def _class_trace(codes, rows, name: str, colour: str, point_size: float) -> dict:
    """One class's codes as a trace's fields (its legend entry hides them)."""
    return {
        "x": codes[rows, 0],
        "y": codes[rows, 1],
        "mode": "markers",
        "name": name,
        "customdata": rows,
        "legendgroup": name,
        "marker": {
            "size": point_size,
            "color": colour,
            "opacity": POINT_OPACITY,
            "line": {"width": 0},
        },
    }


@dataclass(frozen=True)
class FactorColours:
    """Points coloured by a known factor of variation: its name, each point's value, the
    factor's range, and whether it wraps around (an angle, a hue)."""

    name: str
    values: np.ndarray  # [N]
    low: float
    high: float
    cyclic: bool = False
    unit: str = ""

    @property
    def colourscale(self) -> list:
        return plotly_colours.get_colorscale("Twilight" if self.cyclic else "Viridis")


def add_factor_points(
    figure: go.Figure,
    codes: np.ndarray,
    factor: FactorColours,
    *,
    point_size: float = 5.0,
    opacity: np.ndarray | None = None,
) -> go.Figure:
    """Codes [N, 2] in one trace, each point in the colour of its factor value on a continuous
    scale (a cyclic one for angles), with the scale as a colour bar beside the map."""
    values = np.asarray(factor.values, np.float64)
    span = factor.high - factor.low or 1.0
    where = np.clip((values - factor.low) / span, 0.0, 1.0)
    colours = plotly_colours.sample_colorscale(factor.colourscale, where.tolist())
    marker = {"size": point_size, "color": [_hex(c) for c in colours], "opacity": POINT_OPACITY}
    if opacity is not None:
        marker["opacity"] = np.round(np.asarray(opacity, np.float64), 3).tolist()
    unit = f" {factor.unit}" if factor.unit else ""
    figure.add_trace(
        go.Scattergl(
            x=codes[:, 0],
            y=codes[:, 1],
            mode="markers",
            name=factor.name,
            customdata=np.arange(len(codes)),
            marker=marker,
            hovertext=[f"{v:.3g}{unit}" for v in values],
            hovertemplate=f"<b>{factor.name} = %{{hovertext}}</b>  #%{{customdata}}<br>"
            "z = (%{x:.2f}, %{y:.2f})<extra></extra>",
            showlegend=False,
        )
    )
    figure.add_trace(  # the colour bar alone: no point of its own
        go.Scattergl(
            x=[None],
            y=[None],
            mode="markers",
            hoverinfo="skip",
            showlegend=False,
            marker={
                "color": [factor.low],
                "cmin": factor.low,
                "cmax": factor.high,
                "colorscale": factor.colourscale,
                "showscale": True,
                "colorbar": {"title": {"text": f"{factor.name}{unit}"}, "thickness": 12},
            },
        )
    )
    return figure


def _hex(colour: str) -> str:
    """'rgb(r, g, b)' (what plotly's scales give) -> '#rrggbb' (what every canvas reads)."""
    if colour.startswith("#"):
        return colour
    r, g, b = (round(float(v)) for v in colour[colour.index("(") + 1 : -1].split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def _hover(trace: dict, rows: np.ndarray, thumbnails: list[str] | None) -> str:
    """A point's hover: class, row and code, and its thumbnail's text drawing when given."""
    hover = "<b>%{fullData.name}</b>  #%{customdata}<br>z = (%{x:.2f}, %{y:.2f})"
    if thumbnails is not None:
        trace["hovertext"] = [thumbnails[i] for i in rows]
        hover += "<br><span style='font-family:monospace;line-height:0.9'>%{hovertext}</span>"
    return hover + "<extra></extra>"


def _faded(count: int, highlight) -> np.ndarray:
    """[count] True for every row not in ``highlight`` (rows out of range ignored)."""
    faded = np.ones(count, bool)
    rows = np.asarray(list(highlight), np.int64)
    faded[rows[(rows >= 0) & (rows < count)]] = False
    return faded


def _circle(cx: float, cy: float, rx: float, ry: float, line: dict, layer: str = "above") -> dict:
    return {
        "type": "circle",
        "xref": "x",
        "yref": "y",
        "x0": cx - rx,
        "x1": cx + rx,
        "y0": cy - ry,
        "y1": cy + ry,
        "line": line,
        "layer": layer,
    }


def add_prior_circles(figure: go.Figure) -> go.Figure:
    """The prior N(0, I)'s 1σ (dotted) and 2σ (dashed) circles."""
    shapes = [
        _circle(0.0, 0.0, r, r, {"color": "#222222", "width": 1.5, "dash": dash})
        for r, dash in ((1.0, "dot"), (2.0, "dash"))
    ]
    add_key(figure, "prior 1σ", line={"color": "#222222", "width": 1.5, "dash": "dot"})
    add_key(figure, "prior 2σ", line={"color": "#222222", "width": 1.5, "dash": "dash"})
    return _add_shapes(figure, shapes)


def add_ellipses(figure: go.Figure, ellipses) -> go.Figure:
    """Posteriors (mu_x, mu_y, sigma_x, sigma_y) drawn at 1σ (solid) and 2σ (dotted)."""
    shapes = [
        _circle(mx, my, k * sx, k * sy, {"color": "#D62728", "width": 2, "dash": dash})
        for mx, my, sx, sy in ellipses or []
        for k, dash in ((1.0, "solid"), (2.0, "dot"))
    ]
    if shapes:
        add_key(figure, "q(z|x) at 1σ", line={"color": "#D62728", "width": 2})
        add_key(figure, "q(z|x) at 2σ", line={"color": "#D62728", "width": 2, "dash": "dot"})
    return _add_shapes(figure, shapes)


def add_empty_cells(figure: go.Figure, empty_cells: np.ndarray, extent: Extent) -> go.Figure:
    """Shade the cells of an n x n grid over ``extent`` marked True in ``empty_cells``
    (rows top to bottom, as :func:`vae_core.analysis.metrics.coverage_map` returns them)."""
    x_min, x_max, y_min, y_max = extent
    n_rows, n_cols = empty_cells.shape
    width, height = (x_max - x_min) / n_cols, (y_max - y_min) / n_rows
    shapes = [
        {
            "type": "rect",
            "x0": x_min + c * width,
            "x1": x_min + (c + 1) * width,
            "y0": y_max - (r + 1) * height,
            "y1": y_max - r * height,
            "fillcolor": EMPTY_FILL,
            "line": {"width": 0},
            "layer": "below",
        }
        for r, c in zip(*np.nonzero(empty_cells))
    ]
    if shapes:
        add_key(
            figure,
            "far from every training code",
            marker={"symbol": "square", "size": 12, "color": EMPTY_FILL},
        )
    return _add_shapes(figure, shapes)


def add_moves(figure: go.Figure, before: np.ndarray, after: np.ndarray) -> go.Figure:
    """A thin grey segment from each code's old place [N, 2] to its new one [N, 2]: one trace."""
    before, after = np.asarray(before, np.float32)[:, :2], np.asarray(after, np.float32)[:, :2]
    gaps = np.full(len(before), np.nan, np.float32)
    x = np.stack([before[:, 0], after[:, 0], gaps], axis=1).ravel()
    y = np.stack([before[:, 1], after[:, 1], gaps], axis=1).ravel()
    figure.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line={"color": "rgba(60,60,60,0.35)", "width": 1},
            name="moved",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    return figure


def add_path(
    figure: go.Figure, path: np.ndarray, endpoints: tuple[str, str] = ("A", "B")
) -> go.Figure:
    """A latent path [T, 2] as a line, its ends marked with ``endpoints``."""
    path = np.asarray(path, np.float32)
    if not len(path):
        return figure
    figure.add_trace(
        go.Scatter(
            x=path[:, 0],
            y=path[:, 1],
            mode="lines+markers",
            line={"color": "#111111", "width": 2},
            marker={"size": 6, "color": "#111111"},
            name="path",
            hoverinfo="skip",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=path[[0, -1], 0],
            y=path[[0, -1], 1],
            mode="markers+text",
            text=list(endpoints),
            textposition="top center",
            textfont={"size": 16, "color": "#111111"},
            name="endpoints",
            hoverinfo="skip",
            marker={"size": 14, "color": "#FFFFFF", "line": {"width": 2.5, "color": "#111111"}},
        )
    )
    return figure


def add_selected(figure: go.Figure, point) -> go.Figure:
    """The decoded point, drawn as a star."""
    figure.add_trace(
        go.Scatter(
            x=[point[0]],
            y=[point[1]],
            mode="markers",
            name=SELECTED_TRACE_NAME,
            marker={
                "symbol": "star",
                "size": 22,
                "color": "#FFD400",
                "line": {"width": 2, "color": "#000000"},
            },
            hovertemplate="decoded z = (%{x:.2f}, %{y:.2f})<extra></extra>",
        )
    )
    return figure


def add_mosaic(
    figure: go.Figure, mosaic: np.ndarray | str, extent: Extent, opacity: float = 0.6
) -> go.Figure:
    """A decoded grid under the points: a uint8 mosaic (drawn as dark ink on white, so
    coloured points stay readable) or a ready data URI from :func:`mosaic_source`."""
    x_min, x_max, y_min, y_max = extent
    source = mosaic if isinstance(mosaic, str) else mosaic_source(mosaic)
    figure.add_layout_image(
        source=source,
        xref="x",
        yref="y",
        x=x_min,
        y=y_max,
        sizex=x_max - x_min,
        sizey=y_max - y_min,
        sizing="stretch",
        layer="below",
        opacity=opacity,
    )
    return figure


def mosaic_source(mosaic: np.ndarray) -> str:
    """A decoded mosaic as the data URI :func:`add_mosaic` draws (ink inverted). Callers may
    cache it: it is the slow part of a map."""
    return png_data_uri(255 - np.asarray(mosaic, np.uint8))


def latent_map(
    codes: np.ndarray,
    labels: np.ndarray,
    class_names,
    extent: Extent,
    *,
    mosaic: np.ndarray | str | None = None,
    click_grid: int = 60,
    selected: tuple[float, float] | None = None,
    path: np.ndarray | None = None,
    prior_circles: bool = False,
    empty_cells: np.ndarray | None = None,
    ellipses=None,
    density: bool = False,
    title: str | None = None,
    height: int = MAP_HEIGHT,
    show_legend: bool = True,
    **point_options,
) -> go.Figure:
    """The usual composition: lattice, density, points, circles and ellipses, shading,
    path, selected point and mosaic over a base map of ``extent``. ``point_options`` go to
    :func:`add_points` (thumbnails, highlight, point_size)."""
    figure = base_map(extent, title=title, height=height, show_legend=show_legend)
    if click_grid:
        add_click_lattice(figure, extent, click_grid)
    if density:
        add_density(figure, codes)
    add_points(figure, codes, labels, class_names, **point_options)
    if prior_circles:
        add_prior_circles(figure)
    add_ellipses(figure, ellipses)
    if empty_cells is not None:
        add_empty_cells(figure, empty_cells, extent)
    if path is not None:
        add_path(figure, path)
    if selected is not None:
        add_selected(figure, selected)
    if mosaic is not None:
        add_mosaic(figure, mosaic, extent)
    return figure


def clicked_point(selection) -> tuple[float, float] | None:
    """The (x, y) of the first clicked/selected point in a Streamlit chart selection,
    or None. Accepts the dict-like selection state ``st.plotly_chart`` returns."""
    if not selection:
        return None
    for point in (selection.get("selection") or {}).get("points") or []:
        x, y = point.get("x"), point.get("y")
        if (
            isinstance(x, (int, float))
            and isinstance(y, (int, float))
            and math.isfinite(x)
            and math.isfinite(y)
        ):
            return float(x), float(y)
    return None


def selected_indices(selection) -> np.ndarray:
    """Row indices (``customdata``) of the data points in a box/lasso selection."""
    if not selection:
        return np.zeros(0, np.int64)
    rows = []
    for point in (selection.get("selection") or {}).get("points") or []:
        data = point.get("customdata")
        if isinstance(data, list):
            data = data[0] if data else None
        if isinstance(data, (int, float)):
            rows.append(int(data))
    return np.asarray(sorted(set(rows)), np.int64)


def plane_map(plane, mu, labels, class_names, shown=()) -> tuple[go.Figure, Extent]:
    """The map of a plane through a wider latent space (a
    :class:`vae_core.analysis.planes.Plane`): codes ``mu`` [N, d] at their projections, faded by
    their distance from it, over a square that also holds the ``shown`` points (u, v);
    (figure, extent)."""
    uv, distance = plane.project(mu)
    typical = float(np.median(distance)) or 1.0
    opacity = np.clip(0.9 * np.exp(-((distance / typical) ** 2) / 2), FADE_FLOOR, 0.9)
    extent = holding(square_extent(uv, min_span=MIN_MAP_SPAN), shown)
    figure = latent_map(uv, labels, class_names, extent, click_grid=0, opacity=opacity)
    figure.update_layout(xaxis_title="u (along e₁)", yaxis_title="v (along e₂)")
    return figure, extent
