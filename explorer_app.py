"""VAE Latent Explorer: ``streamlit run explorer_app.py``.

This file is the frame every page runs in: navigation, the shared dataset/model
picker in the sidebar, and the Home page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from vae_core import app_support as app
from vae_core.viz import vae_diagram


def home() -> None:
    st.title("VAE Latent Explorer")
    st.markdown(
        "A **variational autoencoder (VAE)** squeezes each image through a tiny code *z*: an "
        "encoder maps the image to a small Gaussian cloud in latent space, a decoder turns any "
        "point of that space back into an image. Training balances two wishes: reconstruct the "
        "image well, and keep every image's cloud close to a standard normal prior, so that the "
        "whole plane decodes to something sensible. With a **two-dimensional** latent space you "
        "can look at all of it at once."
    )
    st.plotly_chart(vae_diagram("vae"), key="home_diagram_vae", config={"displayModeBar": False})
    st.markdown(
        "The **MMD-VAE** (InfoVAE) keeps the encoder and decoder but changes the second wish: "
        "instead of pulling *each* image's code towards the prior, it asks only that the cloud of "
        "*all* codes looks like the prior, measured by the maximum mean discrepancy. Codes may then "
        "be sharp and far apart, and the layout changes — the **ELBO vs MMD** page shows how."
    )
    st.plotly_chart(vae_diagram("mmd_vae"), key="home_diagram_mmd", config={"displayModeBar": False})

    st.subheader("Models ready to explore")
    entries = app.model_entries()
    if entries:
        rows = [
            {"dataset": app.DATASET_LABELS[e.dataset], **app.metric_row(e), "origin": "shipped" if e.shipped else "trained here"}
            for e in entries
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption("Numbers on each model's test split; − where a number does not apply (a plain autoencoder has no ELBO).")
    else:
        st.info("No stored models yet: train one on the **Train live** page.")

    st.subheader("A tour in six steps")
    for step, (page, blurb) in enumerate(app.TOUR, 1):
        st.page_link(page, label=f"{step}. {blurb}")


pages = [
    st.Page(home, title="Home", icon=":material/home:", default=True),
    st.Page("pages/1_Train_live.py", title="Train live", icon=":material/model_training:"),
    st.Page("pages/2_Latent_map.py", title="Latent map", icon=":material/map:"),
    st.Page("pages/3_Interpolate.py", title="Interpolate", icon=":material/timeline:"),
    st.Page("pages/4_ELBO_vs_MMD.py", title="ELBO vs MMD", icon=":material/compare:"),
    st.Page("pages/5_Projections.py", title="Projections", icon=":material/scatter_plot:"),
    st.Page("pages/6_Beta_lambda.py", title="β / λ sweep", icon=":material/tune:"),
]
navigation = st.navigation(pages)
app.frame()
navigation.run()
