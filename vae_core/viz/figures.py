"""Plotly figures other than the latent map: paired maps, replays, training curves,
projections, histograms and the model diagram. Pure functions of numpy arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

# plotly imports pandas lazily on first use; importing it here, once, keeps two server
# threads drawing their first figures from seeing it half-imported
import pandas  # noqa: F401
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from vae_core.analysis.geometry import Extent, square_extent
from vae_core.models.kinds import loss_terms
from vae_core.viz.latent_map import (
    MAP_HEIGHT,
    add_moves,
    add_points,
    base_map,
    class_colour,
    class_name,
    latent_map,
)

if TYPE_CHECKING:
    from vae_core.models.kinds import ModelKind


def class_key(figure: go.Figure, labels, class_names) -> go.Figure:
    """Legend entries naming each class's colour, for figures that colour points per point."""
    for label in np.unique(np.asarray(labels)):
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"size": 9, "color": class_colour(int(label))},
                name=class_name(class_names, label),
                legendgroup="classes",
                legendgrouptitle_text="class",
            )
        )
    return figure


def paired_map(
    codes_a,
    codes_b,
    labels,
    class_names,
    extent: Extent,
    name_a: str,
    name_b: str,
    height: int = 720,
) -> go.Figure:
    """Each image at its code under two models (circle and cross), joined by a line:
    codes_a, codes_b [N, 2] of the same N images, labels [N]. The legend (the two models,
    then the classes) runs down the right-hand side, so the map keeps the height."""
    codes_a, codes_b = np.asarray(codes_a, np.float32), np.asarray(codes_b, np.float32)
    xs = np.column_stack([codes_a[:, 0], codes_b[:, 0], np.full(len(codes_a), np.nan)]).ravel()
    ys = np.column_stack([codes_a[:, 1], codes_b[:, 1], np.full(len(codes_a), np.nan)]).ravel()
    figure = base_map(extent, height=height)
    legend = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}
    figure.update_layout(legend={"title": {"text": ""}, **legend}, margin={"t": 30, "r": 10})
    figure.add_trace(
        go.Scattergl(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "rgba(90, 90, 90, 0.35)", "width": 1},
            hoverinfo="skip",
            name="same image",
        )
    )
    colours = [class_colour(int(label)) for label in labels]
    for codes, symbol, name in ((codes_a, "circle", name_a), (codes_b, "x", name_b)):
        figure.add_trace(
            go.Scattergl(
                x=codes[:, 0],
                y=codes[:, 1],
                mode="markers",
                name=name,
                marker={"symbol": symbol, "size": 7, "color": colours, "line": {"width": 0}},
                customdata=[class_names[int(label)] for label in labels],
                hovertemplate=f"{name}<br>%{{customdata}}<extra></extra>",
            )
        )
    return class_key(figure, labels, class_names)


def replay_figure(
    codes: np.ndarray, labels: np.ndarray, class_names, height: int = 560
) -> go.Figure:
    """An animation of 2-D codes [epochs, N, 2] over training: a slider scrubs through the
    epochs and a play button runs them in the browser. Axes fit every epoch; a trace per
    class, so the legend names (and hides) classes."""
    codes = np.asarray(codes, np.float32)[..., :2]
    labels = np.asarray(labels)
    classes = np.unique(labels)

    def traces(epoch: int) -> list[go.Scattergl]:
        return [
            go.Scattergl(
                x=codes[epoch, labels == c, 0],
                y=codes[epoch, labels == c, 1],
                mode="markers",
                name=class_name(class_names, c),
                marker={"size": 5, "color": class_colour(int(c)), "opacity": 0.8},
                hovertemplate=f"{class_name(class_names, c)}<extra></extra>",
            )
            for c in classes
        ]

    figure = base_map(square_extent(codes), height=height)
    figure.add_traces(traces(len(codes) - 1))
    figure.frames = [go.Frame(data=traces(e), name=str(e + 1)) for e in range(len(codes))]
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"title": {"text": "class:"}},
        sliders=[_epoch_slider(len(codes))],
        updatemenus=[_play_buttons()],
    )
    return figure


