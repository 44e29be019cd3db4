"""Plotly figure builders: pure functions of numpy arrays, testable without Streamlit.

The latent map uses ``Scattergl`` traces and an invisible dense grid of markers
so that a click anywhere in the plane lands on a marker and reports its
coordinates (Streamlit's chart selection only reports markers).
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas  # noqa: F401  plotly imports pandas lazily on first use; importing it here, once, keeps
import plotly.graph_objects as go  # two server threads drawing their first figures from seeing it half-imported
from PIL import Image
from plotly.subplots import make_subplots

CLASS_COLOURS = (
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
    "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#7F7F7F",
)  # fmt: skip
GRID_TRACE_NAME = "click grid"
SELECTED_TRACE_NAME = "decoded point"
_SHADES = np.array(list(" ░▒▓█"))
MAP_HEIGHT = 620


def class_colour(label: int) -> str:
    return CLASS_COLOURS[int(label) % len(CLASS_COLOURS)]


def text_thumbnail(image: np.ndarray) -> str:
    """A 28x28 image as 14 lines of 14 shade characters (for hover labels, which
    cannot show pictures): each character is the mean of a 2x2 block."""
    blocks = np.asarray(image, np.float32).reshape(14, 2, 14, 2).mean(axis=(1, 3))
    levels = np.clip((blocks * len(_SHADES)).astype(int), 0, len(_SHADES) - 1)
    return "<br>".join("".join(row) for row in _SHADES[levels])


def upscale(image: np.ndarray, size: int = 224) -> np.ndarray:
    """An image in [0, 1] ([H, W]) or uint8 as a uint8 array enlarged with nearest
    neighbours, so pixels stay crisp on a projector."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)
    height, width = array.shape[:2]
    scale = max(1, round(size / max(height, width)))
    return np.kron(array, np.ones((scale, scale), np.uint8)) if array.ndim == 2 else array


