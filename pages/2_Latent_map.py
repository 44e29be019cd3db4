"""Latent map: the test set in latent space; click anywhere to decode that point."""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae_core import app_support as app
from vae_core.latent import decode, decode_all_classes, encode_images, nearest_codes, tile
from vae_core.uploads import UploadError, prepare_image
from vae_core.viz import clicked_point, png_bytes, replay_figure, upscale

app.ensure_frame()
st.title("Latent map")
entry = app.require_model(app.current_entry(), min_dim=2)
model = app.get_model(entry.name)
names = app.class_names(entry.dataset)
state = st.session_state

st.caption(
    "Each dot is a test image placed at its encoder mean, coloured by class (click a class in the "
    "legend to hide it). Click **anywhere** — on a dot or on empty space — to decode that point."
)

with st.expander("Display options", expanded=False):
    c1, c2, c3 = st.columns(3)
    show_mosaic = c1.toggle("Decoded manifold underneath", value=True, key="map_show_mosaic")
    grid_n = c1.slider("Manifold grid size", 8, 30, 20, key="map_grid_n")
    shade_empty = c2.toggle("Shade regions far from any training code", value=False, key="map_shade")
    prior_circles = c2.toggle("Prior 1σ / 2σ circles", value=False, key="map_circles")
    n_points = c3.slider("Test points shown", 500, 10_000, 3_000, step=500, key="map_points")
    hover_images = c3.toggle(
        "Images in hover labels", value=True, key="map_hover", help=f"Shown for up to {app.HOVER_IMAGE_LIMIT:,} points."
    )
    density = c2.toggle("Density contours of the codes (aggregate posterior)", value=False, key="map_density")
    n_ellipses = c1.slider(
        "Posterior σ-ellipses for test points",
        0,
        100,
        0,
        step=10,
        key="map_ellipses",
        disabled=not model.config.has_stochastic_encoder,
        help="Each test image's q(z|x) at 1σ (solid) and 2σ (dotted); needs a stochastic encoder.",
    )

label = None
if model.config.is_conditional:
    label = st.radio(
        "Class to generate (conditional VAE)", range(10), format_func=lambda i: names[i], horizontal=True, key="map_class"
    )

codes = app.encoded(entry.name)

if state.get("map_model") != entry.name:  # a new model: forget the old point
    state["map_model"], state["map_z"], state["map_source"], state["map_last_click"] = entry.name, None, None, None

with st.expander("Your own image: upload a drawing or photo of a digit / garment", expanded=False):
    upload = st.file_uploader(
        "Image (PNG, JPEG, GIF, BMP or WebP, up to 5 MB)", type=["png", "jpg", "jpeg", "gif", "bmp", "webp"], key="map_upload"
    )
    if upload is not None:
        try:
            prepared = prepare_image(upload.getvalue())
        except UploadError as error:
            st.error(str(error))
        else:
            upload_label = None if label is None else [label]
            mu, logvar = encode_images(model, prepared[None, None], upload_label)
            if state.get("map_upload_id") != upload.file_id:
                state["map_upload_id"] = upload.file_id
                state["map_z"], state["map_source"] = mu[0, :2].astype(float).tolist(), "your image's posterior mean"
            sigma = None if logvar is None else np.exp(0.5 * logvar[0, :2])
            state["map_ellipse"] = None if sigma is None else (float(mu[0, 0]), float(mu[0, 1]), float(sigma[0]), float(sigma[1]))
            u1, u2, u3 = st.columns(3)
            u1.image(upscale(prepared, 112), caption="prepared like the data (28x28)", width=112)
            u2.image(upscale(decode(model, mu[0], label), 112), caption="its reconstruction", width=112)
            if sigma is not None:
                u3.markdown(
                    f"Posterior: mean ({mu[0, 0]:.2f}, {mu[0, 1]:.2f}), σ ({sigma[0]:.2f}, {sigma[1]:.2f}) — drawn as red 1σ/2σ ellipses."
                )
    else:
        state["map_ellipse"] = None

buttons = st.columns([1, 1, 4])
if buttons[0].button("Random prior sample", icon=":material/casino:", key="map_random"):
    rng = np.random.default_rng()
    state["map_z"], state["map_source"] = rng.standard_normal(2).astype(float).tolist(), "a sample from the prior N(0, I)"
