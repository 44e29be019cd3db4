"""The Projections page's parts: what to project (raw pixels or a wider model's codes), the
method and its options, computing with progress (or the disk cache), and the chart whose
clicked point shows its image and opens its code on the Latent map."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core import caches, sidebar
from explorer.maps import planes, points, projections
from vae_core.analysis.projections import Projection


@dataclass(frozen=True)
class ProjectionRequest:
    """What to project and how, as the page's widgets say."""

    dataset: str
    source: str | None  # a model's name (its codes), or None for the raw pixels
    method: str  # a registered projection method
    n_points: int
    params: dict  # the method's options by name


def pick(dataset: str) -> ProjectionRequest:
    """The source, the method, how many test images and the method's options."""
    wide = [e for e in caches.catalog().select(dataset) if e.latent_dim > 2]
    pixels = int(np.prod(caches.test_images(dataset).shape[1:]))
    sources = {None: f"Raw pixels ({pixels} dimensions)"}
    sources |= {e.name: f"Latent codes: {e.title}" for e in wide}
    current = sidebar.current_entry()
    if current is not None and current.name in sources:
        default = current.name
    else:
        default = wide[0].name if wide else None
    source = st.selectbox(
        "What to project",
        list(sources),
        index=list(sources).index(default),
        format_func=sources.get,
        key="proj_source",
    )
    if not wide:
        st.caption(
            "No model with more than two latent dimensions for this dataset yet: train one "
            "(latent dimension > 2) on **Train live**."
        )
    columns = st.columns(3)
    labels_of = projections.method_labels()
    method = columns[0].radio(
        "Method", list(labels_of), horizontal=True, key="proj_method", format_func=labels_of.get
    )
    n_points = columns[0].select_slider(
        "Test images", [2000, 5000, 10000], value=5000, key="proj_points"
    )
    params = projections.option_fields(method, columns)
    st.caption(projections.method_summary(method))
    return ProjectionRequest(dataset, source, method, n_points, params)


def projection(request: ProjectionRequest) -> tuple[Projection | None, np.ndarray]:
    """(the projection, the labels): from the disk cache, computed at once (a cheap method) or
    when asked; None with a sentence while it is not."""
    inputs, labels = projections.projection_inputs(
        request.dataset, request.source, request.n_points
    )
    method, params = request.method, request.params
    result = projections.cached(inputs, method, **params)
    if result is not None:
        return result, labels
    expected = projections.expected_time(method, request.n_points)
    if not projections.computes_at_once(method) and not st.button(
        f"Compute ({expected})", type="primary", key="proj_compute"
    ):
        st.info(
            "Not computed yet for these settings. Results are cached on disk: each setting is "
            "computed once."
        )
        return None, labels
    bar = st.progress(0.0, text="starting…")
    try:
        result = projections.compute(
            inputs, method, progress=lambda f, message: bar.progress(f, text=message), **params
        )
    except ValueError as error:
        st.error(f"Cannot compute this projection: {error}")
        return None, labels
    bar.empty()
    return result, labels


def figures(result: Projection) -> None:
    m1, m2, m3 = st.columns(3)
    m1.metric("Trustworthiness (5 neighbours)", f"{result.trustworthiness:.3f}")
    m2.metric("Compute time", f"{result.seconds:.1f} s")
    m3.metric("Source", "disk cache" if result.cached else "computed now")


def chart(request: ProjectionRequest, result: Projection, labels, names) -> None:
    """The projection; a click selects a test image, shown beside it."""
    from vae_core.viz import projection_scatter, selected_indices

    state, n_points = st.session_state, request.n_points
    left, right = st.columns([3, 1])
    with left:
        selected = state.get("proj_selected")
        if selected is not None and selected >= n_points:
            selected = None
        hover = n_points <= caches.HOVER_IMAGE_LIMIT
        thumbnails = caches.thumbnails(request.dataset, n_points) if hover else None
        figure = projection_scatter(
            result.embedding, labels, names, selected_index=selected, thumbnails=thumbnails
        )
        rows = selected_indices(
            st.plotly_chart(figure, key="proj_chart", on_select="rerun", selection_mode="points")
        )
        if len(rows) and int(rows[0]) != state.get("proj_last_click"):
            state["proj_last_click"] = state["proj_selected"] = int(rows[0])
            st.rerun()
    with right:
        _selected(request, labels, names)


def _selected(request: ProjectionRequest, labels, names) -> None:
    index = st.session_state.get("proj_selected")
    if index is None or index >= request.n_points:
        st.info("Click a point to see its image.")
        return
    st.image(
        points.test_image(request.dataset, index, 168),
        caption=f"test image #{index}: {names[labels[index]]}",
        width=168,
        output_format="PNG",
    )
    model = caches.catalog().find(request.source) if request.source else None
    if model is not None and st.button(
        "Open its code on the Latent map",
        key="proj_to_map",
        icon=":material/map:",
        help="The plane through this image's code and two class means; drag them.",
    ):
        sidebar.open_model(model)
        planes.anchor_at(model, points.test_codes(model.name, [index])[0])
        st.switch_page("pages/2_Latent_map.py")