def _epoch_slider(epochs: int) -> dict:
    """A slider with a step per epoch, each showing that epoch's frame at once."""
    instant = {
        "mode": "immediate",
        "frame": {"duration": 0, "redraw": True},
        "transition": {"duration": 0},
    }
    steps = [
        {"label": str(e + 1), "method": "animate", "args": [[str(e + 1)], instant]}
        for e in range(epochs)
    ]
    return {
        "active": epochs - 1,
        "steps": steps,
        "currentvalue": {"prefix": "after epoch "},
        "pad": {"t": 40},
    }


def _play_buttons() -> dict:
    """Play (every epoch, 350 ms each, from the first) and pause, above the map."""
    play = {
        "frame": {"duration": 350, "redraw": True},
        "fromcurrent": False,
        "transition": {"duration": 0},
    }
    return {
        "type": "buttons",
        "showactive": False,
        "x": 0.0,
        "y": 1.12,
        "xanchor": "left",
        "yanchor": "bottom",
        "direction": "left",
        "buttons": [
            {"label": "▶ play", "method": "animate", "args": [None, play]},
            {
                "label": "❚❚",
                "method": "animate",
                "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}],
            },
        ],
    }


def reported_terms(record: dict) -> list[str]:
    """The loss terms a record holds, in the kinds' order (vae_core.models.kinds.loss_terms)."""
    return [name for name in loss_terms() if name in record]


def loss_curves(history: list[dict], height: int = 320) -> go.Figure:
    """Per-epoch loss terms, train (solid) and test (dashed), one panel per term. Epochs are
    whole numbers on the axis; a single epoch shows its values as labelled points."""
    titles = loss_terms()
    terms = (history and reported_terms(history[0].get("train", {}))) or ["loss"]
    figure = make_subplots(rows=1, cols=len(terms), subplot_titles=[titles[t].title for t in terms])
    epochs = [record["epoch"] for record in history]
    single = len(epochs) == 1
    for col, term in enumerate(terms, 1):
        # A single epoch's labels sit beside its points, not above them, clear of the panel's title.
        for split, dash, colour, position in (
            ("train", "solid", "#4E79A7", "middle right"),
            ("test", "dash", "#E15759", "middle left"),
        ):
            values = [record.get(split, {}).get(term) for record in history]
            figure.add_trace(
                go.Scatter(
                    x=epochs,
                    y=values,
                    mode="markers+text" if single else "lines+markers",
                    line={"dash": dash, "color": colour},
                    marker={"size": 10 if single else 4, "color": colour},
                    text=[f"{split} {v:.4g}" for v in values if v is not None] if single else None,
                    textposition=position,
                    name=split,
                    legendgroup=split,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
        figure.update_xaxes(
            title_text="epoch",
            tickformat="d",
            dtick=max(1, len(epochs) // 8) if len(epochs) > 1 else 1,
            range=[0.4, 1.6] if single else None,
            row=1,
            col=col,
        )
        if single:  # room above and below the two points
            _pad_single_epoch(figure, history, term, col)
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.25},
    )
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
    extent = (
        float(low[0] - pad[0]),
        float(high[0] + pad[0]),
        float(low[1] - pad[1]),
        float(high[1] + pad[1]),
    )
    selected = (
        None if selected_index is None else tuple(float(v) for v in embedding[selected_index])
    )
    figure = latent_map(
        embedding,
        labels,
        class_names,
        extent,
        click_grid=0,
        selected=selected,
        thumbnails=thumbnails,
        height=height,
    )
    figure.update_xaxes(title="projection 1")
    figure.update_yaxes(title="projection 2")
    return figure


def family_terms(values, terms: dict[str, list], symbol: str, height: int = 320) -> go.Figure:
    """How loss terms change along a family: one panel per term (they differ in scale, e.g.
    a KL of 5 nats beside a reconstruction of 140), the weight on a log axis."""
    figure = make_subplots(
        rows=1, cols=len(terms), subplot_titles=list(terms), horizontal_spacing=0.12
    )
    for col, (title, ys) in enumerate(terms.items(), 1):
        figure.add_trace(
            go.Scatter(
                x=list(values),
                y=ys,
                mode="lines+markers",
                marker={"size": 8},
                line={"color": "#4E79A7"},
                name=title,
                showlegend=False,
                hovertemplate=f"{symbol} = %{{x:g}}<br>%{{y:.4g}}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        figure.update_xaxes(
            type="log",
            title_text=symbol,
            tickvals=list(values),
            ticktext=[f"{v:g}" for v in values],
            row=1,
            col=col,
        )
    figure.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="#FFFFFF"
    )
    figure.update_yaxes(gridcolor="#EEEEEE")
    return figure


def latent_histogram(
    codes: np.ndarray, labels: np.ndarray, class_names, bins: int = 40, height: int = 420
) -> go.Figure:
    """A one-dimensional latent space: how many codes [N] (or [N, 1]) fall at each z, stacked by
    class."""
    codes = np.asarray(codes, np.float32).reshape(len(codes), -1)[:, 0]
    labels = np.asarray(labels)
    low, high = (
        (float(v) for v in np.quantile(codes, [0.001, 0.999])) if len(codes) else (-1.0, 1.0)
    )
    size = (high - low) / bins or 1.0
    figure = go.Figure()
    for label in np.unique(labels):
        figure.add_trace(
            go.Histogram(
                x=codes[labels == label],
                name=class_name(class_names, label),
                marker_color=class_colour(int(label)),
                xbins={"start": low, "end": high, "size": size},
            )
        )
    figure.update_layout(
        barmode="stack",
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        plot_bgcolor="#FFFFFF",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "title": {"text": "class:"}},
    )
    figure.update_xaxes(title="z", gridcolor="#EEEEEE")
    figure.update_yaxes(title="test images", gridcolor="#EEEEEE")
    return figure


