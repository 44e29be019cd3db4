"""What a model kind is: one object that owns everything that sets it apart.

The rest of the library and the app ask a kind (``config.kind``), never compare its name:
its objective (the regulariser added to the reconstruction), its encoder (a Gaussian
q(z|x) or a point), whether it decodes a chosen class, its label, the options it accepts,
and the block diagram that explains it. A kind is a frozen dataclass; a kind with its own
behaviour subclasses :class:`ModelKind` and overrides the methods below; their ``config`` is a
:class:`vae_core.models.config.ModelConfig` (which imports this registry, so it is not
imported here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Diagram:
    """The kind's block diagram, as :func:`vae_core.viz.vae_diagram` draws it."""

    code: str  # what the encoder outputs, e.g. "μ(x), σ(x)"
    sample: str  # how the decoder's input is drawn from it, e.g. "z = μ + σ·ε"
    loss: str  # the objective in one line


@dataclass(frozen=True)
class ModelKind:
    """One choice of model, as users see it, and the behaviour that goes with it."""

    name: str  # how the command line, links and the catalogue spell it, e.g. "beta-vae"
    objective: str  # the ModelConfig.model value it trains (what checkpoints store), e.g. "vae"
    label: str  # what pickers, tables and figures call it
    summary: str  # one sentence for someone who has not met it
    order: int  # its place in pickers, tables and the command line's help
    diagram: Diagram
    overrides: tuple[
        tuple[str, object], ...
    ] = ()  # ModelConfig fields the kind fixes (β-VAE: beta = 4)
    settings: tuple[
        str, ...
    ] = ()  # ModelConfig fields a user tunes for this kind (the forms show only these)
    conditional: bool = False  # decodes a chosen class (the encoder and decoder see the label)
    weight_field: str = "beta"  # the ModelConfig field pickers sort its models by
    min_batch_size: int = 1  # the smallest batch its objective is defined on
    divergence_hint: str = ""  # added to "lower the learning rate" when a training diverges

    def config_fields(self, **fields) -> dict:
        """ModelConfig keyword arguments for this kind: its objective, its defaults, then
        ``fields``."""
        return {"model": self.objective, **dict(self.overrides), **fields}

    def claims(self, config) -> bool:
        """True when ``config`` trains this kind."""
        return config.model == self.objective

    def check(self, config) -> None:
        """ValueError for an option this kind does not take."""
        if config.stochastic_encoder:
            raise ValueError(
                f"stochastic_encoder is not an option of the {self.label} (its encoder is fixed)"
            )

    def stochastic_encoder(self, config) -> bool:
        """True when the encoder outputs a Gaussian q(z|x) rather than a point."""
        return True

    def regulariser(self, config, output, terms: dict, reg_scale: float) -> torch.Tensor | float:
        """What the objective adds to the reconstruction term for one batch (a batch mean);
        ``terms`` holds the batch's terms so far (``kl`` for Gaussian encoders) and takes any
        new one. ``reg_scale`` ramps the regulariser during warm-up."""
        return 0.0

    def describe(self, config) -> str:
        """Its label, with the weight that sets it apart where there is one."""
        return self.label

    def weight(self, config) -> float:
        return float(getattr(config, self.weight_field))
