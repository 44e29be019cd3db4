import pytest

from vae_core.models.config import ModelConfig
from vae_core.models.kinds import KINDS, OBJECTIVES, describe, get_kind, kind_of


def test_every_objective_has_a_plain_kind_and_every_kind_builds_a_config():
    assert set(OBJECTIVES) == {"vae", "mmd_vae", "ae", "cvae"}
    for kind in KINDS.values():
        config = ModelConfig(**kind.config_fields())
        assert kind_of(config) is kind, kind.name
        assert kind.label and kind.summary.endswith(".")
        assert all(hasattr(config, name) for name in kind.settings)


def test_a_vae_with_another_beta_is_a_beta_vae():
    assert kind_of(ModelConfig(model="vae", beta=1.0)).name == "vae"
    assert kind_of(ModelConfig(model="vae", beta=0.5)).name == "beta-vae"
    assert get_kind("beta-vae").config_fields() == {"model": "vae", "beta": 4.0}
    assert get_kind("beta-vae").config_fields(beta=2.0)["beta"] == 2.0


def test_labels_carry_the_weight_that_sets_a_kind_apart():
    assert describe(ModelConfig(model="vae", beta=4.0)) == "β-VAE (β=4)"
    assert describe(ModelConfig(model="mmd_vae", mmd_weight=300.0)) == "MMD-VAE (λ=300)"
    assert describe(ModelConfig(model="cvae")) == "Conditional VAE"
    assert ModelConfig(model="ae").label == "Autoencoder"


def test_spellings_and_unknown_kinds():
    assert get_kind("beta_vae") is get_kind("Beta-VAE") is KINDS["beta-vae"]
    with pytest.raises(ValueError, match="choose one of vae, beta-vae, mmd-vae, ae, cvae"):
        get_kind("gan")