def vae_diagram(kind: ModelKind) -> go.Figure:
    """Block diagram of an encoder-decoder with the kind's code, sampling and objective
    (``kind.diagram``)."""
    diagram = kind.diagram
    boxes = [
        (0.02, "image x", "#EEEEEE"),
        (0.2, "encoder", "#C9DAF8"),
        (0.42, diagram.code, "#FFF2CC"),
        (0.62, diagram.sample, "#FCE5CD"),
        (0.8, "decoder", "#C9DAF8"),
    ]
    figure = go.Figure()
    shapes = [_diagram_box(x0, colour) for x0, _, colour in boxes]
    annotations = [_diagram_label(x0 + 0.075, text, 14) for x0, text, _ in boxes]
    annotations += [
        _diagram_arrow(x0 + 0.15, x1) for (x0, _, _), (x1, _, _) in zip(boxes, boxes[1:])
    ]
    annotations.append(_diagram_label(0.99, "x̂", 18))
    annotations.append(_diagram_label(0.5, diagram.loss, 13, y=0.25))
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


def _diagram_box(x0: float, colour: str) -> dict:
    return {
        "type": "rect",
        "x0": x0,
        "x1": x0 + 0.15,
        "y0": 0.55,
        "y1": 0.85,
        "fillcolor": colour,
        "line": {"color": "#555555"},
    }


def _diagram_label(x: float, text: str, size: int, y: float = 0.7) -> dict:
    return {"x": x, "y": y, "text": text, "showarrow": False, "font": {"size": size}}


def _diagram_arrow(start: float, end: float) -> dict:
    """An arrow from x = start to x = end along the diagram's middle line."""
    axes = {"xref": "x", "yref": "y", "axref": "x", "ayref": "y"}
    return {
        "x": end,
        "y": 0.7,
        "ax": start,
        "ay": 0.7,
        **axes,
        "showarrow": True,
        "arrowhead": 3,
        "text": "",
    }


def arithmetic_heatmap(success: np.ndarray, class_names, height: int = 460) -> go.Figure:
    """How often moving a class-``row`` code by (mean of ``column`` - mean of ``row``) decodes
    to the ``column`` class: a 10 x 10 grid of shares, the diagonal being plain reconstructions."""
    names = [class_name(class_names, i) for i in range(len(success))]
    text = [[f"{100 * v:.0f}" for v in row] for row in success]
    figure = go.Figure(
        go.Heatmap(
            z=success,
            x=names,
            y=names,
            zmin=0,
            zmax=1,
            colorscale="Viridis",
            text=text,
            texttemplate="%{text}",
            hovertemplate=(
                "a %{y} moved towards %{x}: judged %{x} in %{z:.0%} of cases<extra></extra>"
            ),
            colorbar={"title": "lands", "tickformat": ".0%"},
        )
    )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={
            "title": "aimed at (mean of this class − mean of the row's)",
            "side": "top",
            "type": "category",
        },
        yaxis={"title": "moved from", "autorange": "reversed", "type": "category"},
    )
    return figure


