"""Projections: t-SNE, UMAP and PCA views of wider latent spaces, or of raw pixels."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.core import loaded, sidebar
from explorer.maps import planes, points, projections
from vae_core.viz import projection_scatter, selected_indices

shell.ensure_frame()
st.title("Projections")
state = st.session_state
dataset = sidebar.current_dataset()
names = loaded.class_names(dataset)
st.caption(
    "A latent space wider than two dimensions cannot be drawn directly. t-SNE and UMAP place "
    "points so that neighbours stay neighbours; PCA keeps the two directions of largest spread. "
    "Trustworthiness (1 = perfect) says how faithfully each keeps neighbourhoods. Click a point to "
    "see its image."
)

wide = [e for e in loaded.catalog().select(dataset) if e.latent_dim > 2]
sources = {None: "Raw pixels (784 dimensions)"} | {e.name: f"Latent codes: {e.title}" for e in wide}
current = sidebar.current_entry()
default = (
    current.name
    if current is not None and current.name in sources
    else (wide[0].name if wide else None)
)
source = st.selectbox(
    "What to project",
    list(sources),
    index=list(sources).index(default),
    format_func=sources.get,
    key="proj_source",
)
if not wide:
    st.caption(
        "No model with more than two latent dimensions for this dataset yet: train one (latent "
        "dimension > 2) on **Train live**."
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

inputs, labels = projections.projection_inputs(dataset, source, n_points)
result = projections.cached(inputs, method, **params)
if result is None:
    if projections.computes_at_once(method) or st.button(
        f"Compute ({projections.expected_time(method, n_points)})",
        type="primary",
        key="proj_compute",
    ):
        bar = st.progress(0.0, text="starting…")
        try:
            result = projections.compute(
                inputs,
                method,
                progress=lambda fraction, message: bar.progress(fraction, text=message),
                **params,
            )
        except ValueError as error:
            st.error(f"Cannot compute this projection: {error}")
            st.stop()
        bar.empty()
    else:
        st.info(
            "Not computed yet for these settings. Results are cached on disk: each setting is "
            "computed once."
        )
        st.stop()

m1, m2, m3 = st.columns(3)
m1.metric("Trustworthiness (5 neighbours)", f"{result.trustworthiness:.3f}")
m2.metric("Compute time", f"{result.seconds:.1f} s")
m3.metric("Source", "disk cache" if result.cached else "computed now")

left, right = st.columns([3, 1])
with left:
    selected = state.get("proj_selected")
    if selected is not None and selected >= n_points:
        selected = None
    figure = projection_scatter(
        result.embedding,
        labels,
        names,
        selected_index=selected,
        thumbnails=loaded.thumbnails(dataset, n_points)
        if n_points <= loaded.HOVER_IMAGE_LIMIT
        else None,
    )
    rows = selected_indices(
        st.plotly_chart(figure, key="proj_chart", on_select="rerun", selection_mode="points")
    )
    if len(rows) and int(rows[0]) != state.get("proj_last_click"):
        state["proj_last_click"] = state["proj_selected"] = int(rows[0])
        st.rerun()
with right:
    index = state.get("proj_selected")
    if index is None or index >= n_points:
        st.info("Click a point to see its image.")
    else:
        st.image(
            points.test_image(dataset, index, 168),
            caption=f"test image #{index}: {names[labels[index]]}",
            width=168,
            output_format="PNG",
        )
        model = loaded.catalog().find(source) if source else None
        if model is not None and st.button(
            "Open its code on the Latent map",
            key="proj_to_map",
            icon=":material/map:",
            help="The plane through this image's code and two class means; drag them.",
        ):
            sidebar.open_model(model)
            planes.anchor_at(model, points.test_codes(model.name, [index])[0])
            st.switch_page("pages/2_Latent_map.py")
