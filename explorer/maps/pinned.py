"""Below the Latent map: the pinned point decoded, its nearest test images, the same code as
every class, its files and share link, traversals of a wider space around it, and the replay
of its training."""

from __future__ import annotations

import streamlit as st

from explorer.core import caches, links, session
from explorer.maps import map_figures, planes, points
from explorer.maps.map_settings import MapRequest


def show_pinned(request: MapRequest, point) -> None:
    """The decoded image and what it says; the neighbours unless a quiz hides the classes."""
    try:
        decoded = points.decode_point(request.entry.name, point, request.label, size=168)
    except ValueError as error:
        st.error(f"Cannot decode this point: {error}")
        return
    left, right = st.columns([1, 2])
    with left:
        st.image(decoded.png, caption="decoded image", width=168, output_format="PNG")
        source = session.view().point_source
        origin = "clicked point" if source == "click" else source
        st.markdown(f"**{decoded.words()}** — {origin}")
        if decoded.held_at_zero:
            st.caption(f"The other {decoded.held_at_zero} latent coordinates are held at 0.")
        st.caption(f"Distance from the origin: {decoded.radius:.2f} prior standard deviations.")
    if request.hidden:  # the neighbours' class names would give the quiz away
        return
    with right:
        _neighbours(request, point, decoded)
    if decoded.every_class is not None:
        st.markdown(
            "**The same z drawn as every class** (the code holds the style, the label the class)"
        )
        st.image(decoded.every_class, caption=list(request.names), width=84, output_format="PNG")
    downloads(request, decoded, point)


def _neighbours(request: MapRequest, point, decoded: points.DecodedPoint) -> None:
    if decoded.far_from_data:
        st.warning(
            "This point lies far outside the codes: the nearest test image is "
            f"{decoded.nearest:.1f} away. The decoder was never trained near here, so this image "
            "says little about the model."
        )
    nearest = points.neighbours(request.entry.name, point)
    st.markdown("**Nearest real test images** (by latent distance)")
    st.image(nearest.png, output_format="PNG")
    st.caption(" · ".join(nearest.captions))


def map_html(request: MapRequest) -> str:
    """The map as a standalone web page (plotly.js inside: it works offline)."""
    name, s = request.entry.name, request.settings
    figure = map_figures.map_figure(
        name,
        s.n_points,
        mosaic_n=s.mosaic_n,
        label=request.label,
        **request.figure_options(points.test_ellipses(name, s.n_ellipses)),
    )
    return figure.to_html(include_plotlyjs=True)


def downloads(request: MapRequest, decoded: points.DecodedPoint, point) -> None:
    """The pinned image and the map as files, and the link that reopens this view."""
    x, y = decoded.point
    d1, d2, d3 = st.columns([1, 1, 2])
    png_name = f"decoded_{x:.2f}_{y:.2f}.png"
    links.download(
        d1, "Decoded image (PNG)", decoded.png, png_name, "image/png", "map_download_png"
    )
    links.download(
        d2,
        "Map figure (HTML)",
        lambda: map_html(request),
        "latent_map.html",
        "text/html",
        "map_download_html",
        help="The map as a Plotly figure in one HTML file: zoom and read the codes. It "
        "decodes nothing; *Publish this view* below makes a page that does.",
    )
    links.share_control(d3, z=links.format_point(point))


def traversals(request: MapRequest, point) -> None:
    """One dimension at a time around the pinned point (or the codes' mean)."""
    entry = request.entry
    st.subheader("Traversals: one dimension at a time", anchor=False)
    pinned_here = point is not None and len(point) == entry.latent_dim
    around = point if pinned_here else caches.class_means(entry.name).mean(axis=0)
    steps = st.slider("Steps per dimension", 5, 15, 9, key="map_traversal_steps")
    where = "the pinned point" if pinned_here else "the mean of the test codes"
    st.caption(
        f"Around {where}: each row decodes the code with one dimension moved from −3 to +3 prior "
        "σ, rows sorted by how much the model uses that dimension (its KL to the prior); a "
        "dimension with KL near 0 barely changes the image."
    )
    planes.traversal(entry, around, steps, request.label)


def replay(request: MapRequest) -> None:
    """How the latent space organised itself over training, one frame per epoch. A toggle
    rather than an expander: the animation is built and sent only when asked for, so it never
    slows the page's first view."""
    from vae_core.viz import replay_figure

    stored = points.replay(request.entry.name)
    if stored is None:
        return
    codes, labels = stored
    if st.toggle(
        f"Replay: how this latent space organised itself over {len(codes)} epochs of training",
        key="map_replay_on",
    ):
        st.plotly_chart(replay_figure(codes, labels, request.names), key="map_replay")
        st.caption(
            f"The codes of the first {len(labels):,} test images after every epoch; drag the "
            "slider or press play."
        )
