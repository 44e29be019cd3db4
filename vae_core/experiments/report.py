"""docs/RESULTS.md and its figures, regenerated from the shipped checkpoints.

``python -m vae_core report`` reads each shipped checkpoint's stored metrics
(written by ``python -m vae_core pretrain``) and the MMD sweep tables
(``docs/sweep-<dataset>.json``, written by ``python -m vae_core sweep --save``),
draws the figures with matplotlib, and writes the report. Every sentence that
compares models is produced from the numbers in the tables.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from vae_core.analysis.geometry import square_extent
from vae_core.analysis.latent import decode_grid, interpolate_codes, sample_prior
from vae_core.data.catalog import get as get_dataset
from vae_core.data.datasets import load_dataset
from vae_core.data.images import tile
from vae_core.data.paths import PROJECT_ROOT
from vae_core.experiments.pretrain import (
    AE_ROLE,
    CATALOG,
    CVAE_ROLE,
    MAIN_ROLES,
    MMD_ROLE,
    ROLES,
    SWEEP_RULE,
    VAE_ROLE,
    VALIDATION_IMAGES,
    ShippedModel,
    shipped_history,
    sweep_choice,
)
from vae_core.experiments.study import OLDER_HOLES, load_results, metric_title, paired, summary
from vae_core.experiments.study_report import interval, spread, study_section
from vae_core.store.encoding import encode_dataset
from vae_core.viz import CLASS_COLOURS

logger = logging.getLogger(__name__)

DOCS = PROJECT_ROOT / "docs"


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt(v, digits) for v in value) + ")"
    return f"{value:.{digits}f}"


def _cov(cov) -> str:
    if not cov:
        return "–"
    if len(cov) == 2:
        return f"[[{cov[0][0]:.2f}, {cov[0][1]:.2f}], [{cov[1][0]:.2f}, {cov[1][1]:.2f}]]"
    return "diag " + _fmt([row[i] for i, row in enumerate(cov)])


def _given_class(entry: ShippedModel, cell: str) -> str:
    """A conditional VAE's bounds are on −log p(x | y), not −log p(x): marked, not compared."""
    return f"{cell} (x given y)" if entry.model_config.is_conditional and cell != "–" else cell


