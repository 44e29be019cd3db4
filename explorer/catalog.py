"""The models this server offers, as the pickers and tables show them.

Built from the checkpoint store's listing (JSON only, no weights are read). Plain Python:
:mod:`explorer.cache` keeps one :class:`Catalog` per few seconds for every session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vae_core.kinds import OBJECTIVES
from vae_core.paths import shipped_checkpoints_dir
from vae_core.store import CheckpointInfo, list_checkpoints

DATASET_LABELS = {"mnist": "MNIST digits", "fashion-mnist": "Fashion-MNIST clothes"}
KIND_ORDER = {objective: index for index, objective in enumerate(OBJECTIVES)}  # vae, mmd_vae, ae, cvae


@dataclass(frozen=True)
class ModelEntry:
    """One stored checkpoint as the pickers show it."""

    name: str  # the checkpoint folder's name: what links and pickers carry
    dataset: str
    model: str  # the objective (ModelConfig.model)
    label: str  # the kind's label with its weight, e.g. "β-VAE (β=4)"
    latent_dim: int
    shipped: bool
    stochastic_encoder: bool  # has a Gaussian q(z|x), so posterior ellipses exist
    conditional: bool  # decodes a chosen class
    metrics: dict

    @property
    def title(self) -> str:
        origin = "shipped" if self.shipped else "trained here"
        return f"{self.label} · {self.latent_dim}-D · {origin}"


def entry_from_info(info: CheckpointInfo, shipped_root: Path) -> ModelEntry:
    config = info.model_config
    return ModelEntry(
        name=info.name,
        dataset=info.train_config.dataset,
        model=config.model,
        label=config.label,
        latent_dim=config.latent_dim,
        shipped=info.path.resolve().parent == shipped_root,
        stochastic_encoder=config.has_stochastic_encoder,
        conditional=config.is_conditional,
        metrics=info.metrics,
    )


class Catalog:
    """Every valid checkpoint: shipped ones first, then by dataset, kind and latent size."""

    def __init__(self, entries: list[ModelEntry]):
        self.entries = sorted(
            entries, key=lambda e: (not e.shipped, e.dataset, KIND_ORDER.get(e.model, 99), e.latent_dim, e.name)
        )

    @classmethod
    def from_store(cls) -> Catalog:
        shipped_root = shipped_checkpoints_dir().resolve()
        return cls([entry_from_info(info, shipped_root) for info in list_checkpoints()])

    def find(self, name: str | None) -> ModelEntry | None:
        return next((e for e in self.entries if e.name == name), None)

    def datasets(self) -> list[str]:
        """Datasets with at least one model, in the usual order (all of them when the store is empty)."""
        return [d for d in DATASET_LABELS if any(e.dataset == d for e in self.entries)] or list(DATASET_LABELS)

    def select(self, dataset: str, model: str | None = None, latent_dim: int | None = None) -> list[ModelEntry]:
        return [
            e
            for e in self.entries
            if e.dataset == dataset and (model is None or e.model == model) and (latent_dim is None or e.latent_dim == latent_dim)
        ]

    def default(self, dataset: str, model: str = "vae", latent_dim: int = 2) -> ModelEntry | None:
        """The shipped model of that objective if present, else any stored one."""
        candidates = self.select(dataset, model, latent_dim)
        return candidates[0] if candidates else None


METRICS = {  # title -> (section of metrics.json, key, what it means)
    "test -ELBO (nats)": ("test", "neg_elbo",
                          "Lower is better: a bound on how many nats it costs to describe a test image (only for models with an ELBO)."),
    "recon error (MSE)": ("test", "recon_mse", "Squared pixel error of decoding each test image's own code; lower is sharper."),
    "5-NN accuracy": ("latent", "knn5_accuracy",
                      "Share of test codes whose 5 nearest training codes have their class: how well classes separate."),
    "NMI": ("latent", "nmi_kmeans10", "Agreement between 10 k-means clusters of the codes and the true classes (0 = none, 1 = perfect)."),
    "MMD to prior": ("latent", "mmd_to_prior",
                     "How different the cloud of codes is from N(0, I); near 0 means no big holes for the prior to fall into."),
    "prior holes": ("latent", "prior_holes",
                    "Share of samples from N(0, I) that land far from every training code, where the decoder was never trained."),
}  # fmt: skip


def metric_row(entry: ModelEntry) -> dict:
    """Headline numbers of a checkpoint from its stored metrics (no recomputation)."""
    row = {"model": entry.label, "latent dim": entry.latent_dim}
    for title, (section, key, _) in METRICS.items():
        row[title] = entry.metrics.get(section, {}).get(key)
    return row


def comparison_table(entries: list[ModelEntry]) -> dict[str, dict]:
    """Models side by side: a column per model (its headline numbers) and one saying what each number means."""
    table = {entry.label: {title: metric_row(entry)[title] for title in METRICS} for entry in entries}
    table["what it means"] = {title: meaning for title, (_, _, meaning) in METRICS.items()}
    return table
