"""Frozen configuration dataclasses and the hash that names a checkpoint.

A checkpoint is identified by the canonical JSON of its two configs: change any
field (with ``dataclasses.replace``) and the key changes, so a cached model is
never confused with a different one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from vae_core.data.catalog import DEFAULT_DATASET, DatasetError, normalize_name
from vae_core.models.kinds import VAE, ModelKind, all_settings, kind_of, objectives

FORMAT_VERSION = 1  # bump when the checkpoint layout or the meaning of a field changes

ARCHITECTURES = ("mlp", "conv")
LIKELIHOODS = ("bernoulli", "gaussian", "gaussian_learned", "mse", "l1")
KL_ESTIMATORS = ("analytic", "monte_carlo")
LR_SCHEDULES = ("constant", "cosine")
PRECISIONS = ("auto", "float32", "bfloat16")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_positive(name: str, value: float, allow_zero: bool = False) -> None:
    if value != value or value < 0 or (value == 0 and not allow_zero):  # value != value: NaN
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}; got {value!r}")


@dataclass(frozen=True)
class ModelConfig:
    """What network to build and which objective it optimises."""

    # the objective a kind trains (vae_core.models.kinds: a β-VAE is a VAE with beta != 1)
    model: str = VAE.objective
    # mlp | conv (conv: two strided convolutions, as in the MMD-VAE article)
    architecture: str = "mlp"
    hidden_sizes: tuple[int, ...] = (400,)  # widths of the dense hidden layers, encoder order
    conv_channels: tuple[int, ...] = (32, 64)  # channels of the strided convolutions (conv only)
    latent_dim: int = 2  # dimension d of z
    # decoder p(x|z): bernoulli | gaussian | gaussian_learned | mse | l1
    likelihood: str = "bernoulli"
    gaussian_std: float = 0.1  # fixed decoder standard deviation for likelihood="gaussian"
    kl_estimator: str = "analytic"  # analytic closed form, or single-sample monte_carlo
    # The kinds' settings (vae_core.models.kinds: each Setting gives the label, range and check).
    # These are kept as fields, as checkpoints have always stored them; a setting of a later
    # kind is kept in ``options``.
    beta: float = 1.0  # weight of the KL term (beta-VAE when != 1)
    mmd_weight: float = 100.0  # lambda, weight of MMD(q(z), p(z)) in the MMD-VAE loss
    mmd_kernel: str = "rbf"  # rbf (Gaussian) | imq (inverse multiquadric)
    kernel_bandwidth: float = 1.0  # base scale s: the kernel's C is 2 * latent_dim * s**2
    kernel_scales: tuple[float, ...] = (1.0,)  # multipliers of the bandwidth, kernels summed
    stochastic_encoder: bool = False  # mmd_vae only: Gaussian q(z|x) instead of a point code
    options: tuple[tuple[str, Any], ...] = ()  # (name, value) of the kind's other settings

    def __post_init__(self) -> None:
        _check_choice("model", self.model, objectives())
        _check_choice("architecture", self.architecture, ARCHITECTURES)
        _check_choice("likelihood", self.likelihood, LIKELIHOODS)
        _check_choice("kl_estimator", self.kl_estimator, KL_ESTIMATORS)
        # JSON round trips give lists; store tuples so configs stay hashable and equal.
        object.__setattr__(self, "hidden_sizes", tuple(int(h) for h in self.hidden_sizes))
        object.__setattr__(self, "conv_channels", tuple(int(c) for c in self.conv_channels))
        fields = {f.name for f in dataclasses.fields(self)}
        for name, setting in all_settings().items():
            if name in fields:
                object.__setattr__(self, name, setting.check(getattr(self, name)))
        if (
            isinstance(self.latent_dim, bool)
            or int(self.latent_dim) != self.latent_dim
            or self.latent_dim < 1
        ):
            raise ValueError(f"latent_dim must be a whole number >= 1; got {self.latent_dim!r}")
        if any(h < 1 for h in self.hidden_sizes):
            raise ValueError(f"hidden_sizes must all be >= 1; got {self.hidden_sizes}")
        if self.architecture == "conv" and not self.conv_channels:
            raise ValueError("conv_channels must name at least one layer for architecture='conv'")
        if any(c < 1 for c in self.conv_channels):
            raise ValueError(f"conv_channels must all be >= 1; got {self.conv_channels}")
        _check_positive("gaussian_std", self.gaussian_std)
        object.__setattr__(self, "options", self._checked_options(fields))
        self.kind.check(self)

    def _checked_options(self, fields: set[str]) -> tuple[tuple[str, Any], ...]:
        """``options`` as sorted (name, value) pairs, each a setting of this config's kind."""
        pairs = dict(self.options)  # from pairs, or from a dict a JSON file gave
        kind = self.kind
        checked = []
        for name in sorted(pairs):
            setting = kind.setting(name)
            if setting is None or name in fields:
                raise ValueError(f"{name} is not a setting of the {kind.label}")
            checked.append((name, setting.check(pairs[name])))
        return tuple(checked)

    def setting(self, name: str) -> Any:
        """The value of the kind's setting ``name``: its field, its option, or its default."""
        if name in {f.name for f in dataclasses.fields(self)}:
            return getattr(self, name)
        chosen = dict(self.options)
        if name in chosen:
            return chosen[name]
        setting = self.kind.setting(name)
        if setting is None:
            raise ValueError(f"{name} is not a setting of the {self.kind.label}")
        return setting.default

    @property
    def kind(self) -> ModelKind:
        """The model kind this config trains: it owns the objective, the encoder and the label."""
        return kind_of(self)

    @property
    def has_stochastic_encoder(self) -> bool:
        """True when the encoder outputs a Gaussian q(z|x) rather than a point."""
        return self.kind.stochastic_encoder(self)

    @property
    def is_conditional(self) -> bool:
        return self.kind.conditional

    @property
    def has_elbo(self) -> bool:
        """True when the model defines an evidence lower bound (a density decoder and a q(z|x))."""
        return self.has_stochastic_encoder and self.likelihood in (
            "bernoulli",
            "gaussian",
            "gaussian_learned",
        )

    @property
    def label(self) -> str:
        """Short human-readable name, e.g. 'β-VAE (β=4)' or 'MMD-VAE (λ=300)' (see
        vae_core.models.kinds)."""
        return self.kind.describe(self)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: data, optimisation and reproducibility."""

    # a dataset's name (vae_core.data.catalog: mnist, fashion-mnist, shapes, imported ones)
    dataset: str = DEFAULT_DATASET
    epochs: int = 30  # passes over the training split
    batch_size: int = 128  # images per gradient step
    learning_rate: float = 1e-3  # Adam step size
    lr_schedule: str = "constant"  # constant | cosine (decays to 5% of learning_rate)
    kl_warmup_epochs: int = 0  # KL / MMD weight ramps linearly from 0 over this many epochs
    # stop after this many epochs without a better test loss; 0 = off
    early_stopping_patience: int = 0
    train_subset: int = 0  # use only the first N training images; 0 = all
    test_subset: int = 0  # evaluate each epoch on the first N test images; 0 = all
    seed: int = 0  # seeds initialisation, shuffling and sampling noise
    # matrix products in training: auto (bfloat16 where native) | float32 | bfloat16
    precision: str = "auto"
    # pixels drawn as 0/1 anew each batch (dynamic binarization, as in the literature)
    binarize: bool = False

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "dataset", normalize_name(self.dataset))
        except DatasetError as error:
            raise ValueError(str(error)) from None
        _check_choice("precision", self.precision, PRECISIONS)
        _check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
        for name in (
            "kl_warmup_epochs",
            "early_stopping_patience",
            "train_subset",
            "test_subset",
            "seed",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < 0:
                raise ValueError(f"{name} must be a whole number >= 0; got {value!r}")
        _check_positive("learning_rate", self.learning_rate)


def config_to_dict(config: ModelConfig | TrainConfig) -> dict[str, Any]:
    """Plain JSON-ready dict of a config (tuples become lists; ``options`` an object)."""
    plain = {
        k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()
    }
    if "options" in plain:
        plain["options"] = {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in config.options
        }
    return plain


def config_from_dict(cls: type, data: dict[str, Any]):
    """Rebuild a config, refusing unknown keys so a foreign file is never half-read."""
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__} must be a JSON object, got {type(data).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {', '.join(unknown)}")
    return cls(**data)


# Fields added after checkpoints were first made, with their defaults: a config at the
# default leaves them out of its key, so every earlier checkpoint keeps its name.
LATER_FIELDS = {"binarize": False, "options": {}}


def _key_dict(config) -> dict[str, Any]:
    return {
        k: v
        for k, v in config_to_dict(config).items()
        if not (k in LATER_FIELDS and v == LATER_FIELDS[k])
    }


def config_key(model_config: ModelConfig, train_config: TrainConfig) -> str:
    """Short stable hash of both configs (sorted JSON + format version): the checkpoint key."""
    canonical = json.dumps(
        {
            "format_version": FORMAT_VERSION,
            "model": _key_dict(model_config),
            "train": _key_dict(train_config),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]
