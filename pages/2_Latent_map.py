"""Latent map: the test set in latent space; hover to decode any position, click to pin it."""

from __future__ import annotations

import streamlit as st

from explorer import app as shell
from explorer.canvas import component as canvas
from explorer.classroom import membership as classroom
from explorer.comparisons import arithmetic
from explorer.core import links, loaded, session, sidebar
from explorer.maps import lens, map_figures, placing, planes, points
from vae_core.viz import quiz_heatmap, replay_figure

shell.ensure_frame()
st.title("Latent map")
entry = sidebar.require_model(sidebar.current_entry(), min_dim=2)
names = loaded.class_names(entry.dataset)
state = st.session_state

quiz = classroom.quiz()
# the room looks for a class: no colours give it away
hidden = quiz is not None and not quiz.revealed
if hidden:
    colouring = "grey while the quiz hides the classes"
elif classroom.following():  # the teacher may start a quiz without this page running again
    colouring = "coloured by class unless the teacher's quiz hides them"
else:
    colouring = "coloured by class (click a class in the legend to hide it)"
st.caption(
    f"Each dot is a test image placed at its encoder mean, {colouring}. Move over the map: the "
    "image at that position is decoded as you go. Click **anywhere** to pin a point (drag the "
    "star to move it); the nearest real test images appear below."
)
if (
    quiz is not None and not classroom.is_teacher() and not classroom.following()
):  # a follower's canvas says it
    if hidden:
        st.info(
            f"**Quiz**: the colours are hidden. Click where you think **{names[quiz.target]}** "
            "lives (hover to decode "
            "and look around first)."
        )
    else:
        st.success(
            f"**Quiz revealed**: the colours are back. Where does {names[quiz.target]} live?"
        )

# On screen: the buttons, the map, then the options and the upload (the map stays high on a
# projector); in the run, options and upload come first, since the map reads them.
wide = entry.latent_dim > 2  # the map is a plane through the latent space
slice_slot, button_row, map_slot = st.container(), st.container(), st.container()
with st.expander("Display options", expanded=False):
    c1, c2, c3 = st.columns(3)
    show_mosaic = c1.toggle("Decoded manifold underneath", value=True, key="map_show_mosaic")
    grid_n = c1.slider("Manifold grid size", 8, 30, 20, key="map_grid_n")
    flat = (
        "Drawn on the first two dimensions' map: a plane through a wider space shows codes and "
        "their fading only."
    )
    flat_options = {"value": False, "disabled": wide, "help": flat if wide else None}
    shade_empty = c2.toggle(
        "Shade regions far from any training code", key="map_shade", **flat_options
    )
    prior_circles = c2.toggle("Prior 1σ / 2σ circles", key="map_circles", **flat_options)
    density = c2.toggle(
        "Density contours of the codes (aggregate posterior)", key="map_density", **flat_options
    )
    n_points = c3.slider("Test points shown", 500, 10_000, 3_000, step=500, key="map_points")
    n_ellipses = c1.slider(
        "Posterior σ-ellipses for test points",
        0,
        100,
        0,
        step=10,
        key="map_ellipses",
        disabled=wide or not entry.stochastic_encoder,
        help="Each test image's q(z|x) at 1σ (solid) and 2σ (dotted); needs a stochastic encoder.",
    )

label = None
if entry.conditional:
    label = st.radio(
        "Class to generate (conditional VAE)",
        range(10),
        format_func=lambda i: names[i],
        horizontal=True,
        key="map_class",
    )


chosen = None  # the plane shown, for a model wider than two dimensions
if wide:
    with slice_slot:
        chosen = planes.picker(entry, names, session.view().point)
        st.caption(
            f"A {entry.latent_dim}-D latent space seen through {chosen.words}: each code is drawn "
            "where it projects "
            "onto the plane, fainter the farther it lies from it. Hovering decodes the plane's "
            "point origin + u·e₁ + "
            "v·e₂ in your browser; a pinned point keeps all its coordinates."
        )
