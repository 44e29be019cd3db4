"""Families of models that differ in one weight: β for the VAE, λ for the MMD-VAE.

The β / λ page slides along a family. Members use a smaller network than the other
shipped models (hidden widths 256 and 128) and a short schedule, so that the MNIST families ship
with the repository and a class can fill another dataset's family in a few minutes;
each member is trained on demand through the store (and so only once per server).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.models.kinds import MMD_VAE, VAE
from vae_core.store.checkpoints import checkpoint_name, find_checkpoint

BETAS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
LAMBDAS = (10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0)
FAMILY_EPOCHS = 10
FAMILY_NETWORK = (256, 128)  # hidden widths of every member


@dataclass(frozen=True)
class Family:
    key: str  # "beta" | "lambda"
    title: str
    symbol: str
    values: tuple[float, ...]
    base: ModelConfig
    field: str  # the ModelConfig field that varies

    def configs(self, dataset: str, value: float) -> tuple[ModelConfig, TrainConfig]:
        model = dataclasses.replace(self.base, **{self.field: float(value)})
        train = TrainConfig(dataset=dataset, epochs=FAMILY_EPOCHS, lr_schedule="cosine", seed=0)
        return model, train

    def stored_name(self, dataset: str, value: float) -> str | None:
        """The checkpoint name of this member if it is in the store."""
        path = find_checkpoint(*self.configs(dataset, value))
        return path.name if path is not None else None

    def name(self, dataset: str, value: float) -> str:
        return checkpoint_name(*self.configs(dataset, value))


FAMILIES = {
    "beta": Family(
        "beta",
        "VAE with weight β on the KL term",
        "β",
        BETAS,
        ModelConfig(**VAE.config_fields(hidden_sizes=FAMILY_NETWORK)),
        "beta",
    ),
    "lambda": Family(
        "lambda",
        "MMD-VAE with weight λ on the MMD term",
        "λ",
        LAMBDAS,
        ModelConfig(**MMD_VAE.config_fields(hidden_sizes=FAMILY_NETWORK, mmd_kernel="imq")),
        "mmd_weight",
    ),
}
