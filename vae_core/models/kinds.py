"""The model kinds the explorer trains, in one registry.

A kind is what a user picks ("β-VAE"); its objective is what ``ModelConfig.model``
stores ("vae" with β != 1). The command line, the app's forms and pickers, the shipped
catalogue and every label read this registry, so a kind is added or renamed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelKind:
    """One choice of model, as users see it."""

    name: str  # how the command line, links and the catalogue spell it: vae | beta-vae | mmd-vae | ae | cvae
    objective: str  # the ModelConfig.model it trains: vae | mmd_vae | ae | cvae
    label: str  # what pickers, tables and figures call it
    summary: str  # one sentence for someone who has not met it
    overrides: tuple[tuple[str, object], ...] = ()  # ModelConfig fields the kind fixes (beta-vae: beta = 4)
    settings: tuple[str, ...] = ()  # ModelConfig fields a user tunes for this kind (the forms show only these)

    def config_fields(self, **fields) -> dict:
        """ModelConfig keyword arguments for this kind: its objective, its defaults, then ``fields``."""
        return {"model": self.objective, **dict(self.overrides), **fields}


KINDS: dict[str, ModelKind] = {
    kind.name: kind
    for kind in (
        ModelKind("vae", "vae", "VAE (ELBO)", "Maximises the evidence lower bound: reconstruction plus KL(q(z|x) ‖ N(0, I))."),
        ModelKind(
            "beta-vae",
            "vae",
            "β-VAE",
            "A VAE whose KL term is weighted by β: above 1 it pulls codes harder towards the prior.",
            overrides=(("beta", 4.0),),
            settings=("beta",),
        ),
        ModelKind(
            "mmd-vae",
            "mmd_vae",
            "MMD-VAE (InfoVAE)",
            "Asks only that the cloud of all codes matches N(0, I), measured by the maximum mean discrepancy.",
            settings=("mmd_weight", "mmd_kernel"),
        ),
        ModelKind("ae", "ae", "Autoencoder", "No prior at all: reconstruction only, codes wherever they fall."),
        ModelKind("cvae", "cvae", "Conditional VAE", "A VAE told the class: the code is free to hold style instead of identity."),
    )
}
OBJECTIVES = tuple(dict.fromkeys(kind.objective for kind in KINDS.values()))  # vae, mmd_vae, ae, cvae


def kind_of(model_config) -> ModelKind:
    """The kind a ModelConfig trains: a "vae" with β != 1 is a β-VAE."""
    if model_config.model == "vae" and model_config.beta != 1.0:
        return KINDS["beta-vae"]
    return next(kind for kind in KINDS.values() if kind.objective == model_config.model and not kind.overrides)


def get_kind(name: str) -> ModelKind:
    """The kind spelled ``name`` ("beta-vae", or "beta_vae"); ValueError naming the choices otherwise."""
    key = str(name).strip().lower().replace("_", "-")
    if key not in KINDS:
        raise ValueError(f"unknown model kind {name!r}: choose one of {', '.join(KINDS)}")
    return KINDS[key]


def describe(model_config) -> str:
    """Short label with the weight that sets the kind apart, e.g. 'β-VAE (β=4)' or 'MMD-VAE (λ=300)'."""
    kind = kind_of(model_config)
    if kind.name == "beta-vae":
        return f"β-VAE (β={model_config.beta:g})"
    if kind.name == "mmd-vae":
        return f"MMD-VAE (λ={model_config.mmd_weight:g})"
    return kind.label
