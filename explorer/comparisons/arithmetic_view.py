"""The Latent arithmetic page's three modes: an attribute vector from one class mean to
another's, added to a point; analogies a : b :: c : ?; and where two dimensions make both
fail. Each draws its arrows on the map and shows the classifier's verdict on every answer."""

from __future__ import annotations

import streamlit as st

from explorer.canvas import component as canvas
from explorer.comparisons import arithmetic, interpolation
from explorer.core import session
from explorer.core.catalog import ModelEntry
from explorer.maps import points
from explorer.maps.map_settings import pick_test_image
from vae_core.data.catalog import get as get_dataset

ATTRIBUTE, ANALOGY, FAILS = "Attribute vectors", "Analogies a : b :: c : ?", "Where it fails"


def take_event():
    """The map's last click (None without one, or with a message it refused)."""
    try:
        return canvas.take_event("arith_canvas")
    except canvas.CanvasInputError as error:
        st.warning(f"Ignored a message from the map: {error}.")
        return None


def _verdicts(judged, captions) -> None:
    """Each decoded image with the classifier's verdict under it."""
    for column, item, caption in zip(st.columns(len(judged) + 1), judged, captions):
        column.image(item.image, width=112, caption=caption, output_format="PNG")
        if item.verdict:
            column.markdown(item.verdict)


def _show_in_view(arrows, point, source: str) -> None:
    """The arrows and the answer's point become the view's (a room's followers draw them)."""
    session.update(
        arrows=tuple((*(float(v) for v in arrow[:4]), str(arrow[4])) for arrow in arrows),
        point=None if point is None else tuple(float(v) for v in point),
        point_source=source,
    )


def _choose_start(entry: ModelEntry, event, start_key: str, source: int) -> None:
    """Where the attribute vector starts: the point clicked last, else the first test image of
    the source class (again whenever the source class changes)."""
    state = st.session_state
    if event is not None and event.kind == "pin":
        state[start_key], state["arith_start_class"] = list(event.point), source
        state["arith_start_clicked"] = True
    if state.get(start_key) is None or state.get("arith_start_class") != source:
        first = points.class_members(entry.dataset, source)[:1]
        state[start_key] = points.test_codes(entry.name, first)[0][:2].tolist()
        state["arith_start_class"], state["arith_start_clicked"] = source, False


def attribute_mode(entry: ModelEntry, names, event, room) -> None:
    """An attribute vector (one class mean to another's) added to a starting point."""
    state = st.session_state
    source, target, strength = _shift_choice(entry, names)
    start_key = f"arith_start_{entry.name}"
    _choose_start(entry, event, start_key, source)
    x, y = state[start_key][:2]
    start = (
        f"the point you clicked, ({x:.2f}, {y:.2f})"
        if state.get("arith_start_clicked")
        else f"the first test {names[source]}"
    )
    step = arithmetic.attribute_shift(entry.name, state[start_key], source, target, strength)
    overlay = canvas.Overlay(
        arrows=step.arrows,
        pinned=step.judged[1].map_point,
        pinned_by=f"shift-{step.judged[1].map_point}",
    )
    _show_in_view(step.arrows, step.judged[1].map_point, "start + the attribute vector")
    st.caption(
        f"Click the map to start somewhere else (now: {start}). The long arrow joins the class "
        "means; the short one is the same arrow, scaled, from your starting point."
    )
    view = points.map_view(entry.name, entry.label, 3000)
    canvas.latent_canvas([view], key="arith_canvas", overlay=overlay, height=620, room=room)
    _verdicts(
        step.judged,
        ["start", f"start + {strength:g} × (mean {names[target]} − mean {names[source]})"],
    )
    walk = interpolation.walk(entry.name, step.judged[0].point, step.judged[1].point, 9)
    st.image(
        walk.strip_png, caption="the way there, in nine steps", width="stretch", output_format="PNG"
    )


def _shift_choice(entry: ModelEntry, names) -> tuple[int, int, float]:
    """(from class, to class, strength); the first pair works on the shipped models."""
    c1, c2, c3 = st.columns(3)
    first, second = get_dataset(entry.dataset).example("shift", 2)
    classes = {"format_func": lambda i: names[i]}
    source = c1.selectbox("From class", range(len(names)), index=first, key="arith_from", **classes)
    target = c2.selectbox("To class", range(len(names)), index=second, key="arith_to", **classes)
    strength = c3.slider("Strength", 0.0, 2.0, 1.0, 0.1, key="arith_strength")
    return source, target, strength


def analogy_mode(entry: ModelEntry, names, event, room) -> None:
    """a : b :: c : ?, answered by c + (b − a)."""
    columns = st.columns(3)
    # an analogy that works on the shipped models
    first, second = get_dataset(entry.dataset).example("analogy", 2)
    a = pick_test_image(columns[0], entry, names, "arith_a", first)
    b = pick_test_image(columns[1], entry, names, "arith_b", second)
    c = pick_test_image(columns[2], entry, names, "arith_c", first, 1)
    result = arithmetic.analogy(entry.name, a, b, c)
    overlay = canvas.Overlay(
        arrows=result.arrows, pinned=result.judged[3].map_point, pinned_by=f"analogy-{a}-{b}-{c}"
    )
    _show_in_view(result.arrows, result.judged[3].map_point, "c + (b − a)")
    canvas.latent_canvas(
        [points.map_view(entry.name, entry.label, 3000)],
        key="arith_analogy_canvas",
        overlay=overlay,
        height=620,
        room=room,
    )
    _verdicts(result.judged, ["a", "b", "c", "c + (b − a)"])
    answer = result.judged[3]
    meant = arithmetic.analogy_target(entry.dataset, a, b, c)
    if answer.judged_class is not None and meant is not None:
        landed = "lands on" if answer.judged_class == meant else "misses"
        st.markdown(
            f"The answer **{landed}** {names[meant]}, the class of b (a and c share a class)."
        )


def fails_mode(entry: ModelEntry, names, event, room) -> None:
    """How often every class-to-class shift lands where it aims, and why 2-D makes it miss."""
    from vae_core.viz import arithmetic_heatmap

    strength = st.select_slider("Strength", [0.5, 1.0, 1.5], value=1.0, key="arith_check_strength")
    check = arithmetic.arithmetic_check(entry.name, strength)
    if check is None:
        st.info("Without a classifier there is nothing to judge the decoded images by.")
        return
    st.plotly_chart(arithmetic_heatmap(check.success, names), key="arith_heatmap")
    worst = ", ".join(f"{names[i]} → {names[j]} ({100 * v:.0f} %)" for i, j, v in check.worst(3))
    st.markdown(
        f"Moving {check.per_pair} test codes of each class by each class-mean difference "
        f"(strength {strength:g}), the decoded image is the class aimed at in "
        f"**{100 * check.overall:.0f} %** of cases over the {len(names) * (len(names) - 1)} pairs "
        f"(the judge recognises {100 * check.classifier_accuracy:.0f} % of real test images). "
        f"Worst: {worst}."
    )
    st.caption(
        "In two dimensions each class is a region, not a direction: the arrow between two class "
        "means crosses other classes on the way, and a code near the edge of its own region "
        "overshoots or lands in a neighbour. With more dimensions there is room for the classes to "
        "sit side by side: pick the shipped 10-D VAE in the sidebar and compare."
    )


MODES = {ATTRIBUTE: attribute_mode, ANALOGY: analogy_mode, FAILS: fails_mode}
