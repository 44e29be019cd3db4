"""What a projection method is: one object that owns its name, its options and how it fits.

The Projections page, the disk cache's key, the time estimates and the seed study ask a method
(:func:`vae_core.analysis.projection_methods.get_method`), never compare its name. A method is a
frozen dataclass; one with its own fitting subclasses :class:`ProjectionMethod` and overrides
``embed`` (and ``check`` for limits that depend on the number of points).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vae_core.models.kinds import Setting


@dataclass(frozen=True)
class ProjectionMethod:
    """One way of drawing many-dimensional points in two dimensions."""

    name: str  # how the cache, links and code spell it, e.g. "tsne"
    label: str  # what the page calls it, e.g. "t-SNE"
    summary: str  # one sentence for someone who has not met it
    order: int  # its place on the page
    reference_rate: float  # seconds per unit of ``cost`` on the reference two-core machine
    options: tuple[Setting, ...] = ()  # its parameters (in_form: shown on the page)
    transforms_new_points: bool = False  # a fitted projection can place points it never saw
    instant: bool = False  # cheap enough to compute without asking

    def cost(self, n_points: int) -> float:
        """How its time grows with the number of points (scaled by ``reference_rate``)."""
        return float(n_points)

    def params(self, chosen: dict[str, Any]) -> dict[str, Any]:
        """Its options with ``chosen`` applied, each checked (ValueError in words)."""
        return {o.name: o.check(chosen.get(o.name, o.default)) for o in self.options}

    def check(self, params: dict[str, Any], n_points: int) -> None:
        """ValueError for options that do not suit ``n_points`` points."""

    def ready(self) -> bool:
        """True when a fit starts at once (False: a one-time preparation is still due)."""
        return True

    def prepare(self) -> None:
        """Start any one-time preparation in the background (UMAP compiles itself)."""

    def preparation(self) -> tuple[str, float] | None:
        """The one-time cost a process pays before its first fit, as (the name its times are
        kept under, the reference machine's seconds); None for a method that has none."""
        return None

    def prepare_now(self) -> None:
        """Pay that one-time cost here (the warm-up thread calls it)."""

    def describe(self, n_points: int) -> str:
        """What a running fit is doing, for its progress bar."""
        return f"{self.label} of {n_points:,} points"

    def embed(self, X: np.ndarray, params: dict[str, Any], random_state: int) -> np.ndarray:
        """X [N, D] float32 -> [N, 2]."""
        raise NotImplementedError


def reduce_first(X: np.ndarray, dims: int, random_state: int) -> np.ndarray:
    """Inputs wider than ``dims`` (raw pixels) reduced to ``dims`` principal components first,
    as van der Maaten & Hinton (2008) do before t-SNE."""
    if X.shape[1] <= dims:
        return X
    from sklearn.decomposition import PCA

    return PCA(dims, random_state=random_state).fit_transform(X)


PCA_DIMS = Setting(
    name="pca_dims",
    label="PCA dimensions first",
    help="Inputs wider than this are first reduced to this many principal components.",
    default=50,
    low=2,
    in_form=False,
)
