"""Shared fixtures: small CPU configs and an isolated checkpoint store per test."""

from __future__ import annotations

import pytest
import torch

from vae_core import ModelConfig, TrainConfig

torch.set_num_threads(2)

TINY_TRAIN = TrainConfig(epochs=1, batch_size=64, train_subset=512, test_subset=256, seed=0)
TINY_MODEL = ModelConfig(hidden_sizes=(32,))


@pytest.fixture(autouse=True)
def isolated_store(tmp_path_factory, monkeypatch):
    """Run-time checkpoints and imported datasets go to fresh folders; shipped ones stay
    readable."""
    store = tmp_path_factory.mktemp("store")
    monkeypatch.setenv("VAE_EXPLORER_STORE", str(store))
    monkeypatch.setenv("VAE_EXPLORER_DATA", str(tmp_path_factory.mktemp("datasets")))
    return store


@pytest.fixture
def tiny_model_config() -> ModelConfig:
    return TINY_MODEL


@pytest.fixture
def tiny_train_config() -> TrainConfig:
    return TINY_TRAIN


@pytest.fixture(scope="session")
def trained_tiny():
    """One tiny VAE trained once per session (a few seconds)."""
    from vae_core import train

    return train(
        TINY_MODEL, TrainConfig(epochs=2, batch_size=64, train_subset=2048, test_subset=512)
    )


@pytest.fixture
def viewport() -> dict:
    """The browser window of the browser tests (a module may override it)."""
    return {"width": 1400, "height": 1100}


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium per test module (tests/drivers/browser.py says how it is started)."""
    from tests.drivers.browser import browser

    with browser() as instance:
        yield instance


@pytest.fixture
def page(chromium, viewport):
    """A fresh browser context per test; an uncaught error in the page fails the test."""
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors
