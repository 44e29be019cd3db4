"""The classifier lens: the shipped classifier exported for the browser, which colours a
map by what its decoded images look like.
"""

from __future__ import annotations

import streamlit as st

from explorer.core import caches
from explorer.core.served import publish

LENS_GRID = 32  # cells per side of the classifier lens


def lens(dataset: str, names) -> tuple[dict | None, str | None]:
    """(the classifier lens for the canvas, None), or (None, why there is none)."""
    from vae_core.viz.latent_map import class_colour

    url, problem = classifier_url(dataset)
    if url is None:
        return None, f"No classifier lens: {problem}"
    return {
        "classifier": url,
        "colours": [class_colour(i) for i in range(len(names))],
        "names": [str(n) for n in names],
        "n": LENS_GRID,
    }, None


@st.cache_data(max_entries=4, show_spinner=False)
def classifier_url(dataset: str) -> tuple[str | None, str | None]:
    """(URL of the dataset's classifier exported for the browser, None) or (None, why there is
    none)."""
    from vae_core.store.export import export_classifier

    judge, problem = caches.classifier(dataset)
    if judge is None:
        return None, problem
    return publish(export_classifier(judge.weights), "models", ".safetensors"), None
