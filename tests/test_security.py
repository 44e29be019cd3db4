"""Loading paths never unpickle, and names from users never leave the store."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.browser import ROOT
from vae_core.store import CheckpointError, resolve_checkpoint

SOURCES = sorted((ROOT / "vae_core").glob("*.py")) + sorted((ROOT / "pages").glob("*.py")) + [ROOT / "explorer_app.py"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_unpickling_anywhere(path: Path):
    source = path.read_text()
    assert not re.search(r"^\s*(import pickle|from pickle|import dill|import joblib)", source, re.M), "pickle-family import"
    for call in re.findall(r"torch\.load\([^)]*\)", source):
        assert "weights_only=True" in call, call
    assert "allow_pickle=True" not in source
    assert not re.search(r"np\.load\((?![^)]*allow_pickle=False)", source), "np.load without allow_pickle=False"


def test_saved_numpy_caches_refuse_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, embedding=np.array([object()], dtype=object))
    with pytest.raises(ValueError):
        np.load(path, allow_pickle=False)["embedding"]


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "..", "a/../../b", "/abs/path", "C:\\\\windows", "name\x00.txt", ".hidden", "x" * 200, "%2e%2e"]
)
def test_checkpoint_names_from_urls_cannot_escape(tmp_path, name):
    with pytest.raises(CheckpointError):
        resolve_checkpoint(name, [tmp_path])