set_point = session.move_point  # the server's own choice of point (a link, a button, an upload)
if state.get("map_samples_model") not in (None, entry.name):  # another model: its own samples
    state["map_samples"] = None
state["map_samples_model"] = entry.name

with st.expander("Your own image: upload a drawing or photo of a digit / garment", expanded=False):
    # No `type` filter: Streamlit would raise on another file type before this page runs (an
    # error box for a hand-made request); the content check below answers in words instead.
    upload = st.file_uploader("Image (PNG, JPEG, GIF, BMP or WebP, up to 5 MB)", key="map_upload")
    if upload is not None and state.get("map_upload_id") != upload.file_id:
        state["map_upload_id"] = upload.file_id
        try:
            state["map_placed"] = placing.place_upload(entry.name, upload.getvalue(), label)
        except placing.UploadError as error:
            state["map_placed"], state["map_upload_error"] = None, str(error)
            if (
                session.view().point_source == "your image's posterior mean"
            ):  # the old image's point goes too
                set_point(None, None)
        else:
            state["map_upload_error"] = None
            set_point(list(state["map_placed"].mean), "your image's posterior mean")
    if upload is None:
        state["map_placed"] = state["map_upload_error"] = state["map_upload_id"] = None
    if state.get("map_upload_error"):
        st.error(state["map_upload_error"])
    placed = state.get("map_placed")
    if placed is not None:
        u1, u2, u3 = st.columns(3)
        u1.image(
            placed.prepared,
            caption="prepared like the data (28x28)",
            width=112,
            output_format="PNG",
        )
        u2.image(
            placed.reconstruction, caption="its reconstruction", width=112, output_format="PNG"
        )
        if placed.ellipse is not None:
            mx, my, sx, sy = placed.ellipse
            u3.markdown(
                f"Posterior: mean ({mx:.2f}, {my:.2f}), σ ({sx:.2f}, {sy:.2f}) — drawn as red "
                "1σ/2σ ellipses."
            )

# One row of controls at their own widths, wrapping where the page is narrow (a projector):
# no label is ever cut.
row = button_row.container(horizontal=True, vertical_alignment="center")
if row.button("Random prior sample", icon=":material/casino:", key="map_random"):
    set_point(
        points.prior_point(latent_dim=entry.latent_dim if wide else 2),
        "a sample from the prior N(0, I)",
    )
if row.button("Reset", key="map_reset"):
    set_point(None, None)
    state["map_samples"] = None
sampler = row.selectbox(
    "Sample a sheet from",
    list(placing.SAMPLERS),
    format_func=placing.SAMPLERS.get,
    key="map_sampler",
    label_visibility="collapsed",
    width=200,
)
if row.button("Sample a sheet", icon=":material/grid_view:", key="map_sample"):
    state["map_samples"] = (
        placing.SAMPLERS[sampler],
        placing.sample_points(entry.name, sampler, 64, state.get("map_seed", 0)),
    )
    state["map_seed"] = state.get("map_seed", 0) + 1
draw = row.toggle(
    "Draw your own", key="map_draw", help="A drawing pad beside the map, encoded as you draw."
)
lens, no_lens = (
    lens.lens(entry.dataset, names)
    if row.toggle(
        "Classifier lens",
        key="map_lens",
        help="The decoded map coloured by what a classifier sees in each place: its class, "
        "its confidence as opacity, outlines where it changes its mind or is unsure. Where does a "
        "4 become a 9?",
    )
    else (None, None)
)
if no_lens:
    st.info(no_lens)


