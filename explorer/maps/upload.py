"""Your own image on the Latent map: an uploaded file placed at its posterior mean, with the
image prepared like the data and its reconstruction beside it."""

from __future__ import annotations

import streamlit as st

from explorer.core import session
from explorer.core.catalog import ModelEntry
from explorer.maps import placing

UPLOAD_SOURCE = "your image's posterior mean"  # the point's source while the upload is pinned


def upload_section(entry: ModelEntry, label: int | None) -> None:
    """The expander: take a file, place it once per file, say why one cannot be placed."""
    state = st.session_state
    with st.expander(
        "Your own image: upload a picture and see where the model puts it", expanded=False
    ):
        # No `type` filter: Streamlit would raise on another file type before this page runs
        # (an error box for a hand-made request); the content check answers in words instead.
        upload = st.file_uploader(
            "Image (PNG, JPEG, GIF, BMP or WebP, up to 5 MB)", key="map_upload"
        )
        if upload is not None and state.get("map_upload_id") != upload.file_id:
            state["map_upload_id"] = upload.file_id
            _place(entry, upload.getvalue(), label)
        if upload is None:
            state["map_placed"] = state["map_upload_error"] = state["map_upload_id"] = None
        if state.get("map_upload_error"):
            st.error(state["map_upload_error"])
        if state.get("map_placed") is not None:
            _show_placed(state["map_placed"])


def _place(entry: ModelEntry, data: bytes, label: int | None) -> None:
    state = st.session_state
    try:
        state["map_placed"] = placing.place_upload(entry.name, data, label)
    except placing.UploadError as error:
        state["map_placed"], state["map_upload_error"] = None, str(error)
        if session.view().point_source == UPLOAD_SOURCE:  # the old image's point goes too
            session.move_point(None, None)
    else:
        state["map_upload_error"] = None
        session.move_point(list(state["map_placed"].mean), UPLOAD_SOURCE)


def _show_placed(placed: placing.PlacedUpload) -> None:
    u1, u2, u3 = st.columns(3)
    side = placed.side
    u1.image(
        placed.prepared,
        caption=f"prepared like the data ({side}x{side})",
        width=112,
        output_format="PNG",
    )
    u2.image(placed.reconstruction, caption="its reconstruction", width=112, output_format="PNG")
    if placed.ellipse is not None:
        mx, my, sx, sy = placed.ellipse
        u3.markdown(
            f"Posterior: mean ({mx:.2f}, {my:.2f}), σ ({sx:.2f}, {sy:.2f}) — drawn as red "
            "1σ/2σ ellipses."
        )
