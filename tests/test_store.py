import dataclasses
import errno
import importlib
import json
import os

import pytest
import torch

from vae_core import CheckpointError, CheckpointWriteError, list_checkpoints, load_model, save_model
from vae_core.store.checkpoints import checkpoint_name, resolve_checkpoint

store_module = importlib.import_module("vae_core.store.checkpoints")


@pytest.fixture
def saved(trained_tiny, tmp_path):
    history = [r.to_dict() for r in trained_tiny.history]
    path = save_model(
        trained_tiny.model, trained_tiny.train_config, tmp_path, {"test": {"loss": 1.0}}, history
    )
    return path


def test_round_trip_is_exact(trained_tiny, saved):
    loaded = load_model(saved)
    assert loaded.config == trained_tiny.model.config
    assert loaded.train_config == trained_tiny.train_config
    assert not loaded.training
    for (name, a), b in zip(trained_tiny.model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), name
    z = torch.randn(4, 2)
    assert torch.equal(trained_tiny.model.decode(z), loaded.decode(z))
    assert sorted(p.name for p in saved.iterdir()) == [
        "config.json",
        "history.json",
        "metrics.json",
        "model.safetensors",
    ]
    assert saved.name == checkpoint_name(trained_tiny.model.config, trained_tiny.train_config)


def test_half_precision_storage_is_close_and_smaller(trained_tiny, tmp_path):
    full = save_model(trained_tiny.model, trained_tiny.train_config, tmp_path / "full")
    half = save_model(trained_tiny.model, trained_tiny.train_config, tmp_path / "half", half=True)
    assert (half / "model.safetensors").stat().st_size < 0.6 * (
        full / "model.safetensors"
    ).stat().st_size
    z = torch.randn(8, 2)
    assert torch.allclose(load_model(half).decode(z), trained_tiny.model.decode(z), atol=5e-3)


def test_saving_again_replaces_atomically(trained_tiny, saved):
    again = save_model(
        trained_tiny.model, trained_tiny.train_config, saved.parent, {"test": {"loss": 2.0}}
    )
    assert again == saved
    assert json.loads((saved / "metrics.json").read_text())["test"]["loss"] == 2.0
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


def _edit_config(path, **changes):
    header = json.loads((path / "config.json").read_text())
    header.update(changes)
    (path / "config.json").write_text(json.dumps(header))
    return header


@pytest.mark.parametrize(
    "damage,message",
    [
        (
            lambda p: (p / "model.safetensors").write_bytes(
                (p / "model.safetensors").read_bytes()[:1000]
            ),
            "unreadable or truncated",
        ),
        (lambda p: (p / "model.safetensors").write_bytes(b""), "unreadable or truncated"),
        (lambda p: (p / "model.safetensors").unlink(), "weights file model.safetensors is missing"),
        (lambda p: (p / "config.json").unlink(), "config file config.json is missing"),
        (lambda p: (p / "config.json").write_text("{not json"), "unreadable config"),
        (
            lambda p: (p / "config.json").write_text("[1, 2]"),
            "not a VAE Latent Explorer checkpoint",
        ),
        (lambda p: _edit_config(p, format_version=99), "format version 99 is not supported"),
        (
            lambda p: _edit_config(
                p, model={**json.loads((p / "config.json").read_text())["model"], "colour": 1}
            ),
            "unknown ModelConfig keys: colour",
        ),
        (
            lambda p: _edit_config(
                p, model={**json.loads((p / "config.json").read_text())["model"], "latent_dim": -1}
            ),
            "invalid config",
        ),
        (
            lambda p: _edit_config(
                p,
                model={
                    **json.loads((p / "config.json").read_text())["model"],
                    "hidden_sizes": [64],
                },
            ),
            "does not match its key",
        ),
    ],
    ids=[
        "truncated",
        "empty",
        "no-weights",
        "no-config",
        "bad-json",
        "foreign-json",
        "version",
        "unknown-key",
        "invalid-value",
        "edited",
    ],
)
def test_damaged_checkpoints_raise_a_clear_error(saved, damage, message):
    damage(saved)
    with pytest.raises(CheckpointError, match=message):
        load_model(saved)


