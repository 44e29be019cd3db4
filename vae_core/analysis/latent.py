"""Latent-space operations: encode, decode, grids, interpolation, sampling, neighbours.

Inputs and outputs are numpy arrays (float32 codes, float32 images in [0, 1],
uint8 mosaics) so the app and the figure builders never touch torch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from vae_core.analysis.geometry import grid_points, interpolate, nearest_codes
from vae_core.data.datasets import ImageDataset
from vae_core.data.images import display_layout, tile
from vae_core.models.networks import LatentModel
from vae_core.store.codes import EncodedSplit
from vae_core.store.encoding import as_tensor, device_of, encode_images

logger = logging.getLogger(__name__)


def _labels_for(model: LatentModel, label, count: int) -> torch.Tensor | None:
    if not model.config.is_conditional:
        return None
    if label is None:
        raise ValueError("a conditional VAE decodes a chosen class: pass label=<a class index>")
    labels = torch.as_tensor(label, dtype=torch.int64).reshape(-1)
    return labels.expand(count) if labels.numel() == 1 else labels


@torch.no_grad()
def decode(model: LatentModel, z, label=None) -> np.ndarray:
    """Decode codes z [B, d] (or one code [d]) -> images in [0, 1] in the display layout:
    [B, H, W] (grey) or [B, H, W, 3] (colour), or one such image for one code.

    Non-finite coordinates are refused with ValueError, so a NaN from a URL or a
    click never reaches the network. ``label`` (a class or one per code) is
    required for a conditional VAE and ignored otherwise.
    """
    model.eval()
    z_array = np.asarray(z, dtype=np.float32)
    single = z_array.ndim == 1
    z_array = np.atleast_2d(z_array)
    if z_array.shape[1] != model.config.latent_dim:
        raise ValueError(
            f"codes have {z_array.shape[1]} dimensions; this model's latent space has "
            f"{model.config.latent_dim}"
        )
    if not np.isfinite(z_array).all():
        raise ValueError("latent coordinates must be finite numbers")
    y = _labels_for(model, label, z_array.shape[0])
    decoded = model.decode(as_tensor(z_array).to(device_of(model)), y).float().cpu().numpy()
    images = display_layout(decoded)
    return images[0] if single else images


@dataclass(frozen=True)
class GridDecode:
    """A decoded regular grid over a rectangle of a 2-D latent space.

    Row 0 of ``images`` and of ``mosaic`` is the TOP of the plot (largest y), so
    the mosaic can be drawn under a scatter whose y axis points up.
    """

    xs: np.ndarray  # float32 [n] cell-centre x coordinates, increasing
    ys: np.ndarray  # float32 [n] cell-centre y coordinates, increasing
    images: np.ndarray  # float32 [n, n, H, W(, 3)]; images[r, c] decodes (xs[c], ys[n - 1 - r])
    mosaic: np.ndarray  # uint8 [n * H, n * W(, 3)]
    extent: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max of the whole mosaic


def decode_grid(
    model: LatentModel,
    extent: tuple[float, float, float, float],
    n: int = 20,
    label=None,
    base_z=None,
) -> GridDecode:
    """Decode an n x n grid over ``extent`` of the first two latent dimensions.

    For d > 2 the remaining coordinates come from ``base_z`` (default: zeros).
    """
    xs, ys = grid_points(extent, n)
    d = model.config.latent_dim
    if d < 2:
        raise ValueError("a 2-D grid needs a latent space of at least two dimensions")
    grid_x, grid_y = np.meshgrid(xs, ys[::-1])  # row 0 = largest y
    z = np.tile(
        np.zeros(d, np.float32) if base_z is None else np.asarray(base_z, np.float32), (n * n, 1)
    )
    z[:, 0], z[:, 1] = grid_x.ravel(), grid_y.ravel()
    images = decode(model, z, label)
    return GridDecode(
        xs,
        ys,
        images.reshape(n, n, *images.shape[1:]),
        tile(images, n, n),
        tuple(float(v) for v in extent),
    )


@dataclass(frozen=True)
class Interpolation:
    path: np.ndarray  # float32 [steps, d] latent codes
    frames: np.ndarray  # float32 [steps, H, W(, 3)] decoded images
    alphas: np.ndarray  # float32 [steps] position along the path in [0, 1]

    @property
    def strip(self) -> np.ndarray:
        """All frames side by side: uint8 [H, steps * W(, 3)]."""
        return tile(self.frames, 1, len(self.frames))


def decode_path(model: LatentModel, path: np.ndarray, label=None) -> Interpolation:
    path = np.asarray(path, np.float32)
    return Interpolation(
        path, decode(model, path, label), np.linspace(0, 1, len(path), dtype=np.float32)
    )


def interpolate_codes(
    model: LatentModel, z0, z1, steps: int = 10, method: str = "linear", label=None
) -> Interpolation:
    """Decode the path between two latent points."""
    return decode_path(model, interpolate(z0, z1, steps, method), label)


def interpolate_images(
    model: LatentModel, image0, image1, steps: int = 10, method: str = "linear", labels=(None, None)
) -> Interpolation:
    """Encode two images ([H, W] or [H, W, 3], posterior means), interpolate between the codes,
    decode.

    A conditional VAE encodes each image with its own label and decodes with the first.
    """
    images = np.stack([np.asarray(image0, np.float32), np.asarray(image1, np.float32)])
    encode_labels = None if labels[0] is None else np.asarray(labels, np.int64)
    mu, _ = encode_images(model, images, encode_labels)
    return interpolate_codes(model, mu[0], mu[1], steps, method, labels[0])


def sample_prior(
    model: LatentModel, n: int, seed: int = 0, label=None
) -> tuple[np.ndarray, np.ndarray]:
    """n codes from N(0, I) and their decoded images: (z [n, d], images [n, H, W(, 3)])."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, model.config.latent_dim)).astype(np.float32)
    return z, decode(model, z, label)


