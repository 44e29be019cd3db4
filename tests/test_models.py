import pytest
import torch

from vae_core import ModelConfig, build_model
from vae_core.models.losses import model_loss

CASES = [
    ModelConfig(hidden_sizes=(32,)),
    ModelConfig(hidden_sizes=(64, 32), latent_dim=5),
    ModelConfig(architecture="conv", hidden_sizes=(32,), conv_channels=(8, 16)),
    ModelConfig(architecture="conv", hidden_sizes=(), conv_channels=(8,), latent_dim=1),
    ModelConfig(model="mmd_vae", hidden_sizes=(32,)),
    ModelConfig(model="mmd_vae", hidden_sizes=(32,), stochastic_encoder=True, mmd_kernel="imq"),
    ModelConfig(model="ae", hidden_sizes=(32,), likelihood="mse"),
    ModelConfig(model="cvae", hidden_sizes=(32,)),
    ModelConfig(model="cvae", architecture="conv", hidden_sizes=(16,), conv_channels=(8, 16)),
    ModelConfig(hidden_sizes=(32,), likelihood="gaussian_learned"),
]


@pytest.mark.parametrize(
    "config", CASES, ids=lambda c: f"{c.model}-{c.architecture}-d{c.latent_dim}-{c.likelihood}"
)
def test_shapes_ranges_and_named_outputs(config):
    torch.manual_seed(0)
    model = build_model(config)
    x = torch.rand(6, 1, 28, 28)
    y = torch.arange(6) if config.is_conditional else None
    mu, logvar = model.encode(x, y)
    assert mu.shape == (6, config.latent_dim)
    assert (logvar is None) == (not config.has_stochastic_encoder)
    if logvar is not None:
        assert logvar.shape == mu.shape
    images = model.decode(torch.randn(6, config.latent_dim), y)
    assert images.shape == (6, 1, 28, 28)
    assert images.min() >= 0 and images.max() <= 1
    output = model(x, y)
    assert output.z.shape == (6, config.latent_dim)
    terms = model_loss(config, output, x, model.log_std)
    assert torch.isfinite(terms["loss"])
    assert ("kl" in terms) == config.has_stochastic_encoder
    assert ("mmd" in terms) == (config.model == "mmd_vae")


def test_conditional_model_requires_valid_labels():
    model = build_model(ModelConfig(model="cvae", hidden_sizes=(16,)))
    with pytest.raises(ValueError, match="needs class labels"):
        model.encode(torch.rand(2, 1, 28, 28))
    with pytest.raises(ValueError, match="0..9"):
        model.decode(torch.zeros(1, 2), torch.tensor([10]))
    # One label broadcasts over the batch: the same class for every z.
    assert model.decode(torch.zeros(3, 2), torch.tensor(4)).shape == (3, 1, 28, 28)


def test_conditional_decoder_depends_on_the_class():
    torch.manual_seed(0)
    model = build_model(ModelConfig(model="cvae", hidden_sizes=(16,)))
    z = torch.zeros(1, 2)
    assert not torch.allclose(
        model.decode(z, torch.tensor([1])), model.decode(z, torch.tensor([7]))
    )


def test_reparameterize_has_the_right_moments():
    torch.manual_seed(0)
    mu = torch.full((100_000, 1), 2.0)
    logvar = torch.full((100_000, 1), 2 * torch.log(torch.tensor(0.5)).item())
    z = build_model(ModelConfig()).reparameterize(mu, logvar)
    assert abs(z.mean().item() - 2.0) < 0.01
    assert abs(z.std().item() - 0.5) < 0.01
