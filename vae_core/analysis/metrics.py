"""Numbers that describe a trained model, each with its formula and source.

:func:`evaluate` runs them all; the helpers take plain arrays so they can be
tested on synthetic data.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import torch

from vae_core.analysis.geometry import grid_points
from vae_core.data.datasets import ImageDataset, binarized, load_dataset
from vae_core.models.losses import (
    gaussian_log_density,
    mmd,
    reconstruction_per_image,
    standard_normal_log_density,
)
from vae_core.models.networks import LatentModel, as_floats
from vae_core.store.codes import EncodedSplit
from vae_core.store.encoding import encode_dataset
from vae_core.training.trainer import evaluate_terms

logger = logging.getLogger(__name__)

MMD_SAMPLE = 5000  # codes (and as many prior draws) in the MMD-to-prior estimate


@torch.no_grad()
def reconstruction_error(
    model: LatentModel, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000
) -> dict[str, float]:
    """Reconstruction through the mean code z = mu(x) (no sampling), per image.

    - ``recon_mse``: sum over pixels of (x - x_hat)^2, averaged over images
    - ``recon_bce``: sum over pixels of BCE(x_hat, x), averaged over images
    Comparable across every model kind, deterministic encoders included.
    """
    mse_total, bce_total = 0.0, 0.0
    for start in range(0, images.shape[0], batch_size):
        x = as_floats(images[start : start + batch_size])
        y = labels[start : start + batch_size] if model.config.is_conditional else None
        mu, _ = model.encode(x, y)
        logits = model.decode_logits(mu, y)
        mse_total += (torch.sigmoid(logits) - x).pow(2).flatten(1).sum(1).sum().item()
        bce_total += reconstruction_per_image(logits, x, "bernoulli").sum().item()
    n = images.shape[0]
    return {"recon_mse": mse_total / n, "recon_bce": bce_total / n}


@torch.no_grad()
def iwae_nll(
    model: LatentModel,
    images: torch.Tensor,
    labels: torch.Tensor,
    k: int = 64,
    batch_size: int = 100,
    seed: int = 0,
) -> float:
    """Importance-weighted estimate of -log p(x) in nats per image (lower is better).

    log p(x) >= E[log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x)],  z_k ~ q(z|x)
    (Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016,
    Eq. 8). K = 1 is the ELBO; the bound tightens as K grows, so the returned NLL
    estimate is at most the -ELBO on average.
    """
    config = model.config
    if not config.has_elbo:
        raise ValueError("the IWAE bound needs a stochastic encoder and a density decoder")
    total = 0.0
    generator = torch.Generator().manual_seed(seed)
    for start in range(0, images.shape[0], batch_size):
        x = as_floats(images[start : start + batch_size])
        y = labels[start : start + batch_size] if config.is_conditional else None
        b = x.shape[0]
        mu, logvar = model.encode(x, y)
        eps = torch.randn((k, b, config.latent_dim), generator=generator)
        z = mu + torch.exp(0.5 * logvar) * eps  # [K, B, d]
        flat_z = z.reshape(k * b, -1)
        flat_y = None if y is None else y.repeat(k)
        logits = model.decode_logits(flat_z, flat_y)
        x_rep = x.repeat(k, 1, 1, 1)
        log_px_z = -reconstruction_per_image(
            logits, x_rep, config.likelihood, config.gaussian_std, model.log_std
        )
        log_w = (
            log_px_z
            + standard_normal_log_density(flat_z)
            - gaussian_log_density(flat_z, mu.repeat(k, 1), logvar.repeat(k, 1))
        )
        log_px = torch.logsumexp(log_w.view(k, b), dim=0) - math.log(k)  # [B]
        total += -log_px.sum().item()
    return total / images.shape[0]


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, k: int = 5) -> float:
    """Share of test codes whose k nearest training codes vote for their true class
    (scikit-learn KNeighborsClassifier, Euclidean distance)."""
    from sklearn.neighbors import KNeighborsClassifier

    classifier = KNeighborsClassifier(n_neighbors=k, n_jobs=-1).fit(
        np.asarray(train_codes), np.asarray(train_labels)
    )
    return float(classifier.score(np.asarray(test_codes), np.asarray(test_labels)))


def cluster_nmi(codes, labels, n_clusters: int = 10, seed: int = 0) -> float:
    """Normalised mutual information between k-means clusters of the codes and the
    true classes (Strehl & Ghosh 2002): 1 = clusters are the classes, 0 = unrelated."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    clusters = KMeans(n_clusters=n_clusters, n_init=4, random_state=seed).fit_predict(
        np.asarray(codes, np.float64)
    )
    return float(normalized_mutual_info_score(np.asarray(labels), clusters))


