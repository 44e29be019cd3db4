"""The model kinds, in one registry.

A kind is what a user picks ("β-VAE"); each lives in its own module of this package as
``KIND`` and is found there, so adding a kind is adding a module (or, from outside the
package, calling :func:`register`). The command line, the app's forms and pickers, the
shipped catalogue, the losses, the trainer and the figures all ask the kind of a config
(``config.kind``) and never compare names.
"""

from __future__ import annotations

import importlib
import pkgutil

from vae_core.data.registry import Registry
from vae_core.models.kinds.base import COMMON_TERMS, Diagram, LossTerm, ModelKind, Setting

__all__ = [
    "KINDS",
    "Diagram",
    "LossTerm",
    "ModelKind",
    "Setting",
    "all_settings",
    "get_kind",
    "kind_of",
    "loss_terms",
    "objectives",
    "register",
    "unregister",
]

KINDS: Registry[ModelKind] = Registry("a model kind")  # name -> kind, in their order
register, unregister = KINDS.register, KINDS.unregister


def objectives() -> tuple[str, ...]:
    """The ModelConfig.model values the registered kinds train (vae, mmd_vae, ae, cvae)."""
    return tuple(dict.fromkeys(kind.objective for kind in KINDS.values()))


def all_settings() -> dict[str, Setting]:
    """Every registered kind's settings by name, in the kinds' order (a setting two kinds share,
    as β, is one object)."""
    found: dict[str, Setting] = {}
    for kind in KINDS.values():
        for setting in kind.settings:
            found.setdefault(setting.name, setting)
    return found


def loss_terms() -> dict[str, LossTerm]:
    """Every term an objective can report, by key: the common ones, then each kind's own."""
    terms = {term.name: term for term in COMMON_TERMS}
    for kind in KINDS.values():
        for term in kind.loss_terms:
            terms.setdefault(term.name, term)
    return terms


def kind_of(model_config) -> ModelKind:
    """The kind a ModelConfig trains (a "vae" with β != 1 is a β-VAE)."""
    for kind in KINDS.values():
        if kind.claims(model_config):
            return kind
    raise ValueError(f"no model kind trains model={model_config.model!r}")


def get_kind(name: str) -> ModelKind:
    """The kind spelled ``name`` ("beta-vae", or "beta_vae"); ValueError naming the choices
    otherwise."""
    key = str(name).strip().lower().replace("_", "-")
    if key not in KINDS:
        raise ValueError(f"unknown model kind {name!r}: choose one of {', '.join(KINDS)}")
    return KINDS[key]


for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        register(importlib.import_module(f"{__name__}.{_module.name}").KIND)

VAE, BETA_VAE, MMD_VAE, AE, CVAE = (
    KINDS[name] for name in ("vae", "beta-vae", "mmd-vae", "ae", "cvae")
)
