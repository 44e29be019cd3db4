from pathlib import Path

from vae_core.data.paths import (
    PROJECT_ROOT,
    cache_dir,
    shipped_checkpoints_dir,
    shipped_data_dir,
    user_data_dir,
)


def test_defaults_are_the_repository_folders_and_the_user_cache(monkeypatch, tmp_path):
    for variable in (
        "VAE_EXPLORER_DATA",
        "VAE_EXPLORER_SHIPPED_DATA",
        "VAE_EXPLORER_CHECKPOINTS",
        "VAE_EXPLORER_CACHE",
    ):
        monkeypatch.delenv(variable, raising=False)
    assert (
        shipped_data_dir() == PROJECT_ROOT / "data"
        and (shipped_data_dir() / "MNIST" / "raw").is_dir()
    )
    assert shipped_checkpoints_dir() == PROJECT_ROOT / "checkpoints"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "vae-explorer"
    assert user_data_dir() == tmp_path / "vae-explorer" / "datasets"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "vae-explorer"


def test_environment_variables_move_every_location(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_EXPLORER_SHIPPED_DATA", str(tmp_path / "d"))
    monkeypatch.setenv("VAE_EXPLORER_DATA", str(tmp_path / "mine"))
    monkeypatch.setenv("VAE_EXPLORER_CHECKPOINTS", "~/ckpt")
    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(tmp_path / "c"))
    assert shipped_data_dir() == tmp_path / "d"
    assert user_data_dir() == tmp_path / "mine"
    assert shipped_checkpoints_dir() == Path.home() / "ckpt"  # ~ is expanded
    assert cache_dir() == tmp_path / "c"
