"""ELBO vs MMD: the same data under the two objectives, side by side on the same axes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from vae_core import app_support as app
from vae_core.latent import decode
from vae_core.viz import clicked_point, latent_map, paired_map, selected_indices, upscale

app.ensure_frame()
st.title("ELBO vs MMD")
state = st.session_state
dataset = state.get(app.STATE_DATASET, "mnist")
names = app.class_names(dataset)
st.caption(
    "Left: a VAE trained on the ELBO, whose KL term pulls every image's code towards N(0, I). Right: an "
    "MMD-VAE, which only asks that the cloud of all codes matches N(0, I). Dotted and dashed circles mark "
    "the prior's 1σ and 2σ. Click either map: the same z is decoded by both models."
)

vaes = app.entries_for(dataset, "vae", 2)
mmds = app.entries_for(dataset, "mmd_vae", 2)
if not vaes or not mmds:
    missing = "an ELBO VAE" if not vaes else "an MMD-VAE"
    st.info(
        f"This comparison needs a 2-D {missing} trained on {app.DATASET_LABELS[dataset]}: train one on the **Train live** page."
    )
    st.stop()

c1, c2 = st.columns(2)
left_name = c1.selectbox("ELBO model", [e.name for e in vaes], format_func=lambda n: app.find_entry(n).title, key="cmp_vae")
right_name = c2.selectbox("MMD model", [e.name for e in mmds], format_func=lambda n: app.find_entry(n).title, key="cmp_mmd")
entries = [app.require_model(app.find_entry(left_name), 2), app.require_model(app.find_entry(right_name), 2)]
show_mosaic = st.toggle("Decoded manifold underneath", value=False, key="cmp_mosaic")

extents = [app.map_extent(e.name) for e in entries]
extent = (min(e[0] for e in extents), max(e[1] for e in extents), min(e[2] for e in extents), max(e[3] for e in extents))
if state.get("cmp_pair") not in (None, (left_name, right_name)):
    state["cmp_z"] = None  # another pair of models: forget the old point
state["cmp_pair"] = (left_name, right_name)
state.setdefault("cmp_z", None)
state.setdefault("cmp_last", {})

SHOWN = 4000  # test images on each map; the same images on both
view = st.radio("View", ["Side by side", "One map, each image joined to its two places"], horizontal=True, key="cmp_view")
highlight = state.get("cmp_highlight")
st.caption(
    "Drag a box or lasso (toolbar) on either map to select images: the same images light up on the other map. "
    "Double-click a map to clear the selection."
)

if view == "Side by side":
    columns = st.columns(2)
    for column, entry, key in zip(columns, entries, ("cmp_left_map", "cmp_right_map")):
        codes = app.encoded(entry.name)
        with column:
            figure = latent_map(
                codes["mu"][:SHOWN],
                codes["labels"][:SHOWN],
                names,
                extent,
                mosaic=app.grid_mosaic(entry.name, extent, 16) if show_mosaic else None,
                prior_circles=True,
                selected=None if state["cmp_z"] is None else tuple(state["cmp_z"]),
                highlight=highlight,
                title=entry.label,
                height=480,
                show_legend=False,
            )
            event = st.plotly_chart(figure, key=key, on_select="rerun", selection_mode=("points", "box", "lasso"))
            rows = selected_indices(event)
            if len(rows) > 1 and state["cmp_last"].get(key) != tuple(rows[:50]):
                state["cmp_last"][key] = tuple(rows[:50])
                mask = np.zeros(SHOWN, bool)
                mask[rows[rows < SHOWN]] = True
                state["cmp_highlight"] = mask
                st.rerun()
            click = clicked_point(event) if len(rows) <= 1 else None
            if click is not None and click != state["cmp_last"].get(key):
                state["cmp_last"][key] = click
                state["cmp_z"] = list(click)
                st.rerun()
    if highlight is not None:
        st.caption(f"{int(highlight.sum())} images selected.")
        if st.button("Clear the selection", key="cmp_clear"):
            state["cmp_highlight"] = None
            st.rerun()
else:
    first, second = (app.encoded(e.name) for e in entries)
    rows = np.flatnonzero(highlight) if highlight is not None else np.random.default_rng(0).choice(SHOWN, 300, replace=False)
    rows = rows[:600]
    st.plotly_chart(
        paired_map(
            first["mu"][rows], second["mu"][rows], first["labels"][rows], names, extent, entries[0].label, entries[1].label
        ),
        key="cmp_paired",
    )
    st.caption(
        f"{len(rows)} {'selected' if highlight is not None else 'random'} test images: a circle where the ELBO VAE puts each, "
        "a cross where the MMD-VAE puts it, and a grey line between the two."
    )

z = state.get("cmp_z")
app.share_control(**({"z": app.format_point(z)} if z is not None else {}))
if z is None:
    st.info("Click a point on either map to decode it with both models.")
else:
    st.markdown(f"**Both decoders at z = ({z[0]:.2f}, {z[1]:.2f})**")
    images = st.columns(4)
    for column, entry in zip(images, entries):
        column.image(upscale(decode(app.get_model(entry.name), np.asarray(z, np.float32)), 168), caption=entry.label, width=168)

st.subheader("What the numbers say")
EXPLANATIONS = {
    "test -ELBO (nats)": "Lower is better: a bound on how many nats it costs to describe a test image (only for models with an ELBO).",
    "recon error (MSE)": "Squared pixel error of decoding each test image's own code; lower is sharper.",
    "5-NN accuracy": "Share of test codes whose 5 nearest training codes have their class: how well classes separate.",
    "NMI": "Agreement between 10 k-means clusters of the codes and the true classes (0 = none, 1 = perfect).",
    "MMD to prior": "How different the cloud of codes is from N(0, I); near 0 means no big holes for the prior to fall into.",
    "prior holes": "Share of samples from N(0, I) that land far from every training code, where the decoder was never trained.",
}
table = pd.DataFrame([app.metric_row(e) for e in entries]).set_index("model").T
table["what it means"] = [EXPLANATIONS.get(row, "") for row in table.index]
st.dataframe(table.drop(index=["latent dim"], errors="ignore"), width="stretch")
