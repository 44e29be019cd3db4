"""Train live's "Add your own images": a zip of a folder (or an array) becomes a dataset.

The same import as ``python -m vae_core data add`` (:func:`vae_core.data.catalog.add_dataset`),
from an upload within the server's ``server.maxUploadSize``, with a progress bar. The import is
atomic: a refused or interrupted one (a second press restarts the run) leaves nothing behind.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from vae_core.data.catalog import add_dataset
from vae_core.data.imported import DEFAULT_SIZE, SIZES, ImportRefused

MODES = {"as they are": None, "grey": False, "colour": True}
SIDES = tuple(side for side in (28, 32, 48, 64) if side in SIZES)


def add_images_section() -> None:
    """The expander: the upload, a name, a side and a colour mode, and the button."""
    with st.expander("Add your own images", icon=":material/add_photo_alternate:"):
        st.caption(
            "A .zip of a folder of pictures (one sub-folder per class, or all in one folder for "
            "an unlabelled set), or a numpy .npz / .npy array of images. They are centre-"
            "cropped to squares, resized, and a tenth is held out to test on; the new dataset "
            "then appears in the form below and in every page's pickers. The command line does "
            "the same for a folder on this machine: `python -m vae_core data add NAME FOLDER`."
        )
        with st.form("add_images", clear_on_submit=False):
            # No `type` filter: Streamlit would raise on another file type before this page
            # runs (an error box for a hand-made request); the import answers in words instead.
            upload = st.file_uploader("Images (.zip, .npz or .npy)", key="add_images_file")
            c1, c2, c3 = st.columns(3)
            name = c1.text_input("Name", placeholder="my-photos", key="add_images_name")
            side = c2.select_slider("Side (pixels)", SIDES, value=DEFAULT_SIZE, key="add_side")
            mode = c3.radio("Colour", list(MODES), horizontal=True, key="add_images_mode")
            pressed = st.form_submit_button("Add the images")
        if pressed:
            _add(upload, name, side, MODES[mode])


def _add(upload, name: str, side: int, colour: bool | None) -> None:
    if upload is None:
        st.error("Choose a .zip, .npz or .npy file first.")
        return
    if not name.strip():
        st.error("Give the dataset a name (lower-case letters, digits and dashes).")
        return
    suffix = Path(upload.name).suffix.lower()
    bar = st.progress(0.0, text="Reading the images…")

    def progress(done: int, total: int) -> None:
        if done == total or done % 100 == 0:
            bar.progress(done / total, text=f"{done:,} of {total:,} images prepared")

    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        source = Path(folder) / f"upload{suffix}"
        source.write_bytes(upload.getvalue())
        try:
            dataset = add_dataset(name.strip(), source, size=side, colour=colour, progress=progress)
        except ImportRefused as error:
            bar.empty()
            st.error(f"The images were not added: {error}")
            return
    bar.empty()
    st.session_state["train_dataset"] = dataset.name
    st.success(f"Added {dataset.describe()}. Pick it in the form below and press **Train**.")
