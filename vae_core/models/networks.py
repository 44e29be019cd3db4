"""One model class for every kind: VAE, beta-VAE, MMD-VAE, autoencoder, conditional VAE.

All share ``encode`` / ``reparameterize`` / ``decode`` and a ``forward`` that returns a
:class:`ModelOutput` with named fields. The losses live in :mod:`vae_core.models.losses`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from vae_core.data.catalog import DEFAULT_DATASET, Dataset, get
from vae_core.models.config import ModelConfig, TrainConfig, config_key
from vae_core.models.layout import conv_side, decoder_widths


@dataclass
class ModelOutput:
    """What ``forward`` returns for a batch of B images."""

    logits: torch.Tensor  # [B, C, H, W] decoder output before the sigmoid
    z: torch.Tensor  # [B, d] the code fed to the decoder (a sample for stochastic encoders)
    mu: torch.Tensor  # [B, d] encoder mean (equals z for deterministic encoders)
    logvar: torch.Tensor | None  # [B, d] encoder log-variance, None for deterministic encoders


def as_floats(images: torch.Tensor) -> torch.Tensor:
    """Images as float32 in [0, 1]: uint8 pixels are divided by 255, floats are kept."""
    return images.float().div_(255.0) if images.dtype == torch.uint8 else images


def _mlp(sizes: list[int], final_activation: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2 or final_activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ConvFeatures(nn.Module):
    """Strided 3x3 convolutions, 'valid' padding: [B, C, H, W] -> [B, F] (a side of 28 becomes
    13 then 6 in two layers; 64 becomes 31, 15, 7, 3 in four)."""

    def __init__(self, image_shape: tuple[int, int, int], channels: tuple[int, ...]):
        super().__init__()
        layers: list[nn.Module] = []
        c_in = image_shape[0]
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, stride=2), nn.ReLU()]
            c_in = c_out
        self.net = nn.Sequential(*layers, nn.Flatten())
        self.out_features = c_in * conv_side(image_shape[1], len(channels)) ** 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ConvImage(nn.Module):
    """Transposed convolutions from a small map up to the image: [B, F] -> [B, C, H, W] logits.

    Mirrors ConvFeatures: dense -> [C_last, H / 2^k, W / 2^k] -> k stride-2 upsamplings -> a
    final stride-1 layer to the image's channels (the MMD-VAE article's decoder for 28 x 28).
    """

    def __init__(
        self, in_features: int, image_shape: tuple[int, int, int], channels: tuple[int, ...]
    ):
        super().__init__()
        base, self.start, widths = decoder_widths(image_shape[1], channels)
        self.base = base
        self.dense = nn.Sequential(nn.Linear(in_features, base * self.start**2), nn.ReLU())
        ups: list[nn.Module] = []
        c_in = base
        for c_out in widths:
            ups += [
                nn.ConvTranspose2d(
                    c_in, c_out, kernel_size=3, stride=2, padding=1, output_padding=1
                ),
                nn.ReLU(),
            ]
            c_in = c_out
        ups.append(nn.ConvTranspose2d(c_in, image_shape[0], kernel_size=3, stride=1, padding=1))
        self.net = nn.Sequential(*ups)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(self.dense(h).view(-1, self.base, self.start, self.start))


class LatentModel(nn.Module):
    """Encoder q(z|x) (or a point code), decoder p(x|z), optional class conditioning.

    Attributes: ``config`` (the ModelConfig it was built from), ``image_shape`` (C, H, W) and
    ``classes`` of the data it models (a dataset's, see :func:`build_model`), for
    ``likelihood='gaussian_learned'`` a learned scalar ``log_std``, and where its
    weights come from once that is known (see :meth:`set_origin`).
    """

    def __init__(self, config: ModelConfig, image_shape: tuple[int, int, int], classes: int):
        super().__init__()
        self.config = config
        self.image_shape = tuple(int(v) for v in image_shape)
        self.classes = int(classes)
        if config.is_conditional and self.classes < 2:
            raise ValueError(
                f"the {config.kind.label} draws a chosen class: it needs a dataset with classes"
            )
        self.train_config: TrainConfig | None = None  # how the weights were trained, once known
        self.checkpoint_key: str | None = None  # config_key of the checkpoint holding these weights
        self.checkpoint_path: Path | None = None  # that checkpoint's folder
        d = config.latent_dim
        n_cond = self.classes if config.is_conditional else 0
        pixels = math.prod(self.image_shape)
        stats = 2 * d if config.has_stochastic_encoder else d
        hidden = list(config.hidden_sizes)
        if config.architecture == "conv":
            self.features = ConvFeatures(self.image_shape, config.conv_channels)
            feature_dim = self.features.out_features
        else:
            self.features = nn.Flatten()
            feature_dim = pixels
        # Encoder head: features (+ one-hot label) -> hidden -> (mu, logvar) or mu.
        self.encoder_head = _mlp([feature_dim + n_cond, *hidden, stats], final_activation=False)
        # Decoder: z (+ one-hot label) -> hidden (reversed) -> image logits.
        if config.architecture == "conv":
            self.decoder_body = _mlp([d + n_cond, *reversed(hidden)], final_activation=True)
            body_out = hidden[0] if hidden else d + n_cond
            self.decoder_out = ConvImage(body_out, self.image_shape, config.conv_channels)
        else:
            self.decoder_body = _mlp(
                [d + n_cond, *reversed(hidden), pixels], final_activation=False
            )
            self.decoder_out = nn.Unflatten(1, self.image_shape)
        if config.likelihood == "gaussian_learned":
            self.log_std = nn.Parameter(torch.tensor(math.log(0.1)))
        else:
            self.log_std = None

    def set_origin(self, train_config: TrainConfig, checkpoint_path: Path | None = None) -> None:
        """Record how the weights were trained and, when stored, the checkpoint that holds them."""
        self.train_config = train_config
        self.checkpoint_path = checkpoint_path
        self.checkpoint_key = (
            config_key(self.config, train_config) if checkpoint_path is not None else None
        )

    def _one_hot(self, y: torch.Tensor | None, batch: int, device) -> torch.Tensor | None:
        if not self.config.is_conditional:
            return None
        if y is None:
            raise ValueError("a conditional VAE needs class labels y")
        y = torch.as_tensor(y, device=device).reshape(-1).to(torch.int64)
        if y.numel() == 1 and batch > 1:
            y = y.expand(batch)
        if y.shape[0] != batch:
            raise ValueError(f"got {y.shape[0]} labels for {batch} inputs")
        if (y < 0).any() or (y >= self.classes).any():
            raise ValueError(f"class labels must be in 0..{self.classes - 1}")
        return F.one_hot(y, self.classes).to(torch.float32)

    def encode(
        self, x: torch.Tensor, y: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x [B, C, H, W] -> (mu [B, d], logvar [B, d] or None for point encoders)."""
        h = self.features(x)
        cond = self._one_hot(y, x.shape[0], x.device)
        if cond is not None:
            h = torch.cat([h, cond], dim=1)
        stats = self.encoder_head(h)
        if not self.config.has_stochastic_encoder:
            return stats, None
        mu, logvar = stats.chunk(2, dim=1)
        # Keep variances in a range where exp() neither overflows nor underflows to 0.
        return mu, logvar.clamp(-30.0, 20.0)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """z = mu + sigma * eps, eps ~ N(0, I): a sample that gradients flow through
        (Kingma & Welling 2014, Sec. 2.4)."""
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def decode_logits(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """z [B, d] -> logits [B, C, H, W]."""
        cond = self._one_hot(y, z.shape[0], z.device)
        if cond is not None:
            z = torch.cat([z, cond], dim=1)
        return self.decoder_out(self.decoder_body(z))

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """z [B, d] -> images [B, C, H, W] in [0, 1] (the decoder mean)."""
        return torch.sigmoid(self.decode_logits(z, y))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> ModelOutput:
        """A stochastic encoder samples z in training and evaluation alike, so a
        reported -ELBO is an honest estimate; callers who want the mean code use encode()."""
        mu, logvar = self.encode(x, y)
        z = mu if logvar is None else self.reparameterize(mu, logvar)
        return ModelOutput(logits=self.decode_logits(z, y), z=z, mu=mu, logvar=logvar)


def build_model(config: ModelConfig, dataset: str | Dataset = DEFAULT_DATASET) -> LatentModel:
    """A freshly initialised model for ``config``, shaped for ``dataset``'s images and classes."""
    data = get(dataset) if isinstance(dataset, str) else dataset
    return LatentModel(config, data.shape, data.classes)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def parameter_count(config: ModelConfig, dataset: str | Dataset = DEFAULT_DATASET) -> int:
    """How many weights the model of ``config`` has for ``dataset``, without allocating them
    (built on torch's "meta" device, which records shapes only)."""
    with torch.device("meta"):
        return count_parameters(build_model(config, dataset))