def class_silhouette(codes, labels, sample_size: int = 5000, seed: int = 0) -> float:
    """Mean silhouette (Rousseeuw 1987) of the true classes in latent space, on a
    random sample: near 1 = tight separate classes, near 0 = overlapping."""
    from sklearn.metrics import silhouette_score

    codes, labels = np.asarray(codes), np.asarray(labels)
    size = min(sample_size, len(codes))
    return float(silhouette_score(codes, labels, sample_size=size, random_state=seed))


def mmd_to_prior(codes, sample_size: int = MMD_SAMPLE, seed: int = 0) -> float:
    """Unbiased MMD^2 between codes and as many N(0, I) draws, RBF kernel with
    C = 2 d (Gretton et al. 2012; the MMD-VAE's own kernel at bandwidth 1).
    About 0 when the aggregate posterior matches the prior."""
    rng = np.random.default_rng(seed)
    codes = np.asarray(codes, np.float32)
    if len(codes) > sample_size:
        codes = codes[rng.choice(len(codes), sample_size, replace=False)]
    prior = rng.standard_normal(codes.shape).astype(np.float32)
    return float(mmd(torch.from_numpy(codes), torch.from_numpy(prior)).item())


def aggregate_posterior(mu, logvar=None) -> dict[str, Any]:
    """Mean and covariance of the aggregate posterior q(z) = mean_x q(z|x).

    mean = E_x[mu(x)];  cov = Cov_x[mu(x)] + E_x[diag(sigma^2(x))] (law of total
    covariance; the second term is absent for point encoders). The prior N(0, I)
    has mean 0 and covariance I.
    """
    mu = np.asarray(mu, np.float64)
    cov = np.atleast_2d(np.cov(mu, rowvar=False))
    if logvar is not None:
        cov = cov + np.diag(np.exp(np.asarray(logvar, np.float64)).mean(axis=0))
    return {
        "mean": mu.mean(axis=0).tolist(),
        "cov": cov.tolist(),
        "std": np.sqrt(np.diag(cov)).tolist(),
    }


def active_units(mu, threshold: float = 0.01) -> int:
    """Dimensions u with Cov_x(E_q[z_u | x]) > threshold (Burda et al. 2016, Sec. 5.2):
    the latent dimensions the encoder actually uses."""
    variances = np.var(np.asarray(mu, np.float64), axis=0)
    return int((variances > threshold).sum())


MAP_RADIUS = 0.25  # on a 2-D map, a cell farther than this from every training code is shaded
HOLE_QUANTILE = 0.99  # see prior_holes


def _nearest_distances(reference, queries) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    index = NearestNeighbors(n_neighbors=1).fit(np.asarray(reference, np.float32))
    distances, _ = index.kneighbors(np.asarray(queries, np.float32))
    return distances[:, 0]


def prior_holes(mu, sigma=None, n_samples: int = 5000, seed: int = 0) -> float:
    """Share of the prior's mass that lies in holes, calibrated so that it means the same in any
    dimension: a sample of N(0, I) is in a hole when it is farther from every training code than
    ``HOLE_QUANTILE`` of the prior's samples are from as many other samples of the prior itself;
    the share in holes, less the 1 − ``HOLE_QUANTILE`` the prior itself leaves by that rule, is
    0 for codes drawn from the prior in 2, 10 or 20 dimensions and 1 where the codes miss the
    prior entirely. The codes are posterior samples (``mu`` + ``sigma`` · ε; the means of a
    point encoder), so a dimension the encoder leaves at the prior counts as filled.

    mu, sigma: [N, d] training posterior means and standard deviations (sigma None: points)."""
    rng = np.random.default_rng(seed)
    mu = np.asarray(mu, np.float32)
    codes = (
        mu
        if sigma is None
        else mu + np.asarray(sigma, np.float32) * rng.standard_normal(mu.shape, dtype=np.float32)
    )
    n, d = codes.shape
    queries = rng.standard_normal((n_samples, d), dtype=np.float32)
    reference = rng.standard_normal((n, d), dtype=np.float32)
    radius = np.quantile(_nearest_distances(reference, queries), HOLE_QUANTILE)
    share = float((_nearest_distances(codes, queries) > radius).mean())
    return max(0.0, share - (1.0 - HOLE_QUANTILE))


