"""The models this server offers, as the pickers and tables show them.

Built from the checkpoint store's listing (JSON only, no weights are read). Plain Python:
:mod:`explorer.core.caches` keeps one :class:`Catalog` per few seconds for every session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from vae_core.data import catalog as dataset_catalog
from vae_core.data.catalog import DatasetError
from vae_core.data.catalog import get as get_dataset
from vae_core.data.paths import shipped_checkpoints_dir
from vae_core.experiments.pretrain import MAIN_ROLES
from vae_core.models.kinds import MMD_VAE, VAE, ModelKind
from vae_core.store.checkpoints import (
    CheckpointInfo,
    list_checkpoints,
    read_name,
    resolve_checkpoint,
    zip_checkpoint,
)


def dataset_label(name: str) -> str:
    """What a person reads for a dataset ("MNIST digits"); the name itself when it is gone."""
    try:
        return get_dataset(name).label
    except DatasetError:
        return name


def dataset_names() -> tuple[str, ...]:
    """Every dataset there is: built-in, generated and imported, in their order."""
    return dataset_catalog.names()


@dataclass(frozen=True)
class ModelEntry:
    """One stored checkpoint as the pickers show it."""

    name: str  # the checkpoint folder's name: what links and pickers carry
    dataset: str
    kind: ModelKind  # what it is (VAE, β-VAE, MMD-VAE, ...)
    label: str  # the kind's label with its weight, e.g. "β-VAE (β=4)"
    latent_dim: int
    shipped: bool
    stochastic_encoder: bool  # has a Gaussian q(z|x), so posterior ellipses exist
    conditional: bool  # decodes a chosen class
    metrics: dict
    details: tuple[
        str, ...
    ] = ()  # what can tell it from a model of the same kind: network, epochs, images, lr, ...
    given_name: str | None = None  # the name a user gave it
    title: str = ""  # what pickers show; the Catalog fills in what tells it from its neighbours
    # the kind's weight (β, λ), so that pickers sort 10, 30, 100 rather than 10, 100, 30
    weight: float = 1.0

    @property
    def role(self) -> str | None:
        """Its place in the shipped catalogue (vae, mmd-vae, beta-4, ...), None when trained
        here."""
        return self.metrics.get("role") if self.shipped else None


def _details(info: CheckpointInfo) -> tuple[str, ...]:
    model, train = info.model_config, info.train_config
    widths = "-".join(str(h) for h in model.hidden_sizes) or "no hidden layer"
    network = (
        f"{widths} MLP"
        if model.architecture == "mlp"
        else f"conv {'-'.join(map(str, model.conv_channels))}, {widths}"
    )
    trained = datetime.fromtimestamp(info.path.stat().st_mtime).strftime("trained %d %b %H:%M")
    facts = info.metrics.get("training", {}) if isinstance(info.metrics, dict) else {}
    stopped = facts.get("stop_reason") == "stopped"
    epochs = (
        f"{train.epochs} of {facts.get('epochs_requested', '?')} epochs, stopped"
        if stopped
        else f"{train.epochs} epochs"
    )
    # What tells two models apart comes first: a picker shows about 35 characters of a title.
    return (
        epochs,
        network,
        f"{train.train_subset or 60_000:,} images",
        f"lr {train.learning_rate:g}",
        f"batch {train.batch_size}",
        f"seed {train.seed}",
        trained,
    )


def entry_from_info(info: CheckpointInfo, shipped_root: Path) -> ModelEntry:
    config = info.model_config
    return ModelEntry(
        name=info.name,
        dataset=info.train_config.dataset,
        kind=config.kind,
        label=config.label,
        latent_dim=config.latent_dim,
        shipped=info.path.resolve().parent == shipped_root,
        stochastic_encoder=config.has_stochastic_encoder,
        conditional=config.is_conditional,
        metrics=info.metrics,
        details=_details(info),
        given_name=read_name(info.path),
        weight=config.kind.weight(config),
    )


def titled(entries: list[ModelEntry]) -> list[ModelEntry]:
    """Each entry with its picker title: the user's name, the kind, the latent size, where it
    comes from and, among entries that would otherwise read the same, the details that differ."""
    groups: dict[tuple, list[ModelEntry]] = {}
    for entry in entries:
        groups.setdefault((entry.dataset, entry.label, entry.latent_dim, entry.shipped), []).append(
            entry
        )
    result = []
    for entry in entries:
        group = groups[(entry.dataset, entry.label, entry.latent_dim, entry.shipped)]
        differing = [i for i in range(len(entry.details)) if len({e.details[i] for e in group}) > 1]
        differing = [
            i for i in differing if i < len(entry.details) - 1
        ] or differing  # the time only when nothing else differs
        if entry.details and entry.details[0].endswith("stopped") and 0 not in differing:
            differing.insert(0, 0)  # a stopped run always says so
        parts = [entry.given_name] if entry.given_name else []
        parts += [entry.label, f"{entry.latent_dim}-D", *(entry.details[i] for i in differing)]
        if not entry.shipped:
            parts.append("trained here")
        result.append(replace(entry, title=" · ".join(parts)))
    return result


class Catalog:
    """Every valid checkpoint: the main shipped models first, then the shipped families,
    then those trained here; by dataset, kind and latent size."""

    def __init__(self, entries: list[ModelEntry]):
        def order(e: ModelEntry):
            main = e.shipped and e.role in MAIN_ROLES
            known = dataset_names()
            dataset = known.index(e.dataset) if e.dataset in known else len(known)
            return (
                not e.shipped,
                not main,
                dataset,
                e.kind.order,
                e.latent_dim,
                e.weight,
                e.label,
                e.name,
            )

        self.entries = sorted(titled(entries), key=order)

    @classmethod
    def from_store(cls) -> Catalog:
        shipped_root = shipped_checkpoints_dir().resolve()
        return cls([entry_from_info(info, shipped_root) for info in list_checkpoints()])

    def find(self, name: str | None) -> ModelEntry | None:
        return next((e for e in self.entries if e.name == name), None)

    def datasets(self) -> list[str]:
        """Datasets with at least one model, in the usual order (all of them when the store is
        empty)."""
        known = dataset_names()
        return [d for d in known if any(e.dataset == d for e in self.entries)] or list(known)

    def select(
        self, dataset: str, objective: ModelKind | None = None, latent_dim: int | None = None
    ) -> list[ModelEntry]:
        """The models of ``dataset`` trained with the objective of the kind ``objective`` (a β-VAE
        has the VAE's), with ``latent_dim`` dimensions; None matches all."""
        return [
            e
            for e in self.entries
            if e.dataset == dataset
            and (objective is None or e.kind.objective == objective.objective)
            and (latent_dim is None or e.latent_dim == latent_dim)
        ]

    def elbo_and_mmd(self, dataset: str) -> tuple[list[ModelEntry], list[ModelEntry]]:
        """The 2-D models trained with the ELBO and those trained with MMD, for ELBO vs MMD."""
        return self.select(dataset, VAE, 2), self.select(dataset, MMD_VAE, 2)

    def default(
        self, dataset: str, objective: ModelKind = VAE, latent_dim: int = 2
    ) -> ModelEntry | None:
        """The shipped model of that objective if present, else any stored one."""
        candidates = self.select(dataset, objective, latent_dim)
        return candidates[0] if candidates else None


@dataclass(frozen=True)
class Metric:
    section: str  # of metrics.json
    key: str
    digits: int  # decimals shown
    meaning: str  # one sentence for the tables


METRICS = {
    "test -ELBO (nats)": Metric(
        "test",
        "neg_elbo",
        2,
        "Lower is better: the negative ELBO, an upper bound on −log p(x) of a test image "
        "(−log p(x | y) for a conditional VAE). Grey levels are scored as Bernoulli "
        "probabilities, so it is not the length of a code for the image. Only for models with "
        "an ELBO.",
    ),
    "recon error (MSE)": Metric(
        "test",
        "recon_mse",
        2,
        "Squared pixel error of decoding each test image's own code; lower is sharper.",
    ),
    "5-NN accuracy": Metric(
        "latent",
        "knn5_accuracy",
        3,
        "Share of test codes whose 5 nearest training codes have their "
        "class: how well classes separate.",
    ),
    "NMI": Metric(
        "latent",
        "nmi_kmeans10",
        3,
        "Agreement between 10 k-means clusters of the codes and the true classes "
        "(0 = none, 1 = perfect).",
    ),
    "MMD to prior": Metric(
        "latent",
        "mmd_to_prior",
        4,
        "How different the cloud of posterior means is from N(0, I) (lower is closer). It "
        "does not count holes: in the seed study the MMD-VAE has the lower MMD and the more "
        "holes. On means, it flatters a model whose unused dimensions sit at 0.",
    ),
    "prior holes": Metric(
        "latent",
        "prior_holes",
        3,
        "Share of N(0, I) in holes, where the decoder was never trained: prior samples "
        "farther from every training code than 99 % of them lie from as many samples of the "
        "prior, less the 1 % the prior itself leaves (0 = no holes, in any dimension).",
    ),
}
MISSING = "−"  # what tables show where a number does not apply


def metric_value(entry: ModelEntry, title: str) -> float | None:
    metric = METRICS[title]
    value = entry.metrics.get(metric.section, {}).get(metric.key)
    return float(value) if isinstance(value, (int, float)) else None


def metric_text(entry: ModelEntry, title: str) -> str:
    value = metric_value(entry, title)
    return MISSING if value is None else f"{value:.{METRICS[title].digits}f}"


def metric_row(entry: ModelEntry) -> dict:
    """Headline numbers of a checkpoint from its stored metrics (no recomputation), as text."""
    return {"model": f"{entry.label}, {entry.latent_dim}-D"} | {
        title: metric_text(entry, title) for title in METRICS
    }


def _dataset_title(name: str) -> str:
    try:
        return get_dataset(name).title
    except DatasetError:
        return name


def home_table(entries: list[ModelEntry]) -> list[dict]:
    """The Home page's table: every model except the members of the β / λ families."""
    return [
        {
            "dataset": _dataset_title(e.dataset),
            **metric_row(e)
            | {
                "model": e.title.removesuffix(" · trained here")
                or " · ".join(filter(None, [e.given_name, e.label, f"{e.latent_dim}-D"]))
            },
            "origin": "shipped" if e.shipped else "trained here",
        }
        for e in entries
        if not e.shipped or e.role in MAIN_ROLES
    ]


def comparison_table(entries: list[ModelEntry]) -> dict[str, dict]:
    """Models side by side: a column per model (its headline numbers) and one saying what each
    number means."""
    table = {
        entry.label: {title: metric_text(entry, title) for title in METRICS} for entry in entries
    }
    table["what it means"] = {title: metric.meaning for title, metric in METRICS.items()}
    return table


def checkpoint_zip(name: str) -> bytes:
    """A checkpoint folder as a zip for download."""
    return zip_checkpoint(resolve_checkpoint(name))