if buttons[1].button("Reset", key="map_reset"):
    state["map_z"], state["map_source"] = None, None


test_ellipses = []
if n_ellipses and codes["logvar"] is not None:
    sigma = np.exp(0.5 * codes["logvar"][:n_ellipses, :2])
    test_ellipses = [(float(m[0]), float(m[1]), float(s[0]), float(s[1])) for m, s in zip(codes["mu"][:n_ellipses], sigma)]


@st.fragment
def map_and_decoder() -> None:
    left, right = st.columns([3, 2], gap="medium")
    with left:
        star = state["map_z"] if state.get("map_source") not in (None, "click") else None
        figure = app.map_figure(
            entry.name,
            n_points,
            grid_n,
            mosaic=show_mosaic,
            label=label,
            shade_empty=shade_empty,
            prior_circles=prior_circles,
            hover_images=hover_images,
            density=density,
            ellipses=tuple(test_ellipses + ([state["map_ellipse"]] if state.get("map_ellipse") else [])),
            selected=None if star is None else tuple(star),
        )
        event = st.plotly_chart(figure, key="map_chart", on_select="rerun", selection_mode="points", config={"scrollZoom": True})
        click = clicked_point(event)
        if click is not None and click != state.get("map_last_click"):
            state["map_last_click"] = click
            state["map_z"], state["map_source"] = list(click), "click"
    with right, st.container(key="map_decoded"):
        z = state.get("map_z")
        if z is None:
            st.query_params.pop("z", None)
            st.info("Click anywhere on the map to decode that point.")
            return
        full_z = np.zeros(entry.latent_dim, np.float32)
        full_z[:2] = z
        try:
            image = decode(model, full_z, label)
        except ValueError as error:
            st.error(f"Cannot decode this point: {error}")
            return
        st.image(upscale(image, 280), caption="decoded image", width=280)
        origin = "clicked point" if state.get("map_source") == "click" else state.get("map_source")
        st.markdown(f"**z = ({z[0]:.3f}, {z[1]:.3f})** — {origin}")
        if entry.latent_dim > 2:
            st.caption(f"The other {entry.latent_dim - 2} latent coordinates are held at 0.")
        radius = float(np.hypot(*z))
        st.caption(f"Distance from the origin: {radius:.2f} prior standard deviations.")
        if model.config.is_conditional:
            st.markdown("**The same z drawn as every class** (the code holds the style, the label the class)")
            st.image(upscale(tile(decode_all_classes(model, full_z), 1, 10, pad=2), 3 * 298))
        d1, d2, d3 = st.columns(3)
        d1.download_button(
            "Image",
            data=png_bytes(upscale(image, 280)),
            file_name=f"decoded_{z[0]:.2f}_{z[1]:.2f}.png",
            mime="image/png",
            on_click="ignore",
            key="map_download_png",
            icon=":material/download:",
        )
        d2.download_button(
            "Map",
            data=lambda: figure.to_html(include_plotlyjs=True),
            file_name="latent_map.html",
            mime="text/html",
            on_click="ignore",
            key="map_download_html",
            icon=":material/download:",
            help="The interactive figure as a standalone web page (works offline).",
        )
        app.share_control(d3, z=app.format_point(z))
        index, distances = nearest_codes(codes["mu"][:, :2], z, k=8)
        test = app.get_dataset(entry.dataset, "test")
        st.markdown("**Nearest real test images** (by latent distance)")
        neighbours = tile(test.images[index, 0].numpy(), 2, 4, pad=2)
        st.image(upscale(neighbours, 3 * neighbours.shape[1]))
        st.caption(" · ".join(f"{names[codes['labels'][i]]} ({d:.2f})" for i, d in zip(index, distances)))


map_and_decoder()

replay = app.replay_codes(entry.name)
if replay is not None and len(replay) > 1 and replay.shape[2] >= 2:
    # A toggle rather than an expander: the animation (one frame per epoch) is built and sent
    # only when asked for, so it never slows the page's first view.
    if st.toggle(f"Replay: how this latent space organised itself over {len(replay)} epochs of training", key="map_replay_on"):
        labels = app.get_dataset(entry.dataset, "test").labels[: replay.shape[1]].numpy()
        st.plotly_chart(replay_figure(replay, labels, names), key="map_replay")
        st.caption(f"The codes of the first {replay.shape[1]:,} test images after every epoch; drag the slider or press play.")
