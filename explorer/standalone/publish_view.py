"""The Latent map's "Publish this view": the model, its pinned point and prior circles as one
web page a teacher can hand out (:mod:`explorer.standalone.page`), built when the button is
pressed and kept for the next press of the same view."""

from __future__ import annotations

import html

import streamlit as st

from explorer.core import session
from explorer.maps import planes
from explorer.maps.map_settings import MapRequest
from explorer.standalone.page import TEXT_LIMIT, PublishedView, PublishError, build_page
from vae_core.store.checkpoints import CheckpointError, resolve_checkpoint


@st.cache_data(max_entries=8, show_spinner=False)
def _page(view: PublishedView) -> str:
    return build_page(view)


def page_or_reason(view: PublishedView) -> str:
    """The page, or a page that says why it could not be made (the download must be a file)."""
    try:
        return _page(view)
    except (PublishError, CheckpointError, OSError) as error:
        return (
            "<!doctype html><meta charset='utf-8'><title>Not published</title>"
            f"<p>This view could not be published: {html.escape(str(error))}</p>"
        )


def _pinned(request: MapRequest) -> tuple[float, float] | None:
    """The session's pinned point where the page's first map draws it (a wider model's page
    opens on the plane of the codes' main directions)."""
    point = session.view().point
    entry = request.entry
    if point is None or len(point) != entry.latent_dim:
        return None
    if entry.latent_dim == 2:
        return float(point[0]), float(point[1])
    return planes.on_plane(planes.principal(entry.name), point)


def publish_section(request: MapRequest) -> None:
    """The expander with the page's title, note and download button."""
    entry = request.entry
    with st.expander("Publish this view as a web page"):
        st.caption(
            "One HTML file with this model's decoder and its test codes: students open it from "
            "a disk, a course site or an iframe and hover, pin, interpolate"
            + (" and traverse" if entry.latent_dim > 2 else "")
            + " with no server. It opens on the pinned point, and its address can name another."
        )
        try:
            folder = resolve_checkpoint(entry.name)
        except CheckpointError as error:
            st.info(f"This model cannot be published: {error}")
            return
        title = st.text_input(
            "Title", key="map_publish_title", max_chars=200, placeholder=entry.title
        )
        note = st.text_area("A note for the students", key="map_publish_note", max_chars=TEXT_LIMIT)
        view = PublishedView(
            folder,
            title=title,
            note=note,
            pinned=_pinned(request),
            prior_circles=request.settings.prior_circles,
            ellipses=request.settings.n_ellipses if entry.latent_dim == 2 else 0,
            label=request.label or 0,
        )
        where = (
            f"on the point ({view.pinned[0]:.2f}, {view.pinned[1]:.2f})"
            if view.pinned
            else "with no point pinned"
        )
        st.caption(f"“{title or entry.title}” opens {where}; students can pin any other.")
        st.download_button(
            "Publish this view",
            data=lambda: page_or_reason(view),
            file_name=f"{entry.name}.html",
            mime="text/html",
            on_click="ignore",
            key="map_publish",
            icon=":material/public:",
        )
