"""ELBO vs MMD: the same test images under two models, and the seed study's spread of the
shipped pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core import caches


def paired_codes(first: str, second: str, rows=None, count: int = 300, limit: int = 600):
    """The same test images under two models: (codes_a [n, 2], codes_b [n, 2], labels [n]) for
    ``rows`` (a selection; at most ``limit``) or ``count`` random ones."""
    a, b = caches.encoded(first), caches.encoded(second)
    if rows is None:
        rows = np.random.default_rng(0).choice(len(a), count, replace=False)
    rows = np.asarray(rows, np.int64)[:limit]
    return a.mu[rows, :2], b.mu[rows, :2], a.labels[rows]


@dataclass(frozen=True)
class SeedSpread:
    table: dict[str, dict[str, str]]  # column -> metric -> text: st.table shows a row per metric
    seeds: tuple[int, ...]
    clear: tuple[str, ...]  # the metrics whose difference survives Holm's correction
    # how many paired comparisons the whole study makes (the family Holm's correction runs over)
    comparisons: int
    threshold: float  # standard errors a difference needs to be clear among them


def seed_spread(dataset: str) -> SeedSpread | None:
    """The shipped MMD-VAE and ELBO VAE over the study's seeds, or None where the study has no runs
    of them."""
    from vae_core.experiments.study import clear_threshold
    from vae_core.experiments.study_report import comparison_count, comparison_rows

    results = study_results()
    if results is None:
        return None
    try:
        rows = comparison_rows(results, dataset)
        comparisons = comparison_count(results)
    except (
        KeyError,
        TypeError,
        ValueError,
    ):  # a hand-edited file: say nothing rather than something wrong
        return None
    if not rows:
        return None
    clear = tuple(
        metric
        for metric, row in rows.items()
        if not row["verdict"].startswith("no clear difference")
    )
    table = {
        column: {metric: row[column] for metric, row in rows.items()}
        for column in next(iter(rows.values()))
    }
    seeds = tuple(int(s) for s in results.get("seeds", []))
    threshold = clear_threshold(max(len(seeds), 2), max(comparisons, 1))
    return SeedSpread(table, seeds, clear, comparisons, threshold)


@st.cache_data(ttl=60, show_spinner=False)
def study_results() -> dict | None:
    """The seed study's raw results (docs/study.json), or None where it is missing or unreadable."""
    from vae_core.data.paths import study_results_path
    from vae_core.experiments.study import load_results

    try:
        results = load_results(study_results_path())
    except (OSError, ValueError, TypeError):
        return None
    return results if isinstance(results, dict) and isinstance(results.get("runs"), list) else None