def step_map(
    before: np.ndarray,
    after: np.ndarray,
    labels: np.ndarray,
    class_names,
    extent: Extent,
    height: int = 480,
) -> go.Figure:
    """The watched codes after a training step [N, 2], each joined to where it was before it."""
    figure = base_map(extent, height=height)
    add_moves(figure, before, after)
    return add_points(figure, np.asarray(after)[:, :2], labels, class_names, point_size=4.0)


def batch_losses(history: list[dict[str, float]], last_step: int, height: int = 300) -> go.Figure:
    """Every batch's loss terms so far; the batches of the last step drawn over a shaded band."""
    figure = go.Figure()
    batches = np.arange(1, len(history) + 1)
    terms = loss_terms()
    for term in [t for t in reported_terms(history[0]) if not terms[t].derived] if history else []:
        figure.add_trace(
            go.Scatter(x=batches, y=[h[term] for h in history], mode="lines", name=term)
        )
    if history and last_step:
        figure.add_vrect(
            x0=len(history) - last_step + 0.5,
            x1=len(history) + 0.5,
            fillcolor="#FFD400",
            opacity=0.25,
            line_width=0,
            annotation_text="last step",
            annotation_position="top left",
        )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="batch",
        yaxis_title="nats per image",
        legend={"orientation": "h", "y": 1.12},
    )
    return figure


def _pad_single_epoch(figure: go.Figure, history: list[dict], term: str, col: int) -> None:
    """A panel's y range with room above and below one epoch's train and test values."""
    shown = [
        v
        for r in history
        for v in (r.get("train", {}).get(term), r.get("test", {}).get(term))
        if v is not None
    ]
    if shown:
        low, high = min(shown), max(shown)
        pad = max(high - low, 0.05 * abs(high), 1e-3)
        figure.update_yaxes(range=[low - pad, high + pad], row=1, col=col)


def _answer_traces(answers: np.ndarray, extent: Extent, bins: int) -> list:
    """Answers [N, 2] as a heat map over the extent (empty cells transparent) and as crosses."""
    x0, x1, y0, y1 = extent
    heat = go.Histogram2d(
        x=answers[:, 0],
        y=answers[:, 1],
        showscale=False,
        hoverinfo="skip",
        zmin=0,
        colorscale=[
            [0, "rgba(255,255,255,0)"],
            [1e-6, "#FFE08A"],
            [0.5, "#F28E2B"],
            [1, "#B10026"],
        ],
        xbins={"start": x0, "end": x1, "size": (x1 - x0) / bins},
        ybins={"start": y0, "end": y1, "size": (y1 - y0) / bins},
    )
    crosses = go.Scatter(
        x=answers[:, 0],
        y=answers[:, 1],
        mode="markers",
        name="answers",
        hoverinfo="skip",
        marker={"symbol": "x", "size": 7, "color": "#111111"},
    )
    return [heat, crosses]


def quiz_heatmap(
    answers: np.ndarray,
    extent: Extent,
    target_codes: np.ndarray | None = None,
    target_name: str = "",
    bins: int = 24,
    height: int = 480,
) -> go.Figure:
    """Where a room clicked [N, 2], as a heat map over the map's square; once revealed, the
    codes of the class they looked for [M, 2] on top."""
    figure = base_map(extent, height=height, show_legend=target_codes is not None)
    answers = np.asarray(answers, np.float32).reshape(-1, 2)
    if len(answers):
        figure.add_traces(_answer_traces(answers, extent, bins))
    if target_codes is not None:
        target_codes = np.asarray(target_codes, np.float32)
        figure.add_trace(
            go.Scattergl(
                x=target_codes[:, 0],
                y=target_codes[:, 1],
                mode="markers",
                name=f"where {target_name} lives",
                marker={"size": 4, "color": "#1F77B4", "opacity": 0.5},
                hoverinfo="skip",
            )
        )
    return figure
