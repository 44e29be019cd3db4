"""The latent map as it worked before the canvas, kept as the baseline of app_latency.py:
a Plotly chart with hover drawings of 3,000 test images and an invisible 60 x 60 lattice of
markers, so that a click (on a marker) reruns the fragment, which decodes the point on the
server and shows it with its eight nearest test images.

    streamlit run benchmarks/rerun_baseline.py   (app_latency.py starts it itself)
"""

from __future__ import annotations

import streamlit as st

from explorer.core import caches
from explorer.maps import map_figures, points
from vae_core.data.images import text_thumbnail
from vae_core.experiments.pretrain import main_entry
from vae_core.models.kinds import VAE
from vae_core.viz import clicked_point, latent_map

NAME = main_entry("mnist", VAE).name
POINTS, GRID = 3000, 20


@st.cache_resource
def figure():
    codes = caches.encoded(NAME)
    extent = map_figures.map_extent(NAME)
    thumbnails = [text_thumbnail(image / 255.0) for image in caches.test_images("mnist")[:POINTS]]
    return latent_map(
        codes.mu[:POINTS],
        codes.labels[:POINTS],
        caches.class_names("mnist"),
        extent,
        mosaic=map_figures.grid_mosaic(NAME, extent, GRID),
        thumbnails=thumbnails,
    )


st.set_page_config(page_title="Latent map (rerun baseline)", layout="wide")
st.title("Latent map")


@st.fragment
def map_and_decoder() -> None:
    left, right = st.columns([3, 2])
    with left:
        event = st.plotly_chart(
            figure(), key="map_chart", on_select="rerun", selection_mode="points"
        )
        click = clicked_point(event)
        if click is not None and click != st.session_state.get("last_click"):
            st.session_state["last_click"] = st.session_state["point"] = list(click)
    with right, st.container(key="map_decoded"):
        point = st.session_state.get("point")
        if point is None:
            st.info("Click anywhere on the map to decode that point.")
            return
        decoded = points.decode_point(NAME, point, size=280)
        st.image(decoded.image, width=280)
        st.markdown(f"**z = ({decoded.point[0]:.3f}, {decoded.point[1]:.3f})** — clicked point")
        st.image(points.neighbours(NAME, point).mosaic)


map_and_decoder()
