import math

import torch
import torch.nn.functional as F

from vae_core.models.losses import (
    gaussian_log_density,
    kernel_matrix,
    kl_monte_carlo_per_image,
    kl_standard_normal_per_image,
    mmd,
    reconstruction_per_image,
)


def test_kl_of_standard_normal_is_zero():
    mu, logvar = torch.zeros(4, 3), torch.zeros(4, 3)
    assert torch.allclose(kl_standard_normal_per_image(mu, logvar), torch.zeros(4))


def test_kl_is_positive_away_from_prior():
    kl = kl_standard_normal_per_image(torch.tensor([[1.0, -2.0]]), torch.tensor([[0.5, -1.0]]))
    assert kl.item() > 0


def test_analytic_kl_matches_monte_carlo_and_torch():
    torch.manual_seed(0)
    mu = torch.tensor([[0.7, -1.2]])
    logvar = torch.tensor([[-0.5, 0.8]])
    n = 200_000
    z = mu + torch.exp(0.5 * logvar) * torch.randn(n, 2)
    mc = kl_monte_carlo_per_image(z, mu.expand(n, 2), logvar.expand(n, 2)).mean()
    analytic = kl_standard_normal_per_image(mu, logvar)[0]
    assert abs(mc.item() - analytic.item()) < 0.02
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(2), torch.ones(2))
    assert torch.allclose(torch.distributions.kl_divergence(q, p).sum(), analytic, atol=1e-6)


def test_gaussian_log_density_matches_torch():
    z, mu, logvar = torch.randn(5, 3), torch.randn(5, 3), torch.randn(5, 3)
    expected = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
    assert torch.allclose(gaussian_log_density(z, mu, logvar), expected, atol=1e-5)


def test_mmd_same_distribution_near_zero_and_shifted_large():
    torch.manual_seed(0)
    a, b = torch.randn(800, 2), torch.randn(800, 2)
    shifted = torch.randn(800, 2) + 2.0
    for kernel in ("rbf", "imq"):
        same = mmd(a, b, kernel).item()
        apart = mmd(a, shifted, kernel).item()
        assert abs(same) < 0.01, (kernel, same)
        assert apart > 0.3, (kernel, apart)


def test_kernel_values():
    x = torch.zeros(1, 2)
    y = torch.tensor([[1.0, 1.0]])  # squared distance 2; C = 2 * d * 1 = 4
    assert torch.allclose(kernel_matrix(x, y, "rbf"), torch.tensor([[math.exp(-0.5)]]))
    assert torch.allclose(kernel_matrix(x, y, "imq"), torch.tensor([[4.0 / 6.0]]))
    assert torch.allclose(
        kernel_matrix(x, y, "rbf", scales=(1.0, 2.0)),
        torch.tensor([[math.exp(-0.5) + math.exp(-2 / 16)]]),
    )


def test_bce_on_logits_equals_bce_on_probabilities():
    torch.manual_seed(0)
    logits = torch.randn(6, 1, 28, 28) * 3
    x = torch.rand(6, 1, 28, 28)
    ours = reconstruction_per_image(logits, x, "bernoulli")
    reference = F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="none").flatten(1).sum(1)
    assert torch.allclose(ours, reference, rtol=1e-4)


def test_bce_on_logits_stays_finite_for_extreme_logits():
    logits = torch.full((1, 1, 28, 28), 200.0)
    x = torch.zeros(1, 1, 28, 28)
    value = reconstruction_per_image(logits, x, "bernoulli")
    assert torch.isfinite(value).all() and value.item() > 1e4


def test_gaussian_fixed_and_learned_match_normal_log_prob():
    logits, x = torch.randn(3, 1, 28, 28), torch.rand(3, 1, 28, 28)
    mean = torch.sigmoid(logits)
    expected = -torch.distributions.Normal(mean, 0.2).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(
        reconstruction_per_image(logits, x, "gaussian", gaussian_std=0.2), expected, atol=1e-3
    )
    learned = reconstruction_per_image(
        logits, x, "gaussian_learned", log_std=torch.tensor(math.log(0.2))
    )
    assert torch.allclose(learned, expected, atol=1e-3)


def test_mse_and_l1():
    logits = torch.zeros(2, 1, 28, 28)  # sigmoid -> 0.5 everywhere
    x = torch.ones(2, 1, 28, 28)
    assert torch.allclose(reconstruction_per_image(logits, x, "mse"), torch.full((2,), 784 * 0.25))
    assert torch.allclose(reconstruction_per_image(logits, x, "l1"), torch.full((2,), 784 * 0.5))