def metrics_table(entries: list[ShippedModel]) -> str:
    header = (
        "| model | d | parameters | epochs | train time (s) | test -ELBO | IWAE bound (K=64) | "
        "recon BCE | recon MSE | 5-NN acc. | NMI | silhouette | MMD to prior (means) | active "
        "units | aggregate mean | aggregate cov | prior holes |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for entry in entries:
        metrics = json.loads((entry.path / "metrics.json").read_text())
        test, latent, training = (
            metrics.get("test", {}),
            metrics.get("latent", {}),
            metrics.get("training", {}),
        )
        cells = [
            ROLES[entry.role],
            str(entry.model_config.latent_dim),
            f"{training.get('parameters', 0):,}",
            str(training.get("epochs_completed")),
            _fmt(training.get("wall_time_s"), 0),
            _given_class(entry, _fmt(test.get("neg_elbo")) if entry.model_config.has_elbo else "–"),
            _given_class(entry, _fmt(test.get("iwae_nll"))),
            _fmt(test.get("recon_bce")),
            _fmt(test.get("recon_mse")),
            _fmt(latent.get("knn5_accuracy"), 3),
            _fmt(latent.get("nmi_kmeans10"), 3),
            _fmt(latent.get("silhouette"), 3),
            _fmt(latent.get("mmd_to_prior"), 4),
            f"{latent['active_units']} of {entry.model_config.latent_dim}"
            if "active_units" in latent
            else "–",
            _fmt(latent.get("aggregate_mean"))
            if entry.model_config.latent_dim <= 2
            else "see metrics.json",
            _cov(latent.get("aggregate_cov"))
            if entry.model_config.latent_dim <= 2
            else "see metrics.json",
            _fmt(latent.get("prior_holes"), 3),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sweep_table(rows: list[dict]) -> str:
    lines = [
        "| kernel | λ | scales | epochs | recon (nats) | 5-NN acc. | MMD to prior | max abs(mean) "
        "| std |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['kernel']} | {row['lambda']:g} | {row['scales']} | {row['epochs']} | "
            f"{row['recon']:.1f} | {row['knn5_accuracy']:.3f} | "
            f"{row['mmd_to_prior']:.4f} | {row['max_abs_mean']:.3f} | {_fmt(row['std'])} |"
        )
    return "\n".join(lines)


FINDINGS = (  # study metric, metrics.json section and key, words, digits
    ("5-NN accuracy", "latent", "knn5_accuracy", "5-NN accuracy", 3),
    ("NMI", "latent", "nmi_kmeans10", "k-means NMI", 3),
    ("MMD to prior", "latent", "mmd_to_prior", "MMD to N(0, I)", 4),
    (
        "prior holes",
        "latent",
        "prior_holes",
        "share of the prior in holes",
        3,
    ),
)


def findings(dataset: str, by_role: dict[str, dict], study: dict | None = None) -> str:
    """Sentences comparing the MMD-VAE with the ELBO VAE: with the study's seeds, each
    difference with its interval and a verdict only where the interval excludes zero;
    without them, the two numbers and no verdict."""
    vae, mmd = by_role.get(VAE_ROLE), by_role.get(MMD_ROLE)
    if not vae or not mmd:
        return ""
    parts = []
    for metric, section, key, words, digits in FINDINGS:
        comparison = None if study is None else paired(study, dataset, MMD_ROLE, VAE_ROLE, metric)
        if comparison is not None and metric_title(study, metric) == OLDER_HOLES:
            words = "share of prior samples farther than 0.25 from every training code"
        if comparison is None:
            parts.append(
                f"{words} {mmd[section][key]:.{digits}f} for the MMD-VAE against "
                f"{vae[section][key]:.{digits}f}"
            )
            continue
        m, v = summary(study, dataset, MMD_ROLE, metric), summary(study, dataset, VAE_ROLE, metric)
        parts.append(
            f"{words} {spread(*m[:2], digits)} against {spread(*v[:2], digits)} — "
            f"{comparison['verdict']} "
            f"(difference {interval(comparison, digits)}, {comparison['pairs']} seeds)"
        )
    head = f"On {get_dataset(dataset).title}, the MMD-VAE against the ELBO VAE, "
    if study is None or not any(r["dataset"] == dataset for r in study.get("runs", [])):
        head += (
            "one seed each (which cannot tell a difference from seed noise; "
            "`python -m vae_core study` measures it): "
        )
    v_std, m_std = vae["latent"]["aggregate_std"], mmd["latent"]["aggregate_std"]
    return (
        head + "; ".join(parts) + ". "
        f"The aggregate posterior has standard deviations {_fmt(v_std)} for the ELBO VAE and "
        f"{_fmt(m_std)} for the "
        "MMD-VAE (the prior's are 1); reconstructions through the mean code cost "
        f"{vae['test']['recon_bce']:.1f} and "
        f"{mmd['test']['recon_bce']:.1f} nats of BCE per image respectively."
    )


# --- figures --------------------------------------------------------------------


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _scatter(ax, codes, labels, names, title, extent):
    for label in range(10):
        rows = labels == label
        ax.scatter(
            codes[rows, 0],
            codes[rows, 1],
            s=2,
            color=CLASS_COLOURS[label],
            label=names[label],
            alpha=0.7,
            linewidths=0,
        )
    for radius, style in ((1, ":"), (2, "--")):
        ax.add_patch(
            _plt().Circle((0, 0), radius, fill=False, linestyle=style, color="#222222", linewidth=1)
        )
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.set_xlabel("z₁")
    ax.set_ylabel("z₂")


def latent_figure(dataset: str, models: dict, path: Path, shared_axes: bool = True) -> None:
    """Test-set latent means per model, side by side; the same axes for all when ``shared_axes``."""
    plt = _plt()
    names = get_dataset(dataset).class_names
    codes = {role: encode_dataset(model, dataset, "test") for role, model in models.items()}
    common = square_extent(*[c.mu for c in codes.values()])
    fig, axes = plt.subplots(1, len(models), figsize=(5.2 * len(models), 5.2))
    for ax, (role, encoded) in zip(np.atleast_1d(axes), codes.items()):
        extent = common if shared_axes else square_extent(encoded.mu)
        _scatter(ax, encoded.mu, encoded.labels, names, ROLES[role], extent)
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=10, markerscale=5, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _image_figure(
    images: list[tuple[str, np.ndarray]], path: Path, width: float = 5.0, stacked: bool = False
) -> None:
    """Greyscale images with titles, side by side (or one above the other when ``stacked``)."""
    plt = _plt()
    if stacked:
        fig, axes = plt.subplots(len(images), 1, figsize=(10, 1.15 * len(images)))
    else:
        ratio = images[0][1].shape[0] / images[0][1].shape[1]
        fig, axes = plt.subplots(1, len(images), figsize=(width * len(images), width * ratio + 0.5))
    for ax, (title, image) in zip(np.atleast_1d(axes), images):
        ax.imshow(image, cmap="gray", interpolation="nearest")
        if stacked:
            ax.set_title(title, fontsize=9, loc="left")
        else:
            ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def manifold_figure(models: dict, path: Path) -> None:
    images = []
    for role, model in models.items():
        images.append((ROLES[role], decode_grid(model, (-2.5, 2.5, -2.5, 2.5), n=20).mosaic))
    _image_figure(images, path)


def interpolation_figure(dataset: str, models: dict, path: Path) -> None:
    """For each model: the path between the test codes of two images of different classes."""
    test = load_dataset(dataset, "test")
    class_a, class_b = get_dataset(dataset).example("pair", 2)
    first_a = int(np.flatnonzero(test.labels.numpy() == class_a)[0])
    first_b = int(np.flatnonzero(test.labels.numpy() == class_b)[0])
    rows = []
    for role, model in models.items():
        encoded = encode_dataset(model, dataset, "test")
        label = 0 if model.config.is_conditional else None
        strip = interpolate_codes(
            model, encoded.mu[first_a], encoded.mu[first_b], steps=12, method="linear", label=label
        ).strip
        rows.append((ROLES[role], strip))
    _image_figure(rows, path, stacked=True)


def prior_samples_figure(models: dict, path: Path) -> None:
    images = []
    for role, model in models.items():
        label = np.repeat(np.arange(10), 10) if model.config.is_conditional else None
        _, samples = sample_prior(model, 100, seed=0, label=label)
        images.append((ROLES[role], tile(samples, 10, 10, pad=2)))
    _image_figure(images, path, width=4.0)


def curves_figure(entries: list[ShippedModel], path: Path) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for index, entry in enumerate(entries):
        history = shipped_history(entry)
        if not history:
            continue
        epochs = [r["epoch"] for r in history]
        colour = CLASS_COLOURS[index % len(CLASS_COLOURS)]
        axes[0].plot(
            epochs, [r["test"]["recon"] for r in history], color=colour, label=ROLES[entry.role]
        )
        if "neg_elbo" in history[0]["test"]:
            axes[1].plot(
                epochs,
                [r["test"]["neg_elbo"] for r in history],
                color=colour,
                label=ROLES[entry.role],
            )
    axes[0].set_title("test reconstruction term (nats)")
    axes[1].set_title("test -ELBO (nats)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- the report -------------------------------------------------------------------


INTRODUCTION = (
    "Everything here is regenerated by `python -m vae_core report` from the shipped checkpoints, "
    "which `python -m vae_core pretrain` rebuilds from scratch (seeded). Numbers are on each "
    "dataset's test split: -ELBO, IWAE and reconstruction terms in nats per image (continuous "
    "pixels, Bernoulli decoder: on grey levels these are bounds that rank models, not "
    "log-likelihoods; *Beside the literature* estimates −log p(x) on binarized MNIST). The IWAE "
    "figure is a K-sample estimate whose expectation bounds −log p(x) from above, tighter than "
    "the −ELBO; a conditional VAE's −ELBO and IWAE (marked *x given y*) bound −log p(x | y) "
    "instead, so they do not compare with the other rows. Active units count the dimensions "
    "whose posterior mean varies over the test images (variance > 0.01, Burda et al. 2016); "
    "5-NN accuracy fits on the 60,000 training codes and scores the 10,000 test codes; NMI "
    "compares k-means(10) clusters with the classes; MMD to the prior uses 5,000 posterior means "
    "(not samples: it flatters a model whose unused dimensions sit at 0) and an RBF kernel; "
    "prior holes is the share of the prior in holes, calibrated so that it reads the same in "
    "any dimension: a sample of N(0, I) is in a hole when it lies farther from every training "
    "code (posterior samples) than 99 % of 5,000 prior samples lie from as many samples of the "
    "prior itself, and the 1 % the prior leaves by that rule is subtracted, so codes drawn from "
    "the prior read 0 in 2, 10 and 20 dimensions (with 60,000 codes, 20 dimensions resolve only "
    "large holes). Models train for "
    "different numbers of epochs (the *epochs* column), which the reconstruction columns "
    "depend on. Training times were measured on the two-core CPU machine that made the "
    "checkpoints."
)
FIGURES = {  # file stem -> caption after the dataset's title
    "elbo-vs-mmd": "ELBO VAE and MMD-VAE latent means of the test set, prior 1σ/2σ circles",
    "ae-and-cvae": "plain autoencoder and conditional VAE latent means",
    "manifolds": "decoded 20x20 grids over [-2.5, 2.5]²",
    "interpolations": "linear interpolation between two test images, per model",
    "prior-samples": "100 decodings of N(0, I) samples per model",
    "training-curves": "test curves during training",
}


def draw_figures(dataset: str, entries: list[ShippedModel], figures: Path) -> list[str]:
    """Every figure of one dataset's section; the Markdown lines that show them."""
    two_d = {e.role: e.load() for e in entries if e.model_config.latent_dim == 2}
    comparison = {role: two_d[role] for role in (VAE_ROLE, MMD_ROLE) if role in two_d}

    def path(stem: str) -> Path:
        return figures / f"{dataset}-{stem}.png"

    latent_figure(dataset, comparison, path("elbo-vs-mmd"))
    latent_figure(
        dataset,
        {r: m for r, m in two_d.items() if r in (AE_ROLE, CVAE_ROLE)},
        path("ae-and-cvae"),
        shared_axes=False,
    )
    manifold_figure(comparison, path("manifolds"))
    interpolation_figure(dataset, two_d, path("interpolations"))
    prior_samples_figure(two_d, path("prior-samples"))
    curves_figure(entries, path("training-curves"))
    title = get_dataset(dataset).title
    return [
        line
        for stem, caption in FIGURES.items()
        for line in (f"![{title}: {caption}](figures/{dataset}-{stem}.png)", "")
    ]


def sweep_section(dataset: str, entries: list[ShippedModel], out: Path) -> list[str]:
    """The MMD-VAE sweep table when docs/sweep-<dataset>.json exists, else a pointer to the
    command."""
    mmd = next((e.model_config for e in entries if e.role == MMD_ROLE), None)
    if mmd is None:
        return []
    title = get_dataset(dataset).title
    sweep_path = out / f"sweep-{dataset}.json"
    if not sweep_path.is_file():
        return [
            f"The {title} MMD-VAE uses the setting the MNIST sweep chose ({mmd.mmd_kernel} kernel, "
            f"λ = {mmd.mmd_weight:g}); `python -m vae_core sweep --dataset {dataset} --save` runs "
            f"the same sweep on {title} "
            "and adds its table here.",
            "",
        ]
    rows = json.loads(sweep_path.read_text())
    return [
        f"### MMD-VAE sweep ({title})",
        "",
        "Each row trains the shipped MMD-VAE's network with one kernel and weight for "
        f"{rows[0]['epochs']} epochs (`python -m vae_core sweep --dataset {dataset} --epochs "
        f"{rows[0]['epochs']} --save`) on the training images but the last "
        f"{VALIDATION_IMAGES:,}, and measures it on those {VALIDATION_IMAGES:,} (a validation "
        "split: the choice never reads the test split, which the shipped model is measured on "
        "once, above). "
        f"The shipped model uses the {mmd.mmd_kernel} kernel with λ = {mmd.mmd_weight:g} and "
        "scales "
        f"{', '.join(f'{s:g}' for s in mmd.kernel_scales)}. {_sweep_verdict(rows, mmd)}",
        "",
        sweep_table(rows),
        "",
    ]


def _sweep_verdict(rows: list[dict], mmd) -> str:
    """What the sweep chose, by its rule (pretrain.sweep_choice), and whether it is shipped."""
    rule = (
        "the highest validation 5-NN accuracy among the settings whose codes are centred "
        f"(every |mean| ≤ {SWEEP_RULE['max_abs_mean']:g}) with standard deviations in "
        f"[{SWEEP_RULE['std'][0]:g}, {SWEEP_RULE['std'][1]:g}] and MMD ≤ "
        f"{SWEEP_RULE['mmd_to_prior']:g}"
    )
    choice = sweep_choice(rows) if all("measured_on" in row for row in rows) else None
    if choice is None:
        return f"The rule is {rule}; these rows were not measured on a validation split."
    chosen = (choice["kernel"], choice["lambda"], choice["scales"])
    shipped = (mmd.mmd_kernel, mmd.mmd_weight, ",".join(f"{s:g}" for s in mmd.kernel_scales))
    words = f"{choice['kernel']} kernel, λ = {choice['lambda']:g}, scales {choice['scales']}"
    if chosen == shipped:
        return f"It is the sweep's choice ({words}): {rule}."
    return f"The sweep now chooses {words} ({rule}); the shipped model predates it."


def generate(out: Path = DOCS, on_message=print) -> Path:
    """Write RESULTS.md and its figures under ``out`` and return the report's path."""
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    sections = ["# Results", "", INTRODUCTION, ""]
    study_path = out / "study.json"
    study = load_results(study_path) if study_path.is_file() else None
    for dataset in ("mnist", "fashion-mnist"):
        entries = [
            e for e in CATALOG if e.dataset == dataset and e.role in MAIN_ROLES and e.exists()
        ]
        if not entries:
            continue
        on_message(f"{dataset}: {len(entries)} checkpoints")
        metrics = {e.role: json.loads((e.path / "metrics.json").read_text()) for e in entries}
        sections += [f"## {get_dataset(dataset).title}", "", metrics_table(entries), ""]
        text = findings(dataset, metrics, study)
        if text:
            sections += [text, ""]
        sections += draw_figures(dataset, entries, figures)
        sections += sweep_section(dataset, entries, out)
    if study is not None:
        sections += study_section(study)
    report = out / "RESULTS.md"
    report.write_text("\n".join(sections))
    on_message(f"wrote {report}")
    return report
