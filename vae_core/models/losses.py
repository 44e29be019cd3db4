"""Loss terms as pure functions.

Per-image helpers (``*_per_image``) return a value per example, shape [B], in nats
(summed over pixels / latent dimensions); :func:`model_loss` averages them over the
batch, so every reported number is "per image".
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from vae_core.models.config import ModelConfig

LOG_2PI = math.log(2.0 * math.pi)


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))) summed over the last dimension: [B, d] -> [B].

    log N = -1/2 * sum_j (log 2*pi + logvar_j + (z_j - mu_j)^2 / exp(logvar_j)).
    """
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def standard_normal_log_density(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) summed over the last dimension: [B, d] -> [B]."""
    return -0.5 * (LOG_2PI + z.pow(2)).sum(dim=-1)


def kl_standard_normal_per_image(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Analytic KL(N(mu, sigma^2) || N(0, I)): [B, d] -> [B].

    KL = 1/2 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)
    (Kingma & Welling, "Auto-Encoding Variational Bayes", 2014, Appendix B).
    """
    return 0.5 * (mu.pow(2) + torch.exp(logvar) - 1.0 - logvar).sum(dim=-1)


def kl_monte_carlo_per_image(
    z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> torch.Tensor:
    """Single-sample estimate log q(z|x) - log p(z) at z ~ q(z|x): [B, d] -> [B].

    Unbiased for the KL; together with log p(x|z) it is the ELBO batch estimate
    log p(x|z) + log p(z) - log q(z|x) of Kingma & Welling (2014), Eq. 6.
    """
    return gaussian_log_density(z, mu, logvar) - standard_normal_log_density(z)


def reconstruction_per_image(
    logits: torch.Tensor,
    x: torch.Tensor,
    likelihood: str,
    gaussian_std: float = 0.1,
    log_std: torch.Tensor | None = None,
) -> torch.Tensor:
    """Reconstruction loss per image: logits, x [B, C, H, W] -> [B].

    - ``bernoulli``: -log p(x|z) with p = sigmoid(logits), via BCE on logits, which
      is stable for large |logits| (log-sum-exp form); x may be continuous in [0, 1].
    - ``gaussian`` / ``gaussian_learned``: -log N(x; sigmoid(logits), sigma^2) with a
      fixed sigma or the model's learned ``log_std``.
    - ``mse``: sum of squared errors; ``l1``: sum of absolute errors (not densities).
    """
    if likelihood == "bernoulli":
        per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    else:
        mean = torch.sigmoid(logits)
        if likelihood == "mse":
            per_pixel = (mean - x).pow(2)
        elif likelihood == "l1":
            per_pixel = (mean - x).abs()
        elif likelihood in ("gaussian", "gaussian_learned"):
            if likelihood == "gaussian":
                log_std = torch.tensor(math.log(gaussian_std), device=x.device)
            elif log_std is None:
                raise ValueError("likelihood='gaussian_learned' needs the model's log_std")
            per_pixel = 0.5 * LOG_2PI + log_std + 0.5 * ((x - mean) * torch.exp(-log_std)).pow(2)
        else:
            raise ValueError(f"unknown likelihood {likelihood!r}")
    return per_pixel.flatten(start_dim=1).sum(dim=1)


def kernel_matrix(
    x: torch.Tensor, y: torch.Tensor, kernel: str = "rbf", bandwidth: float = 1.0, scales=(1.0,)
) -> torch.Tensor:
    """Kernel values between two samples: x [N, d], y [M, d] -> [N, M].

    With C = 2 * d * (bandwidth * scale)^2, summed over ``scales``:

    - rbf: k(x, y) = exp(-||x - y||^2 / C)   (for d = 2, bandwidth 1 this is the
      kernel of the InfoVAE reference code, exp(-mean((x - y)^2) / d))
    - imq: k(x, y) = C / (C + ||x - y||^2)   (Tolstikhin et al., "Wasserstein
      Auto-Encoders", 2018, Sec. 4: heavier tails give useful gradients far away)
    """
    dim = x.shape[-1]
    sq_dist = torch.cdist(x, y).pow(2)  # [N, M]
    total = torch.zeros_like(sq_dist)
    for scale in scales:
        c = 2.0 * dim * (bandwidth * scale) ** 2
        if kernel == "rbf":
            total = total + torch.exp(-sq_dist / c)
        elif kernel == "imq":
            total = total + c / (c + sq_dist)
        else:
            raise ValueError(f"unknown kernel {kernel!r}")
    return total


def mmd(
    x: torch.Tensor, y: torch.Tensor, kernel: str = "rbf", bandwidth: float = 1.0, scales=(1.0,)
) -> torch.Tensor:
    """Unbiased estimate of MMD^2 between samples x [N, d] and y [M, d] (scalar).

    MMD^2(p, q) = E[k(x, x')] + E[k(y, y')] - 2 E[k(x, y)]
    (Gretton et al., "A Kernel Two-Sample Test", JMLR 2012, Eq. 3); the within-sample
    means leave out the diagonal, so two samples of one distribution give ~0 (it can
    dip slightly below 0).
    """
    n, m = x.shape[0], y.shape[0]
    if n < 2 or m < 2:
        raise ValueError("MMD needs at least two points in each sample")
    k_xx = kernel_matrix(x, x, kernel, bandwidth, scales)
    k_yy = kernel_matrix(y, y, kernel, bandwidth, scales)
    k_xy = kernel_matrix(x, y, kernel, bandwidth, scales)
    xx = (k_xx.sum() - k_xx.diagonal().sum()) / (n * (n - 1))
    yy = (k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
    return xx + yy - 2.0 * k_xy.mean()


def model_loss(
    config: ModelConfig,
    output,
    x: torch.Tensor,
    log_std: torch.Tensor | None = None,
    reg_scale: float = 1.0,
) -> dict[str, torch.Tensor]:
    """All loss terms of one batch as batch means (nats per image).

    Keys: ``loss`` (what is minimised), ``recon``, and where defined ``kl``
    (stochastic encoders), ``neg_elbo`` (recon + kl, for density decoders) and the terms
    the kind's objective adds (``mmd`` for the MMD-VAE). ``reg_scale`` multiplies the
    regulariser during KL/MMD warm-up. The regulariser is the kind's
    (:meth:`vae_core.models.kinds.ModelKind.regulariser`):

    - VAE / CVAE:  recon + beta * KL(q(z|x) || p(z))            (Higgins et al. 2017)
    - MMD-VAE:     recon + lambda * MMD(q(z), p(z))             (Zhao et al., InfoVAE, 2019)
    - AE:          recon
    """
    recon = reconstruction_per_image(
        output.logits, x, config.likelihood, config.gaussian_std, log_std
    ).mean()
    terms: dict[str, torch.Tensor] = {"recon": recon}
    if output.logvar is not None:
        if config.kl_estimator == "monte_carlo":
            kl = kl_monte_carlo_per_image(output.z, output.mu, output.logvar).mean()
        else:
            kl = kl_standard_normal_per_image(output.mu, output.logvar).mean()
        terms["kl"] = kl
        if config.has_elbo:
            terms["neg_elbo"] = recon + kl
    terms["loss"] = recon + config.kind.regulariser(config, output, terms, reg_scale)
    return terms