def answer(event) -> None:
    """What the canvas reported: a pinned point, a finished drawing, a model it could not run."""
    if event.kind == "pin":
        point = tuple(chosen.plane.codes(event.point).tolist()) if chosen else tuple(event.point)
        session.update(point=point, point_source="click")
        if hidden and not classroom.is_teacher():
            state["map_quiz_message"] = classroom.answer(event.point)
    elif event.kind == "drawing":
        placed = placing.place_drawing(entry.name, event.pixels, label)
        state["map_placed"] = placed
        set_point(list(placed.mean), "your drawing's posterior mean")
    elif event.kind == "anchor" and chosen is not None and chosen.anchor_codes:
        key = f"map_anchors_{entry.name}"
        state[key] = [
            *state[key][: event.anchor],
            tuple(chosen.plane.codes(event.point).tolist()),
            *state[key][event.anchor + 1 :],
        ]
        st.rerun()  # the plane moves through the dragged anchor
    elif event.kind == "fallback":
        state["map_browser_failed"] = event.reason


def show_pinned(point) -> None:
    try:
        decoded = points.decode_point(entry.name, point, label, size=168)
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
    if hidden:  # the neighbours' class names would give the quiz away
        return
    with right:
        if decoded.far_from_data:
            st.warning(
                "This point lies far outside the codes: the nearest test image is "
                f"{decoded.nearest:.1f} away. The "
                "decoder was never trained near here, so this image says little about the model."
            )
        nearest = points.neighbours(entry.name, point)
        st.markdown("**Nearest real test images** (by latent distance)")
        st.image(nearest.png, output_format="PNG")
        st.caption(" · ".join(nearest.captions))
    if decoded.every_class is not None:
        st.markdown(
            "**The same z drawn as every class** (the code holds the style, the label the class)"
        )
        st.image(decoded.every_class, caption=list(names), width=84, output_format="PNG")
    downloads(decoded, point)


def figure_options() -> dict:
    """The map's display options as map_figures.map_figure takes them."""
    return {
        "shade_n": grid_n if shade_empty else 0,
        "prior_circles": prior_circles,
        "density": density,
        "ellipses": tuple(points.test_ellipses(entry.name, n_ellipses)),
        "uncoloured": hidden and not classroom.following(),
    }  # a follower's canvas hides and shows them


def map_html() -> str:
    figure = map_figures.map_figure(
        entry.name, n_points, mosaic_n=grid_n if show_mosaic else 0, label=label, **figure_options()
    )
    return figure.to_html(include_plotlyjs=True)


@st.fragment
def map_fragment() -> None:
    """Reruns alone on a click."""
    map_and_decoder()


def downloads(decoded, point) -> None:
    """The pinned image and the map as files, and the link that reopens this view."""
    x, y = decoded.point
    d1, d2, d3 = st.columns([1, 1, 2])
    png_name = f"decoded_{x:.2f}_{y:.2f}.png"
    links.download(
        d1, "Decoded image (PNG)", decoded.png, png_name, "image/png", "map_download_png"
    )
    links.download(
        d2,
        "Map (web page)",
        lambda: map_html(),
        "latent_map.html",
        "text/html",
        "map_download_html",
        help="The interactive figure as a standalone web page (works offline).",
    )
    links.share_control(d3, z=links.format_point(point))


def current_view():
    """The canvas's map: the chosen plane through a wider space, or the 2-D map."""
    mosaic = grid_n if show_mosaic else 0
    if chosen is not None:
        return planes.plane_view(entry.name, entry.label, chosen, n_points, mosaic, label)
    return points.map_view(
        entry.name, entry.label, n_points, mosaic_n=mosaic, class_label=label, **figure_options()
    )


def map_overlay(point, view) -> canvas.Overlay:
    """What the canvas draws over the map: the pinned point, the upload's posterior, samples,
    the quiz and the classifier lens."""
    placed, samples = state.get("map_placed"), state.get("map_samples")
    if chosen:
        pinned = planes.on_plane(chosen, point)
    else:
        pinned = None if point is None else tuple(point[:2])
    on_server = point is not None and view.model_url is None
    return canvas.Overlay(
        pinned=pinned,
        pinned_by=f"server-{state.get(session.MAP_PIN, 0)}-{chosen.key() if chosen else ''}",
        pinned_images=[points.server_image(entry.name, point, label)] if on_server else None,
        ellipses=[placed.ellipse] if placed is not None and placed.ellipse else [],
        samples=samples[1] if samples else [],
        samples_title=f"64 samples from {samples[0]}" if samples else "",
        quiz=canvas.quiz_overlay(quiz, names),
        lens=lens,
    )


