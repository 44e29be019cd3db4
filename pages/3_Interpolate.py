"""Interpolate: walk from one latent point to another and watch the decoded image morph."""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae_core import app_support as app
from vae_core.latent import decode_path, encode_images, interpolate
from vae_core.viz import clicked_point, gif_bytes, latent_map, png_bytes, upscale

app.ensure_frame()
st.title("Interpolate")
entry = app.require_model(app.current_entry(), min_dim=1)
model = app.get_model(entry.name)
names = app.class_names(entry.dataset)
test = app.get_dataset(entry.dataset, "test")
codes = app.encoded(entry.name)
state = st.session_state

st.caption(
    "Choose two endpoints, A and B. The path between their codes is decoded frame by frame: a smooth, "
    "plausible morph means the latent space is well organised along the way."
)

label = None
if model.config.is_conditional:
    label = st.radio(
        "Class to generate (conditional VAE)", range(10), format_func=lambda i: names[i], horizontal=True, key="interp_class"
    )

source = st.radio(
    "Endpoints",
    ["Two test images", "Two clicks on the latent map"],
    horizontal=True,
    key="interp_source",
    disabled=entry.latent_dim < 2,
    index=0,
)
labels = codes["labels"]


def pick_image(column, tag: str, default_class: int) -> int:
    with column:
        chosen_class = st.selectbox(
            f"{tag}: class", range(10), index=default_class, format_func=lambda i: names[i], key=f"interp_{tag}_class"
        )
        members = np.flatnonzero(labels == chosen_class)
        position = st.number_input(f"{tag}: which one (0–{len(members) - 1})", 0, len(members) - 1, 0, key=f"interp_{tag}_index")
        index = int(members[position])
        st.image(upscale(test.images[index, 0].numpy(), 84), caption=f"test image #{index}", width=84)
        return index


if source == "Two test images":
    col_a, col_b = st.columns(2)
    index_a = pick_image(col_a, "A", 0)
    index_b = pick_image(col_b, "B", 1 if entry.dataset == "mnist" else 7)
    pair = test.images[[index_a, index_b]]
    mu, _ = encode_images(model, pair.numpy(), labels[[index_a, index_b]])
    endpoints = (mu[0], mu[1])
else:
    if state.get("interp_model") != entry.name:
        state["interp_model"], state["interp_points"], state["interp_last_click"] = entry.name, [], None
    points = state["interp_points"]
    st.caption("Click the map to set A, then B; a third click starts again at A.")
    endpoints = None

c1, c2, c3 = st.columns(3)
method = c1.radio(
    "Path",
    ["linear", "slerp"],
    horizontal=True,
    key="interp_method",
    help="slerp turns along a circle around the origin, keeping the distance from the prior's centre changing smoothly.",
)
steps = c2.slider("Frames", 5, 30, 12, key="interp_steps")
animate = c3.toggle("Play as animation", value=False, key="interp_play")

extent = app.map_extent(entry.name) if entry.latent_dim >= 2 else None
map_slot = st.container()

if endpoints is None:
    with map_slot:
        path_preview = np.asarray(points, np.float32) if len(points) == 2 else None
        figure = latent_map(
            codes["mu"][:3000, :2],
            labels[:3000],
            names,
            extent,
            path=path_preview,
            height=480,
            selected=tuple(points[0]) if len(points) == 1 else None,
        )
        event = st.plotly_chart(figure, key="interp_map", on_select="rerun", selection_mode="points")
        click = clicked_point(event)
        if click is not None and click != state.get("interp_last_click"):
            state["interp_last_click"] = click
            state["interp_points"] = [list(click)] if len(points) != 1 else [points[0], list(click)]
            st.rerun()
    if len(points) < 2:
        st.info("Click two points on the map: A, then B.")
        st.stop()
    za, zb = np.zeros(entry.latent_dim, np.float32), np.zeros(entry.latent_dim, np.float32)
    za[:2], zb[:2] = points[0], points[1]
    endpoints = (za, zb)

result = decode_path(model, interpolate(endpoints[0], endpoints[1], steps, method), label)
alpha_index = st.slider("α (position along the path, A → B)", 0, steps - 1, 0, key="interp_alpha", format="%d")
alpha = alpha_index / (steps - 1)

left, right = st.columns([1, 2])
with left, st.container(key="interp_frame"):
    if animate:
        st.image(gif_bytes(result.frames, size=224), width=224)
        st.markdown("**A → B → A**, looping")
    else:
        st.image(upscale(result.frames[alpha_index], 224), width=224)
        z = result.path[alpha_index]
        coordinates = ", ".join(f"{v:.2f}" for v in z[:4]) + (", …" if len(z) > 4 else "")
        st.markdown(f"**α = {alpha:.2f}** · z = ({coordinates})")
with right:
    if extent is not None:
        figure = latent_map(
            codes["mu"][:3000, :2],
            labels[:3000],
            names,
            extent,
            path=result.path[:, :2],
            height=420,
            click_grid=0,
            selected=tuple(result.path[alpha_index, :2]),
        )
        st.plotly_chart(figure, key="interp_path_map")
    else:
        st.caption("A one-dimensional latent space: the path is a segment of the line.")

st.markdown("**The whole path**")
st.image(upscale(result.strip, 3 * result.strip.shape[1]), width="stretch")
d1, d2, d3 = st.columns([1, 1, 4])
d1.download_button(
    "Strip (PNG)",
    data=png_bytes(upscale(result.strip, 3 * result.strip.shape[1])),
    file_name="interpolation.png",
    mime="image/png",
    on_click="ignore",
    key="interp_download_png",
    icon=":material/download:",
)
d2.download_button(
    "Animation (GIF)",
    data=lambda: gif_bytes(result.frames, size=168),
    file_name="interpolation.gif",
    mime="image/gif",
    on_click="ignore",
    key="interp_download_gif",
    icon=":material/download:",
)
if source != "Two test images" and len(state.get("interp_points", [])) == 2:
    app.share_control(d3, a=app.format_point(state["interp_points"][0]), b=app.format_point(state["interp_points"][1]))
else:
    app.share_control(d3)
