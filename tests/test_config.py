import dataclasses

import pytest

from vae_core.models.config import (
    ModelConfig,
    TrainConfig,
    config_from_dict,
    config_key,
    config_to_dict,
)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"latent_dim": 0},
        {"latent_dim": -3},
        {"latent_dim": 1.5},
        {"beta": -1.0},
        {"mmd_weight": -0.1},
        {"beta": float("nan")},
        {"model": "gan"},
        {"architecture": "resnet"},
        {"likelihood": "poisson"},
        {"hidden_sizes": (0,)},
        {"kernel_scales": ()},
        {"stochastic_encoder": True},  # only for mmd_vae
    ],
)
def test_invalid_model_config_raises(kwargs):
    with pytest.raises(ValueError):
        ModelConfig(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"epochs": 0},
        {"batch_size": 0},
        {"learning_rate": 0.0},
        {"learning_rate": -1e-3},
        {"dataset": "cifar"},
        {"seed": -1},
    ],
)
def test_invalid_train_config_raises(kwargs):
    with pytest.raises(ValueError):
        TrainConfig(**kwargs)


def test_configs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ModelConfig().latent_dim = 3


def test_key_is_stable_and_sensitive():
    base = config_key(ModelConfig(), TrainConfig())
    assert base == config_key(ModelConfig(), TrainConfig())
    assert len(base) == 12
    assert base != config_key(dataclasses.replace(ModelConfig(), beta=2.0), TrainConfig())
    assert base != config_key(ModelConfig(), dataclasses.replace(TrainConfig(), seed=1))


def test_dict_round_trip_and_unknown_keys():
    config = ModelConfig(hidden_sizes=(512, 256), kernel_scales=(0.5, 1.0))
    data = config_to_dict(config)
    assert data["hidden_sizes"] == [512, 256]
    assert config_from_dict(ModelConfig, data) == config
    with pytest.raises(ValueError, match="unknown ModelConfig keys: colour"):
        config_from_dict(ModelConfig, {**data, "colour": "red"})


def test_labels_and_capabilities():
    assert ModelConfig(beta=4.0).label == "β-VAE (β=4)"
    assert ModelConfig(model="mmd_vae").has_stochastic_encoder is False
    assert ModelConfig(model="mmd_vae", stochastic_encoder=True).has_stochastic_encoder is True
    assert ModelConfig(likelihood="mse").has_elbo is False
    assert ModelConfig(model="ae").has_elbo is False
