"""The VAE: reconstruction plus KL(q(z|x) ‖ N(0, I)), the negative evidence lower bound
(Kingma & Welling, "Auto-Encoding Variational Bayes", 2014)."""

from __future__ import annotations

from dataclasses import dataclass

from vae_core.models.kinds.base import Diagram, ModelKind, Setting

BETA = Setting(
    name="beta",
    label="β (weight of the KL term)",
    help=(
        "How hard each code is pulled towards the prior: above 1 harder (smoother maps, blurrier "
        "images), below 1 softer."
    ),
    default=1.0,
    low=0.0,
    form_high=100.0,
    step=0.25,
)

GAUSSIAN_DIAGRAM = Diagram(
    code="μ(x), σ(x)",
    sample="z = μ + σ·ε",
    loss=(
        "loss = reconstruction + β · KL( q(z|x) ‖ N(0, I) )  — every code is pulled towards the "
        "prior"
    ),
)


@dataclass(frozen=True)
class KLKind(ModelKind):
    """A Gaussian encoder whose KL term to the prior, weighted by β, is the regulariser."""

    def regulariser(self, config, output, terms, reg_scale):
        # recon + β · KL(q(z|x) ‖ p(z))  (Higgins et al., "β-VAE", ICLR 2017; β = 1 is the ELBO)
        return reg_scale * config.beta * terms["kl"]


@dataclass(frozen=True)
class ELBOKind(KLKind):
    def claims(self, config) -> bool:
        return super().claims(config) and config.beta == 1.0  # with β != 1 it is a β-VAE


KIND = ELBOKind(
    name="vae",
    objective="vae",
    label="VAE (ELBO)",
    summary="Maximises the evidence lower bound: reconstruction plus KL(q(z|x) ‖ N(0, I)).",
    order=0,
    diagram=GAUSSIAN_DIAGRAM,
)
