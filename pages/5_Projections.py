"""Projections: t-SNE, UMAP and PCA views of wider latent spaces, or of raw pixels."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.core import caches, sidebar
from explorer.maps import projection_view

shell.ensure_frame()
st.title("Projections")
dataset = sidebar.current_dataset()
st.caption(
    "A latent space wider than two dimensions cannot be drawn directly. t-SNE and UMAP place "
    "points so that neighbours stay neighbours; PCA keeps the two directions of largest spread. "
    "Trustworthiness (1 = perfect) says how faithfully each keeps neighbourhoods. Click a point to "
    "see its image."
)
request = projection_view.pick(dataset)
result, labels = projection_view.projection(request)
if result is None:
    st.stop()
projection_view.figures(result)
projection_view.chart(request, result, labels, caches.class_names(dataset))