class LatentDensity:
    """A density fitted to encoded codes, to sample where the data actually lives.

    ``method="gmm"`` fits a Gaussian mixture (full covariances) and ``"kde"`` a
    Gaussian kernel density (Scott's bandwidth unless given), both scikit-learn
    estimators. Sampling from it instead of N(0, I) avoids the prior's "holes"
    wherever the aggregate posterior does not match the prior.
    """

    def __init__(
        self,
        method: str = "gmm",
        n_components: int = 10,
        bandwidth: float | str = "scott",
        random_state: int = 0,
    ):
        self.method = method
        self.n_components = n_components
        self.bandwidth = bandwidth
        self.random_state = random_state

    def fit(self, codes: np.ndarray) -> LatentDensity:
        codes = np.asarray(codes, np.float64)
        if self.method == "gmm":
            from sklearn.mixture import GaussianMixture

            self.estimator_ = GaussianMixture(
                self.n_components, covariance_type="full", random_state=self.random_state
            ).fit(codes)
        elif self.method == "kde":
            from sklearn.neighbors import KernelDensity

            self.estimator_ = KernelDensity(kernel="gaussian", bandwidth=self.bandwidth).fit(codes)
        else:
            raise ValueError(f"unknown density method {self.method!r}: gmm or kde")
        self.n_features_in_ = codes.shape[1]
        return self

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """n codes [n, d] drawn from the fitted density."""
        if self.method == "gmm":
            if seed is not None:
                self.estimator_.random_state = seed
            z, _ = self.estimator_.sample(n)
            rng = np.random.default_rng(seed)
            z = z[rng.permutation(n)]  # GaussianMixture.sample returns codes grouped by component
        else:
            z = self.estimator_.sample(n, random_state=self.random_state if seed is None else seed)
        return np.asarray(z, np.float32)

    def score_samples(self, z: np.ndarray) -> np.ndarray:
        """Log density at each code [n]."""
        return self.estimator_.score_samples(np.asarray(z, np.float64))


def nearest_images(
    encoded: EncodedSplit, dataset: ImageDataset, z, k: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The k real images whose codes are nearest to z: (images uint8 [k, H, W(, 3)], labels [k],
    indices [k], distances [k])."""
    index, distances = nearest_codes(encoded.mu, z, k)
    return display_layout(dataset.pixels[index].numpy()), encoded.labels[index], index, distances


def decode_all_classes(model: LatentModel, z) -> np.ndarray:
    """A conditional VAE's decoding of one code z [d] as every class: [classes, H, W(, 3)]."""
    if not model.config.is_conditional:
        raise ValueError("only a conditional VAE decodes a chosen class")
    z = np.asarray(z, np.float32).ravel()
    return decode(model, np.repeat(z[None], model.classes, axis=0), np.arange(model.classes))


def class_style_grid(model: LatentModel, styles, classes=None) -> np.ndarray:
    """Rows = classes (all by default), columns = style codes [S, d]: the same z drawn as each
    class. Returns images [len(classes), S, H, W(, 3)]."""
    styles = np.atleast_2d(np.asarray(styles, np.float32))
    classes = list(range(model.classes) if classes is None else classes)
    z = np.tile(styles, (len(classes), 1))
    labels = np.repeat(np.asarray(classes, np.int64), len(styles))
    images = decode(model, z, labels)
    return images.reshape(len(classes), len(styles), *images.shape[1:])


def traverse(model: LatentModel, base_z, dim: int, values, label=None) -> np.ndarray:
    """Vary latent dimension ``dim`` over ``values`` with the other coordinates fixed at base_z.
    Returns images [len(values), H, W(, 3)]."""
    base = np.asarray(base_z, np.float32).ravel()
    if not 0 <= dim < base.shape[0]:
        raise ValueError(f"dimension {dim} is outside 0..{base.shape[0] - 1}")
    values = np.asarray(values, np.float32)
    z = np.repeat(base[None], len(values), axis=0)
    z[:, dim] = values
    return decode(model, z, label)


def traversal_grid(
    model: LatentModel, base_z=None, span: float = 3.0, steps: int = 9, label=None
) -> np.ndarray:
    """Every dimension traversed from -span to +span: images [d, steps, H, W(, 3)]."""
    d = model.config.latent_dim
    base = np.zeros(d, np.float32) if base_z is None else np.asarray(base_z, np.float32)
    values = np.linspace(-span, span, steps)
    return np.stack([traverse(model, base, dim, values, label) for dim in range(d)])
