"""The β / λ families from the app: which members are stored, training a missing one in the
shared pool, and their loss terms and common extent for the β / λ page."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from explorer.core import caches
from explorer.maps import map_figures
from explorer.training.train_live import submit
from vae_core.experiments.families import FAMILIES, FAMILY_EPOCHS, Family
from vae_core.models.kinds import loss_terms

__all__ = ["FAMILIES", "FAMILY_EPOCHS"]  # plus the functions below


def family_members(family: Family, dataset: str) -> dict[float, str | None]:
    """Each value of the family -> its stored checkpoint name, or None while untrained."""
    return {value: family.stored_name(dataset, value) for value in family.values}


def submit_member(family: Family, dataset: str, value: float) -> str:
    return submit(*family.configs(dataset, value))


@dataclass(frozen=True)
class FamilyTerms:
    """Test loss terms (per image) of a family's trained members."""

    values: list[float]  # the weights (β or λ) of the trained members, increasing
    terms: dict[str, list]  # term title -> its value per member
    table: pd.DataFrame  # the same, indexed by the weight


def family_terms(family: Family, members: dict[float, str | None]) -> FamilyTerms | None:
    """The terms of the trained members (None while none is trained)."""
    catalog = caches.catalog()
    terms = {  # what the objective is made of: the common terms and the kinds' own
        name: term for name, term in loss_terms().items() if not term.derived and name != "loss"
    }
    rows = []
    for value, name in members.items():
        entry = catalog.find(name) if name else None
        if entry is None:
            continue
        test = entry.metrics.get("test", {})
        rows.append(
            {
                family.symbol: value,
                **{term.title: test.get(name) for name, term in terms.items()},
            }
        )
    if not rows:
        return None
    table = pd.DataFrame(rows).set_index(family.symbol).dropna(axis=1, how="all")
    return FamilyTerms(
        table.index.tolist(), {title: table[title].tolist() for title in table.columns}, table
    )


def family_extent(members: dict[float, str | None]):
    """One square for every trained member, so their layouts compare."""
    names = [name for name in members.values() if name]
    return map_figures.map_extent(*names) if names else None
