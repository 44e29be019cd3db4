"""Projections for the app: cached look-ups, computations with progress, honest time estimates."""

from __future__ import annotations

import numpy as np

from explorer.core import caches
from explorer.core.fields import setting_field
from vae_core.analysis.projection_methods import METHODS, get_method
from vae_core.analysis.projections import Projection, estimate, lookup, project
from vae_core.data.datasets import load_arrays


def method_labels() -> dict[str, str]:
    """The page's choices: every registered method, by name."""
    return {method.name: method.label for method in METHODS.values()}


def method_summary(method: str) -> str:
    return get_method(method).summary


def option_fields(method: str, columns) -> dict:
    """The method's options as sliders, one per column after the first (the first holds the
    method and the number of points); its values by name."""
    shown = [option for option in get_method(method).options if option.in_form]
    return {
        option.name: setting_field(where, option, f"proj_{option.name}", slider=True)
        for where, option in zip(columns[1:], shown, strict=False)
    }


def computes_at_once(method: str) -> bool:
    """True for a method cheap enough to compute without a button (PCA)."""
    return get_method(method).instant


def cached(inputs, method: str, **params) -> Projection | None:
    """The disk-cached projection for these settings, or None. Asking for a method with a
    one-time preparation (UMAP compiles itself) starts it in the background, so the first
    computation starts warm."""
    result = lookup(inputs, method, **params)
    if result is None:
        get_method(method).prepare()
    return result


def expected_time(method: str, n: int) -> str:
    """How long it should take: from this server's own earlier runs, or before the first one
    from the reference machine's (and UMAP's one-time compilation or load, while it is due)."""
    expected = estimate(method, n, get_method(method).ready())
    if expected.seconds < 1.5:
        return "about a second"
    where = "on this server" if expected.measured_here else "on a two-core machine"
    return f"about {expected.seconds:.0f} s {where}"


def compute(inputs, method: str, progress, **params) -> Projection:
    return project(inputs, method, progress=progress, **params)


def projection_inputs(dataset: str, name: str | None, count: int) -> tuple[np.ndarray, np.ndarray]:
    """What the Projections page projects: the first ``count`` test images' pixels
    (``name`` None) or their codes under a model, with their labels."""
    images, labels = load_arrays(dataset, "test")
    count = min(count, len(labels))  # a small imported set has fewer
    if name is None:
        return images[:count].reshape(count, -1).astype(np.float32) / 255.0, labels[:count]
    return caches.encoded(name).mu[:count], labels[:count]
