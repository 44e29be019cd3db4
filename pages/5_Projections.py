"""Projections: t-SNE, UMAP and PCA views of wider latent spaces, or of raw pixels."""

from __future__ import annotations

import streamlit as st

from vae_core import app_support as app
from vae_core.projections import lookup, project, warm_up_umap
from vae_core.viz import projection_scatter, selected_indices, upscale

app.ensure_frame()
st.title("Projections")
state = st.session_state
dataset = state.get(app.STATE_DATASET, "mnist")
names = app.class_names(dataset)
st.caption(
    "A latent space wider than two dimensions cannot be drawn directly. t-SNE and UMAP place points so "
    "that neighbours stay neighbours; PCA keeps the two directions of largest spread. Trustworthiness "
    "(1 = perfect) says how faithfully each keeps neighbourhoods. Click a point to see its image."
)

wide = [e for e in app.entries_for(dataset) if e.latent_dim > 2]
sources = ["Raw pixels (784 dimensions)"] + [f"Latent codes: {e.title}" for e in wide]
current = app.current_entry()
default = next((i + 1 for i, e in enumerate(wide) if current is not None and e.name == current.name), 1 if wide else 0)
source = st.selectbox("What to project", sources, index=default, key="proj_source")
if not wide:
    st.caption(
        "No model with more than two latent dimensions for this dataset yet: train one (latent dimension > 2) on **Train live**."
    )

c1, c2, c3 = st.columns(3)
method = c1.radio(
    "Method",
    ["tsne", "umap", "pca"],
    horizontal=True,
    key="proj_method",
    format_func={"tsne": "t-SNE", "umap": "UMAP", "pca": "PCA"}.get,
)
n_points = c1.select_slider("Test images", [2000, 5000, 10000], value=5000, key="proj_points")
params = {}
if method == "tsne":
    params["perplexity"] = float(
        c2.slider(
            "Perplexity", 5, 100, 30, key="proj_perplexity", help="Roughly how many neighbours each point pays attention to."
        )
    )
elif method == "umap":
    params["n_neighbors"] = c2.slider(
        "n_neighbors", 5, 100, 15, key="proj_neighbors", help="Larger values favour global structure."
    )
    params["min_dist"] = c3.slider(
        "min_dist", 0.0, 0.99, 0.1, step=0.01, key="proj_min_dist", help="How tightly points may pack."
    )

test = app.get_dataset(dataset, "test")
labels = test.labels[:n_points].numpy()
if source == sources[0]:
    inputs = test.images[:n_points].reshape(n_points, -1).numpy()
else:
    entry = wide[sources.index(source) - 1]
    inputs = app.encoded(entry.name)["mu"][:n_points]

result = lookup(inputs, method, **params)
if result is None and method == "umap":
    warm_up_umap()  # compile in the background while the user reads the page
if result is None:
    expected = {
        "pca": "under a second",
        "tsne": "about 15 s for 10,000 points",
        "umap": "about 9 s, plus up to 30 s once per server",
    }
    if method == "pca" or st.button(f"Compute ({expected[method]})", type="primary", key="proj_compute"):
        bar = st.progress(0.0, text="starting…")
        try:
            result = project(inputs, method, progress=lambda fraction, message: bar.progress(fraction, text=message), **params)
        except ValueError as error:
            st.error(f"Cannot compute this projection: {error}")
            st.stop()
        bar.empty()
    else:
        st.info("Not computed yet for these settings. Results are cached on disk: each setting is computed once.")
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
        thumbnails=app.thumbnails(dataset, n_points) if n_points <= 5000 else None,
        selected_index=selected,
    )
    event = st.plotly_chart(figure, key="proj_chart", on_select="rerun", selection_mode="points")
    rows = selected_indices(event)
    if len(rows) and int(rows[0]) != state.get("proj_last_click"):
        state["proj_last_click"] = state["proj_selected"] = int(rows[0])
        st.rerun()
with right:
    index = state.get("proj_selected")
    if index is None or index >= n_points:
        st.info("Click a point to see its image.")
    else:
        st.image(upscale(test.images[index, 0].numpy(), 168), caption=f"test image #{index}: {names[labels[index]]}", width=168)