def coverage_map(
    train_codes, extent, n: int = 20, radius: float | None = None
) -> dict[str, np.ndarray]:
    """Per cell of an n x n grid over ``extent`` (same cells as latent.decode_grid):
    distance from the cell centre to the nearest training code, and whether it
    exceeds ``radius``. Rows run top (largest y) to bottom, like the mosaic."""
    train_codes = np.asarray(train_codes, np.float32)[:, :2]
    xs, ys = grid_points(extent, n)
    grid_x, grid_y = np.meshgrid(xs, ys[::-1])
    centres = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    distance = _nearest_distances(train_codes, centres).reshape(n, n)
    radius = MAP_RADIUS if radius is None else radius
    return {"distance": distance, "empty": distance > radius, "xs": xs, "ys": ys}


def latent_metrics(train: EncodedSplit, test: EncodedSplit, seed: int = 0) -> dict[str, Any]:
    """Layout and prior-match metrics from encoded train and test splits."""
    aggregate = aggregate_posterior(test.mu, test.logvar)
    return {
        "knn5_accuracy": knn_accuracy(train.mu, train.labels, test.mu, test.labels, k=5),
        "nmi_kmeans10": cluster_nmi(test.mu, test.labels, seed=seed),
        "silhouette": class_silhouette(test.mu, test.labels, seed=seed),
        "mmd_to_prior": mmd_to_prior(test.mu, seed=seed),
        "aggregate_mean": aggregate["mean"],
        "aggregate_cov": aggregate["cov"],
        "aggregate_std": aggregate["std"],
        "active_units": active_units(test.mu),
        "prior_holes": prior_holes(train.mu, train.sigma, seed=seed),
    }


def _resolve(dataset: ImageDataset | str, split: str) -> ImageDataset:
    return (
        load_dataset(dataset, split)
        if isinstance(dataset, str)
        else load_dataset(dataset.name, split)
    )


def evaluate(
    model: LatentModel, dataset: ImageDataset | str | None = None, seed: int = 0, iwae_k: int = 64
) -> dict[str, Any]:
    """Every metric for a model on a dataset's test split (default: its own dataset).

    ``test``: loss terms (nats per image; ``neg_elbo`` = recon + KL where the model
    has an ELBO), reconstruction errors through the mean code, the IWAE NLL estimate
    (K = ``iwae_k``; 0 skips it); ``latent``: :func:`latent_metrics`.
    """
    train, test = _splits(model, dataset)
    model.eval()
    terms = evaluate_terms(model, test.pixels, test.labels, seed=seed)
    terms.update(reconstruction_error(model, test.pixels, test.labels))
    if model.config.has_elbo and iwae_k > 0:
        terms["iwae_nll"] = iwae_nll(model, test.pixels, test.labels, k=iwae_k, seed=seed)
        terms["iwae_k"] = iwae_k
    return {
        "dataset": test.name,
        "split": test.split,
        "images": len(test),
        "test": terms,
        "latent": measure_latent(model, dataset, seed, (train, test)),
    }


def _splits(model: LatentModel, dataset) -> tuple[ImageDataset, ImageDataset]:
    """(train, test) of ``dataset`` (default: the model's), binarized as the model learned."""
    if dataset is None:
        dataset = model.train_config.dataset
    train, test = _resolve(dataset, "train"), _resolve(dataset, "test")
    if model.train_config is not None and model.train_config.binarize:
        from vae_core.training.trainer import TEST_BINARIZATION_SEED

        test = binarized(test, TEST_BINARIZATION_SEED)
        train = binarized(train, TEST_BINARIZATION_SEED + 1)
    return train, test


def measure_latent(model: LatentModel, dataset=None, seed: int = 0, splits=None) -> dict:
    """:func:`latent_metrics` of the model's encoded train and test splits (``splits``: the
    (train, test) datasets when already read)."""
    train, test = splits if splits is not None else _splits(model, dataset)
    model.eval()
    return latent_metrics(
        encode_dataset(model, train, "train"), encode_dataset(model, test, "test"), seed=seed
    )
