"""The β-VAE: a VAE whose KL term is weighted by β != 1 (Higgins et al., ICLR 2017).
It trains the VAE's objective; a VAE config with β != 1 is this kind."""

from __future__ import annotations

from dataclasses import dataclass

from vae_core.models.kinds.vae import BETA, GAUSSIAN_DIAGRAM, KLKind


@dataclass(frozen=True)
class BetaKind(KLKind):
    def claims(self, config) -> bool:
        return super().claims(config) and config.beta != 1.0

    def describe(self, config) -> str:
        return f"{self.label} (β={config.beta:g})"


KIND = BetaKind(
    name="beta-vae",
    objective="vae",
    label="β-VAE",
    summary=(
        "A VAE whose KL term is weighted by β: above 1 it pulls codes harder towards the prior."
    ),
    order=1,
    diagram=GAUSSIAN_DIAGRAM,
    overrides=(("beta", 4.0),),
    settings=(BETA,),
)
