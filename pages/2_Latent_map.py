"""Latent map: the test set in latent space; click anywhere to decode that point."""

from __future__ import annotations

import streamlit as st

from explorer import cache, frame, links, services, session
from vae_core.viz import clicked_point, replay_figure

frame.ensure_frame()
st.title("Latent map")
entry = frame.require_model(frame.current_entry(), min_dim=2)
names = cache.class_names(entry.dataset)
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
        "Images in hover labels", value=True, key="map_hover", help=f"Shown for up to {cache.HOVER_IMAGE_LIMIT:,} points."
    )
    density = c2.toggle("Density contours of the codes (aggregate posterior)", value=False, key="map_density")
    n_ellipses = c1.slider(
        "Posterior σ-ellipses for test points",
        0,
        100,
        0,
        step=10,
        key="map_ellipses",
        disabled=not entry.stochastic_encoder,
        help="Each test image's q(z|x) at 1σ (solid) and 2σ (dotted); needs a stochastic encoder.",
    )

label = None
if entry.conditional:
    label = st.radio(
        "Class to generate (conditional VAE)", range(10), format_func=lambda i: names[i], horizontal=True, key="map_class"
    )


def set_point(point, source: str | None) -> None:
    state[session.MAP_POINT], state[session.MAP_SOURCE] = point, source


if state.get(session.MAP_MODEL) != entry.name:  # a new model: forget the old point
    state[session.MAP_MODEL], state["map_last_click"] = entry.name, None
    set_point(None, None)

with st.expander("Your own image: upload a drawing or photo of a digit / garment", expanded=False):
    upload = st.file_uploader(
        "Image (PNG, JPEG, GIF, BMP or WebP, up to 5 MB)", type=["png", "jpg", "jpeg", "gif", "bmp", "webp"], key="map_upload"
    )
    state["map_ellipse"] = None
    if upload is not None:
        try:
            placed = services.place_upload(entry.name, upload.getvalue(), label)
        except services.UploadError as error:
            st.error(str(error))
        else:
            if state.get("map_upload_id") != upload.file_id:
                state["map_upload_id"] = upload.file_id
                set_point(list(placed.mean), "your image's posterior mean")
            state["map_ellipse"] = placed.ellipse
            u1, u2, u3 = st.columns(3)
            u1.image(placed.prepared, caption="prepared like the data (28x28)", width=112)
            u2.image(placed.reconstruction, caption="its reconstruction", width=112)
            if placed.ellipse is not None:
                mx, my, sx, sy = placed.ellipse
                u3.markdown(f"Posterior: mean ({mx:.2f}, {my:.2f}), σ ({sx:.2f}, {sy:.2f}) — drawn as red 1σ/2σ ellipses.")

buttons = st.columns([1, 1, 4])
if buttons[0].button("Random prior sample", icon=":material/casino:", key="map_random"):
    set_point(services.prior_point(), "a sample from the prior N(0, I)")
if buttons[1].button("Reset", key="map_reset"):
    set_point(None, None)

ellipses = services.test_ellipses(entry.name, n_ellipses) + ([state["map_ellipse"]] if state.get("map_ellipse") else [])


def show_decoded(point, figure) -> None:
    try:
        decoded = services.decode_point(entry.name, point, label)
    except ValueError as error:
        st.error(f"Cannot decode this point: {error}")
        return
    x, y = decoded.point
    st.image(decoded.image, caption="decoded image", width=280)
    origin = "clicked point" if state.get(session.MAP_SOURCE) == "click" else state.get(session.MAP_SOURCE)
    st.markdown(f"**z = ({x:.3f}, {y:.3f})** — {origin}")
    if decoded.held_at_zero:
        st.caption(f"The other {decoded.held_at_zero} latent coordinates are held at 0.")
    st.caption(f"Distance from the origin: {decoded.radius:.2f} prior standard deviations.")
    if decoded.every_class is not None:
        st.markdown("**The same z drawn as every class** (the code holds the style, the label the class)")
        st.image(decoded.every_class)
    d1, d2, d3 = st.columns(3)
    d1.download_button("Image", data=decoded.png, file_name=f"decoded_{x:.2f}_{y:.2f}.png", mime="image/png",
                       on_click="ignore", key="map_download_png", icon=":material/download:")  # fmt: skip
    d2.download_button("Map", data=lambda: figure.to_html(include_plotlyjs=True), file_name="latent_map.html",
                       mime="text/html", on_click="ignore", key="map_download_html", icon=":material/download:",
                       help="The interactive figure as a standalone web page (works offline).")  # fmt: skip
    links.share_control(d3, z=links.format_point(point))
    nearest = services.neighbours(entry.name, point)
    st.markdown("**Nearest real test images** (by latent distance)")
    st.image(nearest.mosaic)
    st.caption(" · ".join(nearest.captions))


@st.fragment
def map_and_decoder() -> None:
    left, right = st.columns([3, 2], gap="medium")
    with left:
        star = state[session.MAP_POINT] if state.get(session.MAP_SOURCE) not in (None, "click") else None
        figure = cache.map_figure(
            entry.name, n_points, grid_n, mosaic=show_mosaic, label=label, shade_empty=shade_empty,
            prior_circles=prior_circles, hover_images=hover_images, density=density, ellipses=tuple(ellipses),
            selected=None if star is None else tuple(star),
        )  # fmt: skip
        event = st.plotly_chart(figure, key="map_chart", on_select="rerun", selection_mode="points", config={"scrollZoom": True})
        click = clicked_point(event)
        if click is not None and click != state.get("map_last_click"):
            state["map_last_click"] = click
            set_point(list(click), "click")
    with right, st.container(key="map_decoded"):
        point = state.get(session.MAP_POINT)
        if point is None:
            st.query_params.pop("z", None)
            st.info("Click anywhere on the map to decode that point.")
        else:
            show_decoded(point, figure)


map_and_decoder()

replay = services.replay(entry.name)
if replay is not None:
    codes, labels = replay
    # A toggle rather than an expander: the animation (one frame per epoch) is built and sent
    # only when asked for, so it never slows the page's first view.
    if st.toggle(f"Replay: how this latent space organised itself over {len(codes)} epochs of training", key="map_replay_on"):
        st.plotly_chart(replay_figure(codes, labels, names), key="map_replay")
        st.caption(f"The codes of the first {len(labels):,} test images after every epoch; drag the slider or press play.")
