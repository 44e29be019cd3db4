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

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Diagram:
    """The kind's block diagram, as :func:`vae_core.viz.vae_diagram` draws it."""

    code: str  # what the encoder outputs, e.g. "μ(x), σ(x)"
    sample: str  # how the decoder's input is drawn from it, e.g. "z = μ + σ·ε"
    loss: str  # the objective in one line


@dataclass(frozen=True)
class Setting:
    """One setting a kind owns: what it is called, what it changes, and what it may be.

    Its value is kept in the ModelConfig field of its name where there is one (the settings
    checkpoints have always stored flat) and otherwise in ``ModelConfig.options``. The command
    line's flag, the Train form's field and the config's check are all made from this object.
    """

    name: str  # the ModelConfig field or options key, e.g. "mmd_weight"
    label: str  # what the Train form calls it, e.g. "λ (weight of the MMD term)"
    help: str  # one sentence: what it changes
    default: Any  # its value when nobody sets it: a float, int, str, bool or tuple of floats
    low: float | None = None  # the smallest value allowed (numbers; each element of a tuple)
    low_allowed: bool = True  # False: ``low`` itself is refused (a bandwidth must be > 0)
    high: float | None = None  # the largest value allowed, where there is one
    choices: tuple[tuple[str, str], ...] = ()  # (value, what a person reads) for a choice
    form_low: float | None = None  # the form's smallest value where it is above ``low``
    form_high: float | None = None  # the form's largest value where it is below ``high``
    step: float | None = None  # the Train form's step for a number
    start: Any = None  # the Train form's first value where it differs from ``default``
    in_form: bool = True  # False: an expert's setting, on the command line only
    flags: tuple[str, ...] = ()  # command-line spellings; default --name-with-dashes

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.choices)

    @property
    def command_flags(self) -> tuple[str, ...]:
        return self.flags or ("--" + self.name.replace("_", "-"),)

    @property
    def form_range(self) -> tuple[float | None, float | None]:
        """The smallest and largest values a form offers."""
        low = self.low if self.form_low is None else self.form_low
        return low, self.high if self.form_high is None else self.form_high

    @property
    def first_value(self) -> Any:
        """The value the Train form starts from."""
        return self.default if self.start is None else self.start

    def check(self, value: Any) -> Any:
        """``value`` in the setting's own type; ValueError naming the setting otherwise."""
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{self.name} must be true or false; got {value!r}")
            return value
        if self.choices:
            if value not in self.options:
                raise ValueError(
                    f"{self.name} must be one of {', '.join(self.options)}; got {value!r}"
                )
            return value
        if isinstance(self.default, tuple):
            values = tuple(self._number(v) for v in self._sequence(value))
            if not values:
                raise ValueError(f"{self.name} must hold at least one value")
            return values
        return self._number(value)

    def _sequence(self, value: Any) -> tuple:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ValueError(f"{self.name} must be a list of numbers; got {value!r}")
        return tuple(value)

    def _number(self, value: Any) -> float | int:
        whole = isinstance(self.default, int) and not isinstance(self.default, bool)
        element = self.default[0] if isinstance(self.default, tuple) and self.default else None
        whole = whole or isinstance(element, int)
        if isinstance(value, (str, bytes)):
            raise ValueError(f"{self.name} must be a number; got {value!r}")
        try:
            number = int(value) if whole and float(value) == int(value) else float(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{self.name} must be a number; got {value!r}") from None
        if isinstance(value, bool) or not math.isfinite(number) or (whole and number != value):
            raise ValueError(
                f"{self.name} must be a {'whole ' if whole else ''}number; got {value!r}"
            )
        if self.low is not None and (
            number < self.low or (number == self.low and not self.low_allowed)
        ):
            bound = ">=" if self.low_allowed else ">"
            raise ValueError(f"{self.name} must be {bound} {self.low:g}; got {value!r}")
        if self.high is not None and number > self.high:
            raise ValueError(f"{self.name} must be <= {self.high:g}; got {value!r}")
        return number


@dataclass(frozen=True)
class LossTerm:
    """One term an objective reports for every batch and epoch: its key in the loss dicts and
    the title its panel of the loss curves carries."""

    name: str  # the key in model_loss's terms, e.g. "mmd"
    title: str  # e.g. "MMD(q(z), p(z))"
    digits: int = 2  # decimals the command line prints it with
    derived: bool = False  # a sum of other terms: drawn per epoch, left out of per-batch charts


# The terms every objective can report: what is minimised, the reconstruction, and for a
# Gaussian encoder its KL to the prior and (with a density decoder) the negative ELBO.
COMMON_TERMS = (
    LossTerm("loss", "objective"),
    LossTerm("neg_elbo", "-ELBO (nats)", derived=True),
    LossTerm("recon", "reconstruction (nats)"),
    LossTerm("kl", "KL(q(z|x) || p(z))"),
)


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
    settings: tuple[Setting, ...] = ()  # what a user tunes for this kind (forms show only these)
    loss_terms: tuple[LossTerm, ...] = ()  # the terms its regulariser adds to COMMON_TERMS
    conditional: bool = False  # decodes a chosen class (the encoder and decoder see the label)
    weight_field: str = "beta"  # the ModelConfig field pickers sort its models by
    min_batch_size: int = 1  # the smallest batch its objective is defined on
    divergence_hint: str = ""  # added to "lower the learning rate" when a training diverges

    def config_fields(self, **fields) -> dict:
        """ModelConfig keyword arguments for this kind: its objective, its defaults, then
        ``fields``."""
        return {"model": self.objective, **dict(self.overrides), **fields}

    def setting(self, name: str) -> Setting | None:
        """Its setting called ``name``, or None."""
        return next((setting for setting in self.settings if setting.name == name), None)

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