def png_bytes(image: np.ndarray) -> bytes:
    """PNG encoding of a greyscale image ([H, W] float in [0, 1] or uint8)."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def gif_bytes(frames: np.ndarray, size: int = 112, frame_ms: int = 120) -> bytes:
    """Animated GIF of frames [T, H, W] in [0, 1], played forwards then backwards."""
    images = [Image.fromarray(upscale(frame, size), mode="L") for frame in frames]
    sequence = images + images[-2:0:-1]
    buffer = io.BytesIO()
    sequence[0].save(buffer, format="GIF", save_all=True, append_images=sequence[1:], duration=frame_ms, loop=0)
    return buffer.getvalue()


def mosaic_source(mosaic: np.ndarray) -> str:
    """A decoded mosaic as a PNG data URI for a layout image, drawn as dark ink on white so
    coloured points stay readable on top. Callers may cache it: it is the slow part of a map."""
    import base64

    encoded = base64.b64encode(png_bytes(255 - np.asarray(mosaic, np.uint8))).decode("ascii")
    return f"data:image/png;base64,{encoded}"


def click_grid_points(extent: tuple[float, float, float, float], n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """x and y of an n x n lattice covering ``extent`` (cell centres), flattened."""
    x_min, x_max, y_min, y_max = extent
    xs = x_min + (np.arange(n) + 0.5) * (x_max - x_min) / n
    ys = y_min + (np.arange(n) + 0.5) * (y_max - y_min) / n
    grid_x, grid_y = np.meshgrid(xs, ys)
    return grid_x.ravel(), grid_y.ravel()


def latent_map(
    codes: np.ndarray,
    labels: np.ndarray,
    class_names,
    extent: tuple[float, float, float, float],
    *,
    mosaic: np.ndarray | str | None = None,
    mosaic_opacity: float = 0.6,
    click_grid: int = 60,
    selected: tuple[float, float] | None = None,
    path: np.ndarray | None = None,
    prior_circles: bool = False,
    empty_cells: np.ndarray | None = None,
    thumbnails: list[str] | None = None,
    highlight: np.ndarray | None = None,
    ellipses: list[tuple[float, float, float, float]] | None = None,
    density: bool = False,
    point_size: float = 5.0,
    title: str | None = None,
    height: int = MAP_HEIGHT,
    show_legend: bool = True,
) -> go.Figure:
    """The latent scatter of 2-D codes [N, 2] coloured by class.

    - ``mosaic``: a decoded grid (uint8 image, or its :func:`mosaic_source`) drawn under the
      points over ``extent``.
    - ``click_grid``: an invisible n x n marker lattice over ``extent`` so that a click
      on empty space still reports a position (0 turns it off).
    - ``selected``: the clicked/decoded point, drawn as a star.
    - ``path``: latent path [T, 2] drawn as a line with its endpoints.
    - ``prior_circles``: the prior's 1-sigma and 2-sigma circles.
    - ``empty_cells``: boolean [n, n] (rows top to bottom) shading cells far from data.
    - ``thumbnails``: per-point hover text (see :func:`text_thumbnail`).
    - ``highlight``: boolean [N]; unhighlighted points are faded (linked selections).
    - ``ellipses``: posteriors (mu_x, mu_y, sigma_x, sigma_y) drawn at 1 and 2 sigma.
    - ``density``: contour lines of the codes' density (the aggregate posterior), to set
      against the prior's circles.
    Point traces carry the point's row index as ``customdata``.
    """
    codes = np.asarray(codes, np.float32)
    labels = np.asarray(labels)
    x_min, x_max, y_min, y_max = extent
    figure = go.Figure()
    if click_grid:
        grid_x, grid_y = click_grid_points(extent, click_grid)
        figure.add_trace(
            go.Scattergl(
                x=grid_x,
                y=grid_y,
                mode="markers",
                marker={"size": max(4.0, 600.0 / click_grid), "opacity": 0.0, "color": "#000000"},
                name=GRID_TRACE_NAME,
                hovertemplate="z = (%{x:.2f}, %{y:.2f})<br>click to decode<extra></extra>",
                showlegend=False,
                # The clicked lattice point becomes the visible marker of the decoded position.
                selected={"marker": {"opacity": 1.0, "size": 16, "color": "#FFD400"}},
                unselected={"marker": {"opacity": 0.0}},
            )
        )
    if density and len(codes) > 10:
        figure.add_trace(
            go.Histogram2dContour(
                x=codes[:, 0], y=codes[:, 1], ncontours=8, contours={"coloring": "lines"},
                line={"width": 1.5}, colorscale=[[0, "#444444"], [1, "#444444"]], showscale=False,
                hoverinfo="skip", name="density of the codes", histnorm="probability density",
            )
        )  # fmt: skip
    faded = None if highlight is None else ~np.asarray(highlight, bool)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        name = str(class_names[int(label)]) if int(label) < len(class_names) else str(label)
        opacity = 0.85
        marker = {"size": point_size, "color": class_colour(int(label)), "opacity": opacity, "line": {"width": 0}}
        if faded is not None:
            marker["opacity"] = np.where(faded[rows], 0.08, 0.95).tolist()
            marker["size"] = np.where(faded[rows], point_size * 0.7, point_size * 1.4).tolist()
        hover = "<b>%{fullData.name}</b>  #%{customdata}<br>z = (%{x:.2f}, %{y:.2f})"
        trace = {
            "x": codes[rows, 0],
            "y": codes[rows, 1],
            "mode": "markers",
            "marker": marker,
            "name": name,
            "customdata": rows,
            "legendgroup": name,
        }
        if faded is None:  # a click selects one point; the others must not fade
            trace["unselected"] = {"marker": {"opacity": opacity}}
            trace["selected"] = {"marker": {"opacity": 1.0, "size": point_size * 2.5}}
        if thumbnails is not None:
            trace["hovertext"] = [thumbnails[i] for i in rows]
            hover += "<br><span style='font-family:monospace;line-height:0.9'>%{hovertext}</span>"
        figure.add_trace(go.Scattergl(**trace, hovertemplate=hover + "<extra></extra>"))
    shapes = []
    if prior_circles:
        for radius, dash in ((1.0, "dot"), (2.0, "dash")):
            shapes.append(
                {
                    "type": "circle",
                    "xref": "x",
                    "yref": "y",
                    "x0": -radius,
                    "x1": radius,
                    "y0": -radius,
                    "y1": radius,
                    "line": {"color": "#222222", "width": 1.5, "dash": dash},
                    "layer": "above",
                }
            )
    for mx, my, sx, sy in ellipses or []:
        for k, dash in ((1.0, "solid"), (2.0, "dot")):
            shapes.append(
                {
                    "type": "circle", "xref": "x", "yref": "y",
                    "x0": mx - k * sx, "x1": mx + k * sx, "y0": my - k * sy, "y1": my + k * sy,
                    "line": {"color": "#D62728", "width": 2, "dash": dash}, "layer": "above",
                }
            )  # fmt: skip
    if empty_cells is not None:
        n_rows, n_cols = empty_cells.shape
        width, height_cell = (x_max - x_min) / n_cols, (y_max - y_min) / n_rows
        for r, c in zip(*np.nonzero(empty_cells)):
            top = y_max - r * height_cell
            shapes.append(
                {
                    "type": "rect",
                    "x0": x_min + c * width,
                    "x1": x_min + (c + 1) * width,
                    "y0": top - height_cell,
                    "y1": top,
                    "fillcolor": "rgba(120, 0, 0, 0.18)",
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
    if path is not None and len(path):
        path = np.asarray(path, np.float32)
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
                text=["A", "B"],
                textposition="top center",
                textfont={"size": 16, "color": "#111111"},
                marker={"size": 14, "color": "#FFFFFF", "line": {"width": 2.5, "color": "#111111"}},
                name="endpoints",
                hoverinfo="skip",
            )
        )
    if selected is not None:
        figure.add_trace(
            go.Scatter(
                x=[selected[0]],
                y=[selected[1]],
                mode="markers",
                marker={"symbol": "star", "size": 22, "color": "#FFD400", "line": {"width": 2, "color": "#000000"}},
                name=SELECTED_TRACE_NAME,
                hovertemplate="decoded z = (%{x:.2f}, %{y:.2f})<extra></extra>",
            )
        )
    images = []
    if mosaic is not None:
        images.append(
            {
                "source": mosaic if isinstance(mosaic, str) else mosaic_source(mosaic),
                "xref": "x",
                "yref": "y",
                "x": x_min,
                "y": y_max,
                "sizex": x_max - x_min,
                "sizey": y_max - y_min,
                "sizing": "stretch",
                "layer": "below",
                "opacity": mosaic_opacity,
            }
        )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 70 if title else 40, "b": 10},
        title=title,
        shapes=shapes,
        images=images,
        showlegend=show_legend,
        legend={
            "itemsizing": "constant",
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.01,
            "x": 0,
            "title": {"text": "hide a class:"},
        },
        hovermode="closest",
        clickmode="event+select",
        dragmode="pan",
        plot_bgcolor="#FFFFFF",
        uirevision="latent-map",
    )
    figure.update_xaxes(
        range=[x_min, x_max], title="z₁", zeroline=True, zerolinecolor="#DDDDDD", gridcolor="#EEEEEE", constrain="domain"
    )
    figure.update_yaxes(
        range=[y_min, y_max],
        title="z₂",
        zeroline=True,
        zerolinecolor="#DDDDDD",
        gridcolor="#EEEEEE",
        scaleanchor="x",
        scaleratio=1,
    )
    return figure


def clicked_point(selection) -> tuple[float, float] | None:
    """The (x, y) of the first clicked/selected point in a Streamlit chart selection,
    or None. Accepts the dict-like selection state ``st.plotly_chart`` returns."""
    if not selection:
        return None
    points = (selection.get("selection") or {}).get("points") or []
    for point in points:
        x, y = point.get("x"), point.get("y")
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and math.isfinite(x) and math.isfinite(y):
            return float(x), float(y)
    return None


def selected_indices(selection, curve_names: dict[int, str] | None = None) -> np.ndarray:
    """Row indices (``customdata``) of the data points in a box/lasso selection."""
    if not selection:
        return np.zeros(0, np.int64)
    points = (selection.get("selection") or {}).get("points") or []
    rows = []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list):
            data = data[0] if data else None
        if isinstance(data, (int, float)):
            rows.append(int(data))
    return np.asarray(sorted(set(rows)), np.int64)


def paired_map(codes_a, codes_b, labels, class_names, extent, name_a: str, name_b: str, height: int = MAP_HEIGHT) -> go.Figure:
    """Each image at its code under two models (circle and cross), joined by a line:
    codes_a, codes_b [N, 2] of the same N images, labels [N]."""
    codes_a, codes_b = np.asarray(codes_a, np.float32), np.asarray(codes_b, np.float32)
    xs = np.column_stack([codes_a[:, 0], codes_b[:, 0], np.full(len(codes_a), np.nan)]).ravel()
    ys = np.column_stack([codes_a[:, 1], codes_b[:, 1], np.full(len(codes_a), np.nan)]).ravel()
    figure = go.Figure(
        go.Scattergl(
            x=xs, y=ys, mode="lines", line={"color": "rgba(90, 90, 90, 0.35)", "width": 1}, hoverinfo="skip", name="same image"
        )
    )
    colours = [class_colour(int(label)) for label in labels]
    for codes, symbol, name in ((codes_a, "circle", name_a), (codes_b, "x", name_b)):
        figure.add_trace(
            go.Scattergl(
                x=codes[:, 0], y=codes[:, 1], mode="markers", name=name,
                marker={"symbol": symbol, "size": 7, "color": colours, "line": {"width": 0}},
                customdata=[class_names[int(label)] for label in labels],
                hovertemplate=f"{name}<br>%{{customdata}}<extra></extra>",
            )
        )  # fmt: skip
    x_min, x_max, y_min, y_max = extent
    figure.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, plot_bgcolor="#FFFFFF", legend={"orientation": "h", "y": 1.05}
    )
    figure.update_xaxes(range=[x_min, x_max], title="z₁", gridcolor="#EEEEEE")
    figure.update_yaxes(range=[y_min, y_max], title="z₂", gridcolor="#EEEEEE", scaleanchor="x", scaleratio=1)
    return figure


def replay_figure(codes: np.ndarray, labels: np.ndarray, class_names, height: int = 560) -> go.Figure:
    """An animation of 2-D codes [epochs, N, 2] over training: a slider scrubs through the
    epochs and a play button runs them in the browser. Axes fit every epoch."""
    codes = np.asarray(codes, np.float32)[..., :2]
    labels = np.asarray(labels)
    low = np.nanquantile(codes.reshape(-1, 2), 0.005, axis=0)
    high = np.nanquantile(codes.reshape(-1, 2), 0.995, axis=0)
    half = float(max(high - low) / 2 * 1.1) or 1.0
    centre = (low + high) / 2
    colours = [class_colour(int(label)) for label in labels]
    hover = [str(class_names[int(label)]) for label in labels]

    def trace(epoch: int) -> go.Scattergl:
        return go.Scattergl(
            x=codes[epoch, :, 0],
            y=codes[epoch, :, 1],
            mode="markers",
            customdata=hover,
            marker={"size": 5, "color": colours, "opacity": 0.8},
            hovertemplate="%{customdata}<extra></extra>",
        )

    frames = [go.Frame(data=[trace(e)], name=str(e + 1)) for e in range(len(codes))]
    figure = go.Figure(data=[trace(len(codes) - 1)], frames=frames)
    steps = [{"label": str(e + 1), "method": "animate",
              "args": [[str(e + 1)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}]}
             for e in range(len(codes))]  # fmt: skip
    figure.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10}, plot_bgcolor="#FFFFFF", showlegend=False,
        sliders=[{"active": len(codes) - 1, "steps": steps, "currentvalue": {"prefix": "after epoch "}, "pad": {"t": 40}}],
        updatemenus=[{"type": "buttons", "showactive": False, "x": 0.0, "y": 1.0, "xanchor": "left", "yanchor": "bottom", "direction": "left",
                      "buttons": [{"label": "▶ play", "method": "animate",
                                   "args": [None, {"frame": {"duration": 350, "redraw": True}, "fromcurrent": False, "transition": {"duration": 0}}]},
                                  {"label": "❚❚", "method": "animate", "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}]}]}],
    )  # fmt: skip
    figure.update_xaxes(range=[centre[0] - half, centre[0] + half], title="z₁", gridcolor="#EEEEEE")
    figure.update_yaxes(
        range=[centre[1] - half, centre[1] + half], title="z₂", gridcolor="#EEEEEE", scaleanchor="x", scaleratio=1
    )
    return figure


TERM_TITLES = {
    "loss": "objective",
    "neg_elbo": "-ELBO (nats)",
    "recon": "reconstruction (nats)",
    "kl": "KL(q(z|x) || p(z))",
    "mmd": "MMD(q(z), p(z))",
}


def loss_curves(history: list[dict], height: int = 320) -> go.Figure:
    """Per-epoch loss terms, train (solid) and test (dashed), one panel per term."""
    terms = [t for t in TERM_TITLES if history and t in history[0].get("train", {})]
    if not terms:
        terms = ["loss"]
    figure = make_subplots(rows=1, cols=len(terms), subplot_titles=[TERM_TITLES[t] for t in terms])
    epochs = [record["epoch"] for record in history]
    for col, term in enumerate(terms, 1):
        for split, dash, colour in (("train", "solid", "#4E79A7"), ("test", "dash", "#E15759")):
            values = [record.get(split, {}).get(term) for record in history]
            figure.add_trace(
                go.Scatter(
                    x=epochs,
                    y=values,
                    mode="lines+markers",
                    line={"dash": dash, "color": colour},
                    marker={"size": 4},
                    name=split,
                    legendgroup=split,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
        figure.update_xaxes(title_text="epoch", row=1, col=col)
    figure.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25})
    return figure


def projection_scatter(
    embedding: np.ndarray,
    labels: np.ndarray,
    class_names,
    thumbnails=None,
    selected_index: int | None = None,
    height: int = MAP_HEIGHT,
) -> go.Figure:
    """A 2-D projection coloured by class; points carry their row index as customdata."""
    embedding = np.asarray(embedding, np.float32)
    low, high = embedding.min(axis=0), embedding.max(axis=0)
    pad = 0.04 * (high - low + 1e-6)
    extent = (float(low[0] - pad[0]), float(high[0] + pad[0]), float(low[1] - pad[1]), float(high[1] + pad[1]))
    selected = None if selected_index is None else tuple(float(v) for v in embedding[selected_index])
    figure = latent_map(
        embedding, labels, class_names, extent, click_grid=0, selected=selected, thumbnails=thumbnails, height=height
    )
    figure.update_xaxes(title="projection 1")
    figure.update_yaxes(title="projection 2")
    return figure


def vae_diagram(model: str = "vae") -> go.Figure:
    """Block diagram of an encoder-decoder with the regulariser of ``model`` (vae | mmd_vae)."""
    boxes = [
        (0.02, "image x", "#EEEEEE"),
        (0.2, "encoder", "#C9DAF8"),
        (0.42, "μ(x), σ(x)" if model == "vae" else "code z(x)", "#FFF2CC"),
        (0.62, "z = μ + σ·ε" if model == "vae" else "z", "#FCE5CD"),
        (0.8, "decoder", "#C9DAF8"),
    ]
    figure = go.Figure()
    shapes, annotations = [], []
    for x0, text, colour in boxes:
        shapes.append(
            {"type": "rect", "x0": x0, "x1": x0 + 0.15, "y0": 0.55, "y1": 0.85, "fillcolor": colour, "line": {"color": "#555555"}}
        )
        annotations.append({"x": x0 + 0.075, "y": 0.7, "text": text, "showarrow": False, "font": {"size": 14}})
    for (x0, _, _), (x1, _, _) in zip(boxes, boxes[1:]):
        annotations.append(
            {
                "x": x1,
                "y": 0.7,
                "ax": x0 + 0.15,
                "ay": 0.7,
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "showarrow": True,
                "arrowhead": 3,
                "text": "",
            }
        )
    annotations.append({"x": 0.99, "y": 0.7, "text": "x̂", "showarrow": False, "font": {"size": 18}})
    if model == "vae":
        note = "loss = reconstruction + β · KL( q(z|x) ‖ N(0, I) )  — every code is pulled towards the prior"
    else:
        note = "loss = reconstruction + λ · MMD( q(z), N(0, I) )  — only the cloud of all codes must match the prior"
    annotations.append({"x": 0.5, "y": 0.25, "text": note, "showarrow": False, "font": {"size": 13}})
    figure.update_layout(
        shapes=shapes,
        annotations=annotations,
        height=190,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        xaxis={"visible": False, "range": [0, 1.02]},
        yaxis={"visible": False, "range": [0, 1]},
        plot_bgcolor="#FFFFFF",
    )
    return figure
