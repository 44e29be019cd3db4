"""Pictures placed on a map: uploads and drawings prepared like the data, encoded and
reconstructed, and sample sheets drawn from the prior or a density of the codes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core import caches
from vae_core.analysis.geometry import posterior_ellipse
from vae_core.data.catalog import get as get_dataset
from vae_core.data.images import upscale
from vae_core.data.uploads import MAX_UPLOAD_BYTES, UploadError, prepare_image

__all__ = ["UploadError"]  # pages catch it; plus the functions and results below


@dataclass(frozen=True)
class PlacedUpload:
    """A user's image prepared like the data and placed in a model's latent space."""

    prepared: np.ndarray  # uint8, the image the encoder saw, enlarged
    reconstruction: np.ndarray  # uint8, decoded from its posterior mean, enlarged
    mean: tuple[float, float]  # posterior mean in the map's two dimensions
    # (mu_x, mu_y, sigma_x, sigma_y); None for point encoders
    ellipse: tuple[float, float, float, float] | None
    side: int  # the side of the image the encoder saw, in pixels


def place_upload(name: str, data: bytes, label: int | None = None, size: int = 112) -> PlacedUpload:
    """Prepare, encode and reconstruct an uploaded picture; UploadError says why one is refused
    (over the server's upload limit, ``server.maxUploadSize`` in MB, among other reasons)."""
    limit = min(int(st.get_option("server.maxUploadSize")) * 1024 * 1024, MAX_UPLOAD_BYTES)
    dataset = get_dataset(caches.get_model(name).train_config.dataset)
    return place_image(name, prepare_image(data, max_bytes=limit, dataset=dataset), label, size)


def place_drawing(
    name: str, pixels: bytes, label: int | None = None, size: int = 112
) -> PlacedUpload:
    """A drawing from the canvas (side x side uint8, already prepared like the data) placed in
    latent space; UploadError when the model does not take grey images of that side."""
    channels, side = caches.get_model(name).image_shape[:2]
    if channels != 1 or len(pixels) != side * side:
        raise UploadError(f"This model takes {side}x{side} images; the drawing does not fit it.")
    return place_image(
        name, np.frombuffer(pixels, np.uint8).reshape(side, side) / 255.0, label, size
    )


def place_image(
    name: str, prepared: np.ndarray, label: int | None = None, size: int = 112
) -> PlacedUpload:
    """An image in [0, 1] prepared like the model's data ([side, side] or [side, side, 3]): its
    posterior and reconstruction."""
    from vae_core.analysis.latent import decode
    from vae_core.store.encoding import encode_images

    model = caches.get_model(name)
    prepared = np.asarray(prepared, np.float32)
    mu, logvar = encode_images(model, prepared[None], None if label is None else [label])
    reconstruction = decode(model, mu[0], label)
    ellipse = None if logvar is None else posterior_ellipse(mu[0], np.exp(0.5 * logvar[0]))
    return PlacedUpload(
        upscale(prepared, size),
        upscale(reconstruction, size),
        (float(mu[0, 0]), float(mu[0, 1])),
        ellipse,
        prepared.shape[0],
    )


SAMPLERS = {
    "prior": "the prior N(0, I)",
    "gmm": "a Gaussian mixture fitted to the codes",
    "kde": "a kernel density of the codes",
}


def sample_points(
    name: str, sampler: str, count: int = 64, seed: int = 0
) -> list[tuple[float, float]]:
    """``count`` positions on the map drawn from the prior or from a density fitted to the
    test codes (the aggregate posterior), in the map's two dimensions."""
    if sampler == "prior":
        points = np.random.default_rng(seed).standard_normal((count, 2))
    else:
        points = _density(name, sampler).sample(count, seed=seed)
    return [(float(x), float(y)) for x, y in points[:, :2]]


@functools.lru_cache(maxsize=16)
def _density(name: str, method: str):
    from vae_core.analysis.latent import LatentDensity

    return LatentDensity(method=method, n_components=10).fit(caches.encoded(name).mu[:, :2])
