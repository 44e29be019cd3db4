"""Numbers that describe a trained model, each with its formula and source."""

from __future__ import annotations

import logging
from typing import Any

import torch

from vae_core.data import ImageDataset, load_dataset
from vae_core.models import LatentModel
from vae_core.train import evaluate_terms

logger = logging.getLogger(__name__)


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
        x = images[start : start + batch_size]
        y = labels[start : start + batch_size] if model.config.is_conditional else None
        mu, _ = model.encode(x, y)
        logits = model.decode_logits(mu, y)
        x_hat = torch.sigmoid(logits)
        mse_total += (x_hat - x).pow(2).flatten(1).sum(1).sum().item()
        bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none")
        bce_total += bce.flatten(1).sum(1).sum().item()
    n = images.shape[0]
    return {"recon_mse": mse_total / n, "recon_bce": bce_total / n}


def _resolve(dataset: ImageDataset | str, split: str) -> ImageDataset:
    return load_dataset(dataset, split) if isinstance(dataset, str) else dataset


def evaluate(model: LatentModel, dataset: ImageDataset | str | None = None, seed: int = 0) -> dict[str, Any]:
    """Evaluate on a test split (default: the model's own dataset's test split).

    ``test``: loss terms (nats per image; ``neg_elbo`` = recon + KL where the model
    has an ELBO), plus reconstruction errors through the mean code.
    """
    if dataset is None:
        dataset = model.train_config.dataset
    test = _resolve(dataset, "test")
    model.eval()
    results: dict[str, Any] = {"dataset": test.name, "split": test.split, "images": len(test)}
    terms = evaluate_terms(model, test.images, test.labels, seed=seed)
    terms.update(reconstruction_error(model, test.images, test.labels))
    results["test"] = terms
    return results
