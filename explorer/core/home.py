"""The Home page: what a VAE and an MMD-VAE are, the models on this server, the tour."""

from __future__ import annotations

import streamlit as st

from explorer.core import caches
from explorer.core.catalog import MISSING, home_table
from explorer.core.sitemap import PAGES
from vae_core.models.kinds import MMD_VAE, VAE
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
    st.plotly_chart(vae_diagram(VAE), key="home_diagram_vae", config={"displayModeBar": False})
    st.markdown(
        "The **MMD-VAE** (InfoVAE) keeps the encoder and decoder but changes the second wish: "
        "instead of pulling *each* image's code towards the prior, it asks only that the cloud of "
        "*all* codes looks like the prior, measured by the maximum mean discrepancy. Codes may "
        "then be sharp and far apart, and the layout changes — the **ELBO vs MMD** page shows how."
    )
    st.plotly_chart(vae_diagram(MMD_VAE), key="home_diagram_mmd", config={"displayModeBar": False})

    st.subheader("Models ready to explore")
    rows = home_table(caches.catalog().entries)
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch", key="home_models")
        st.caption(
            f"Numbers on each model's test split; {MISSING} where a number does not apply: a plain "
            "autoencoder and the MMD-VAE's point encoder have no ELBO. *Prior holes* is the share "
            "of N(0, I) where the decoder was never trained, calibrated against the prior's own "
            "samples so that it reads 0 for a perfect match in any dimension. The β / λ page has "
            "the shipped families of β-VAEs and MMD-VAEs."
        )
    else:
        st.info("No stored models yet: train one on the **Train live** page.")

    st.subheader(f"A tour in {len(PAGES)} steps")
    for step, (script, _, _, blurb) in enumerate(PAGES, 1):
        st.page_link(script, label=f"{step}. {blurb}")