def map_and_decoder() -> None:
    try:
        event = canvas.take_event("map_canvas")
    except canvas.CanvasInputError as error:
        st.warning(f"Ignored a message from the map: {error}.")
        event = None
    if event is not None:
        answer(event)
    point = session.view().point
    view = current_view()
    if view.model_url is None or state.get("map_browser_failed"):
        st.info(
            "Decoded on the server after each click: "
            f"{view.server_reason or state.get('map_browser_failed')}."
        )
    canvas.latent_canvas(
        [view],
        key="map_canvas",
        overlay=map_overlay(point, view),
        label=label,
        draw=draw,
        height=860,
        room=classroom.canvas_room(),
    )
    if state.get("map_quiz_message") and hidden:
        st.success(state["map_quiz_message"])
    if chosen is not None:
        traversals(point)
    with st.container(key="map_decoded"):
        if classroom.following():
            st.caption(
                "Following the teacher: the map shows the teacher's point as it moves, decoded "
                "beside it. Turn off **Follow the teacher** to explore on your own, with the "
                "nearest test images here."
            )
        elif point is None:
            st.query_params.pop("z", None)
            st.info("Click anywhere on the map to decode that point.")
        else:
            show_pinned(point)


def traversals(point) -> None:
    """One dimension at a time around the pinned point (or the codes' mean)."""
    st.subheader("Traversals: one dimension at a time", anchor=False)
    pinned_here = point is not None and len(point) == entry.latent_dim
    around = point if pinned_here else loaded.class_means(entry.name).mean(axis=0)
    steps = st.slider("Steps per dimension", 5, 15, 9, key="map_traversal_steps")
    where = "the pinned point" if pinned_here else "the mean of the test codes"
    st.caption(
        f"Around {where}: each row decodes the code with one dimension moved from −3 to +3 prior "
        "σ, rows sorted by how much the model uses that dimension (its KL to the prior); a "
        "dimension with KL near 0 barely changes the image."
    )
    planes.traversal(entry, around, steps, label)


with map_slot:
    map_fragment()


@st.fragment(run_every=1.0)
def quiz_answers() -> None:
    """The teacher's view of the room's clicks, refreshed every second until the quiz ends."""
    current = classroom.quiz()
    if current is None:
        return
    clicks = classroom.answers()
    st.subheader(f"Where the room thinks {names[current.target]} lives: {len(clicks)} answers")
    target = arithmetic.class_codes(entry.name, current.target) if current.revealed else None
    extent = map_figures.map_extent(entry.name)
    st.plotly_chart(
        quiz_heatmap(clicks, extent, target, names[current.target]), key="map_quiz_heatmap"
    )
    if not current.revealed:
        st.caption(
            "Press **Reveal** in the sidebar to show where the class really lives, and the colours "
            "to everyone."
        )


if quiz is not None and classroom.is_teacher():
    quiz_answers()

replay = points.replay(entry.name)
if replay is not None:
    codes, labels = replay
    # A toggle rather than an expander: the animation (one frame per epoch) is built and sent
    # only when asked for, so it never slows the page's first view.
    if st.toggle(
        f"Replay: how this latent space organised itself over {len(codes)} epochs of training",
        key="map_replay_on",
    ):
        st.plotly_chart(replay_figure(codes, labels, names), key="map_replay")
        st.caption(
            f"The codes of the first {len(labels):,} test images after every epoch; drag the "
            "slider or press play."
        )
