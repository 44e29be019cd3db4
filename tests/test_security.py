"""Loading paths never unpickle, and names from users never leave the store."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.drivers.browser import ROOT
from vae_core.store.checkpoints import CheckpointError, resolve_checkpoint

SOURCES = (
    sorted((ROOT / "vae_core").glob("*.py"))
    + sorted((ROOT / "pages").glob("*.py"))
    + [ROOT / "explorer_app.py"]
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_unpickling_anywhere(path: Path):
    source = path.read_text()
    assert not re.search(
        r"^\s*(import pickle|from pickle|import dill|import joblib)", source, re.M
    ), "pickle-family import"
    for call in re.findall(r"torch\.load\([^)]*\)", source):
        assert "weights_only=True" in call, call
    assert "allow_pickle=True" not in source
    assert not re.search(r"np\.load\((?![^)]*allow_pickle=False)", source), (
        "np.load without allow_pickle=False"
    )


def _pickled_npz(path: Path, key: str) -> None:
    """An .npz whose array holds Python objects: reading it back needs unpickling."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{key: np.array([{"payload": 1}], dtype=object)})


def test_replay_reader_refuses_pickled_objects(tmp_path):
    from vae_core.store.replay import REPLAY_FILE, read_replay

    _pickled_npz(tmp_path / REPLAY_FILE, "codes")
    assert read_replay(tmp_path) is None


def test_projection_cache_refuses_pickled_objects(tmp_path, monkeypatch):
    from vae_core.analysis import projections

    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(tmp_path))
    inputs = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
    path = projections._cache_path(inputs, projections.Projector("pca"))
    _pickled_npz(path, "embedding")
    assert projections.lookup(inputs, "pca") is None  # ignored, never unpickled
    assert projections.project(inputs, "pca").embedding.shape == (20, 2)  # and recomputed


@pytest.mark.parametrize(
    "name",
    [
        "../outside",
        "../../etc/passwd",
        "..",
        "a/b",
        "a/../../outside",
        "/abs/path",
        "C:\\\\windows",
        "name\x00.txt",
        ".hidden",
        "",
        "x" * 200,
        "%2e%2e",
        "..%2f",
    ],
)
def test_checkpoint_names_from_urls_cannot_escape(tmp_path, name):
    store = tmp_path / "store"
    for folder in (store / "a" / "b", store / ".hidden", tmp_path / "outside"):
        folder.mkdir(parents=True)  # each would be found if the name were joined unchecked
    with pytest.raises(CheckpointError):
        resolve_checkpoint(name, [store])