def test_wrong_tensor_shapes_are_reported(saved):
    from safetensors.torch import load_file, save_file

    state = load_file(str(saved / "model.safetensors"))
    name = next(iter(state))
    state[name] = torch.zeros(3, 3)
    save_file(state, str(saved / "model.safetensors"))
    with pytest.raises(CheckpointError, match=f"tensor {name} has shape"):
        load_model(saved)


def test_not_a_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="not a checkpoint folder"):
        load_model(tmp_path / "nothing-here")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(CheckpointError, match="not a checkpoint folder"):
        load_model(tmp_path / "file.txt")
    with pytest.raises(CheckpointError, match="config file config.json is missing"):
        load_model(tmp_path)


def test_listing_skips_damaged_checkpoints_with_a_warning(trained_tiny, saved, caplog):
    other = save_model(
        trained_tiny.model, dataclasses.replace(trained_tiny.train_config, seed=5), saved.parent
    )
    (other / "config.json").write_text("garbage")
    (saved.parent / ".tmp-half-written").mkdir()
    infos = list_checkpoints([saved.parent])
    assert [i.path for i in infos] == [saved]
    assert any("skipping" in r.message for r in caplog.records)


def test_resolve_finds_a_checkpoint_by_its_folder_name(saved):
    assert resolve_checkpoint(saved.name, [saved.parent]) == saved


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_store_raises_write_error(trained_tiny, tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(CheckpointWriteError):
            save_model(trained_tiny.model, trained_tiny.train_config, tmp_path / "sub")
    finally:
        tmp_path.chmod(0o700)


def test_read_only_store_via_failing_mkdir(monkeypatch, trained_tiny, tmp_path):
    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store_module.Path, "mkdir", read_only)
    with pytest.raises(CheckpointWriteError, match="Read-only file system"):
        save_model(trained_tiny.model, trained_tiny.train_config, tmp_path / "store")


def test_zip_download_unpacks_to_a_loadable_checkpoint(saved, tmp_path):
    import io
    import zipfile

    from vae_core.store.checkpoints import zip_checkpoint

    data = zip_checkpoint(saved)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path / "unzipped")
    loaded = load_model(tmp_path / "unzipped" / saved.name)
    assert loaded.config == load_model(saved).config


def test_replay_round_trip_and_damage(trained_tiny, tmp_path):
    import numpy as np

    from vae_core.store.replay import REPLAY_FILE, read_replay

    codes = np.random.default_rng(0).standard_normal((3, 100, 2)).astype(np.float32)
    path = save_model(trained_tiny.model, trained_tiny.train_config, tmp_path, replay=codes)
    assert np.allclose(read_replay(path), codes, atol=2e-3)
    (path / REPLAY_FILE).write_bytes(b"not numpy")
    assert read_replay(path) is None
    assert load_model(path).config == trained_tiny.model.config  # a bad replay never blocks loading


def test_a_store_folder_is_probed_once_a_minute_not_on_every_look_up(tmp_path, monkeypatch):
    import vae_core.store.checkpoints as store

    probes = []
    real = store.tempfile.NamedTemporaryFile
    monkeypatch.setattr(
        store.tempfile, "NamedTemporaryFile", lambda **kw: probes.append(kw) or real(**kw)
    )
    clock = [100.0]
    monkeypatch.setattr(store.time, "monotonic", lambda: clock[0])
    folder = tmp_path / "store"
    assert store._writable(folder) and store._writable(folder) and folder.is_dir()
    assert len(probes) == 1
    clock[0] += store._PROBE_SECONDS + 1
    assert store._writable(folder) and len(probes) == 2
    (tmp_path / "file.txt").write_text("a file, not a folder")
    assert not store._writable(tmp_path / "file.txt" / "below")
    # a failure is asked again next time
    assert str(tmp_path / "file.txt" / "below") not in store._probed
