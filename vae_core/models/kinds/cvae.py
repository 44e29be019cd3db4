"""The conditional VAE: encoder and decoder are told the class, so the code is free to hold
style (Sohn, Lee & Yan, "Learning Structured Output Representation using Deep Conditional
Generative Models", NeurIPS 2015)."""

from __future__ import annotations

from vae_core.models.kinds.base import Diagram
from vae_core.models.kinds.vae import KLKind

KIND = KLKind(
    name="cvae",
    objective="cvae",
    label="Conditional VAE",
    summary="A VAE told the class: the code is free to hold style instead of identity.",
    order=4,
    diagram=Diagram(
        code="μ(x, y), σ(x, y)",
        sample="z = μ + σ·ε",
        loss=(
            "loss = reconstruction of x given (z, y) + β · KL( q(z|x, y) ‖ N(0, I) )  — the class "
            "y is given"
        ),
    ),
    conditional=True,
)
