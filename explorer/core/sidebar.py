"""The frame every page runs in: page settings, a shared link's state, the sidebar's dataset
and model pickers (shared by all pages through session state), and the page guards. The app
shell (:mod:`explorer.app`) draws it before each page."""

from __future__ import annotations

import streamlit as st

from explorer.core import caches, links, session
from explorer.core.catalog import ModelEntry, dataset_label
from explorer.core.hooks import HOOKS
from vae_core.store.checkpoints import CheckpointError

TITLE_SHOWN = 30  # characters of a model's title the sidebar's picker shows whole
# A projector's 720 rows: less empty space above a page's title, a smaller title, so that a map
# starts high enough to be seen whole.
SHORT_WINDOW_STYLE = """<style>
@media (max-height: 820px) {
  [data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding-top: 0.25rem; }
}
</style>"""


def frame() -> None:
    """What every page shares: page settings, a shared link's state, the sidebar picker."""
    st.set_page_config(page_title="VAE Latent Explorer", page_icon="🧭", layout="wide")
    st.html(SHORT_WINDOW_STYLE)
    links.apply_link(caches.catalog())
    st.sidebar.markdown("### What to explore")
    entry = select_model()
    st.query_params.from_dict(
        {**({"model": entry.name} if entry else {}), **HOOKS.address_params()}
    )
    if entry is not None:
        fit_view(entry)
    if st.session_state.get(session.LINK_WARNING):
        st.sidebar.warning(st.session_state.pop(session.LINK_WARNING))


def select_model(widget_key: str = "sidebar_model") -> ModelEntry | None:
    """The sidebar's dataset and model pickers: they show, and change, the session's View (shared
    by all pages), so a page, a link or a room that changes the model moves them too."""
    catalog = caches.catalog()
    datasets = catalog.datasets()
    state, shown = st.session_state, session.view()
    dataset_key, model_key = f"{widget_key}_dataset", f"{widget_key}_name"
    state[dataset_key] = shown.dataset if shown.dataset in datasets else datasets[0]
    dataset = st.sidebar.selectbox(
        "Dataset",
        datasets,
        format_func=dataset_label,
        key=dataset_key,
        on_change=lambda: session.choose(state[dataset_key], None),
    )
    choices = catalog.select(dataset)
    if not choices:
        session.choose(dataset, None)
        st.sidebar.info("No model for this dataset yet: train one on the **Train live** page.")
        return None
    by_name = {e.name: e for e in choices}
    if session.view().model not in by_name:
        fallback = catalog.default(dataset)
        session.choose(dataset, fallback.name if fallback else choices[0].name)
    state[model_key] = session.view().model
    name = st.sidebar.selectbox(
        "Model",
        list(by_name),
        format_func=lambda n: by_name[n].title,
        key=model_key,
        on_change=lambda: session.choose(dataset, state[model_key]),
        help="Shipped models and every model trained on this server.",
    )
    session.choose(dataset, name)
    if len(by_name[name].title) > TITLE_SHOWN:  # a picker cuts it where two models differ
        st.sidebar.caption(by_name[name].title)
    return by_name[name]


def fit_view(entry: ModelEntry) -> None:
    """A point or ends with more coordinates than the model's latent space (a link made for a
    wider model) are left out, with a word in the sidebar; fewer are padded where used."""
    view, d = session.view(), entry.latent_dim
    changes = {}
    if view.point is not None and len(view.point) > d:
        changes.update(point=None, point_source="")
    if view.ends is not None and any(len(end) > d for end in view.ends):
        changes["ends"] = None
    if changes:
        session.update(**changes)
        st.session_state[session.LINK_WARNING] = (
            f"The view's point or ends have more coordinates than {entry.title}'s "
            f"{d}-D latent space: they were left out."
        )


def open_model(entry: ModelEntry) -> None:
    """Show ``entry`` (for the pages that switch models)."""
    session.choose(entry.dataset, entry.name)


def current_dataset() -> str:
    return session.view().dataset


def current_entry() -> ModelEntry | None:
    """The model chosen in the sidebar, or None."""
    return caches.catalog().find(session.view().model)


def require_model(entry: ModelEntry | None, min_dim: int = 1) -> ModelEntry:
    """Stop the page with a helpful message when there is no usable model."""
    if entry is None:
        st.info("Pick a model in the sidebar, or train one on the **Train live** page.")
        st.stop()
    if entry.latent_dim < min_dim:
        st.info(
            f"This page needs a latent space of at least {min_dim} dimensions; {entry.title} has "
            f"{entry.latent_dim}."
        )
        st.stop()
    try:
        # reads and checks the weights without building the network
        caches.browser_model(entry.name)
    except CheckpointError as error:
        st.error(f"This model cannot be opened: {error}")
        st.stop()
    return entry
