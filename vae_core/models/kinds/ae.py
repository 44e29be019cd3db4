"""The plain autoencoder: reconstruction only, a point code and no prior at all."""

from __future__ import annotations

from dataclasses import dataclass

from vae_core.models.kinds.base import Diagram, ModelKind


@dataclass(frozen=True)
class PointKind(ModelKind):
    def stochastic_encoder(self, config) -> bool:
        return False


KIND = PointKind(
    name="ae",
    objective="ae",
    label="Autoencoder",
    summary="No prior at all: reconstruction only, codes wherever they fall.",
    order=3,
    diagram=Diagram(
        code="code z(x)",
        sample="z",
        loss="loss = reconstruction  — no prior: codes fall wherever they help",
    ),
)
