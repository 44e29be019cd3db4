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

from vae_core.data.datasets import IMAGE_SHAPE, NUM_CLASSES
from vae_core.models.config import ModelConfig, TrainConfig, config_key

IMAGE_PIXELS = math.prod(IMAGE_SHAPE)  # 784


@dataclass
class ModelOutput:
    """What ``forward`` returns for a batch of B images."""

    logits: torch.Tensor  # [B, 1, 28, 28] decoder output before the sigmoid
    z: torch.Tensor  # [B, d] the code fed to the decoder (a sample for stochastic encoders)
    mu: torch.Tensor  # [B, d] encoder mean (equals z for deterministic encoders)
    logvar: torch.Tensor | None  # [B, d] encoder log-variance, None for deterministic encoders


def _mlp(sizes: list[int], final_activation: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2 or final_activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ConvFeatures(nn.Module):
    """Strided 3x3 convolutions, 'valid' padding: [B, 1, 28, 28] -> [B, F] (28 -> 13 -> 6 for two
    layers)."""

    def __init__(self, channels: tuple[int, ...]):
        super().__init__()
        layers: list[nn.Module] = []
        c_in, size = IMAGE_SHAPE[0], IMAGE_SHAPE[1]
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, stride=2), nn.ReLU()]
            c_in, size = c_out, (size - 3) // 2 + 1
        self.net = nn.Sequential(*layers, nn.Flatten())
        self.out_features = c_in * size * size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ConvImage(nn.Module):
    """Transposed convolutions from a 7x7 map up to 28x28: [B, F] -> [B, 1, 28, 28] logits.

    Mirrors ConvFeatures: dense -> [C_last, 7, 7] -> stride-2 upsampling to 14, 28 ->
    a final stride-1 layer to one channel (the MMD-VAE article's decoder).
    """

    def __init__(self, in_features: int, channels: tuple[int, ...]):
        super().__init__()
        base = channels[-1] // 2 or 1
        self.base = base
        self.dense = nn.Sequential(nn.Linear(in_features, base * 7 * 7), nn.ReLU())
        ups: list[nn.Module] = []
        c_in = base
        widths = list(reversed(channels))[:2]  # two upsamplings take 7x7 to 28x28
        while len(widths) < 2:
            widths.append(widths[-1])
        for c_out in widths:
            ups += [
                nn.ConvTranspose2d(
                    c_in, c_out, kernel_size=3, stride=2, padding=1, output_padding=1
                ),
                nn.ReLU(),
            ]
            c_in = c_out
        ups.append(nn.ConvTranspose2d(c_in, IMAGE_SHAPE[0], kernel_size=3, stride=1, padding=1))
        self.net = nn.Sequential(*ups)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(self.dense(h).view(-1, self.base, 7, 7))


class LatentModel(nn.Module):
    """Encoder q(z|x) (or a point code), decoder p(x|z), optional class conditioning.

    Attributes: ``config`` (the ModelConfig it was built from), for
    ``likelihood='gaussian_learned'`` a learned scalar ``log_std``, and where its
    weights come from once that is known (see :meth:`set_origin`).
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.train_config: TrainConfig | None = None  # how the weights were trained, once known
        self.checkpoint_key: str | None = None  # config_key of the checkpoint holding these weights
        self.checkpoint_path: Path | None = None  # that checkpoint's folder
        d = config.latent_dim
        n_cond = NUM_CLASSES if config.is_conditional else 0
        stats = 2 * d if config.has_stochastic_encoder else d
        hidden = list(config.hidden_sizes)
        if config.architecture == "conv":
            self.features = ConvFeatures(config.conv_channels)
            feature_dim = self.features.out_features
        else:
            self.features = nn.Flatten()
            feature_dim = IMAGE_PIXELS
        # Encoder head: features (+ one-hot label) -> hidden -> (mu, logvar) or mu.
        self.encoder_head = _mlp([feature_dim + n_cond, *hidden, stats], final_activation=False)
        # Decoder: z (+ one-hot label) -> hidden (reversed) -> image logits.
        if config.architecture == "conv":
            self.decoder_body = _mlp([d + n_cond, *reversed(hidden)], final_activation=True)
            body_out = hidden[0] if hidden else d + n_cond
            self.decoder_out = ConvImage(body_out, config.conv_channels)
        else:
            self.decoder_body = _mlp(
                [d + n_cond, *reversed(hidden), IMAGE_PIXELS], final_activation=False
            )
            self.decoder_out = nn.Unflatten(1, IMAGE_SHAPE)
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
        if (y < 0).any() or (y >= NUM_CLASSES).any():
            raise ValueError(f"class labels must be in 0..{NUM_CLASSES - 1}")
        return F.one_hot(y, NUM_CLASSES).to(torch.float32)

    def encode(
        self, x: torch.Tensor, y: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x [B, 1, 28, 28] -> (mu [B, d], logvar [B, d] or None for point encoders)."""
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
        """z [B, d] -> logits [B, 1, 28, 28]."""
        cond = self._one_hot(y, z.shape[0], z.device)
        if cond is not None:
            z = torch.cat([z, cond], dim=1)
        return self.decoder_out(self.decoder_body(z))

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """z [B, d] -> images [B, 1, 28, 28] in [0, 1] (the decoder mean)."""
        return torch.sigmoid(self.decode_logits(z, y))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> ModelOutput:
        """A stochastic encoder samples z in training and evaluation alike, so a
        reported -ELBO is an honest estimate; callers who want the mean code use encode()."""
        mu, logvar = self.encode(x, y)
        z = mu if logvar is None else self.reparameterize(mu, logvar)
        return ModelOutput(logits=self.decode_logits(z, y), z=z, mu=mu, logvar=logvar)


def build_model(config: ModelConfig) -> LatentModel:
    """A freshly initialised model for ``config``."""
    return LatentModel(config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def parameter_count(config: ModelConfig) -> int:
    """How many weights the model of ``config`` has, without allocating them (built on
    torch's "meta" device, which records shapes only)."""
    with torch.device("meta"):
        return count_parameters(LatentModel(config))
