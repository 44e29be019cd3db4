"""The study in words and tables: means ± standard deviations over seeds, paired intervals,
and our numbers beside the literature's. Everything is computed from the study's saved
results (docs/study.json), so the report regenerates without training."""

from __future__ import annotations

import math

from vae_core.study import BINARIZED, LITERATURE, METRICS, STUDY_ROLES, paired, summary

ROLE_TITLES = {"vae": "ELBO VAE", "mmd_vae": "MMD-VAE", "ae": "autoencoder", BINARIZED: "ELBO VAE, binarized MNIST"}
DATASET_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def spread(mean: float, std: float, digits: int) -> str:
    if math.isnan(mean):
        return "–"
    return f"{mean:.{digits}f}" if math.isnan(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"


def interval(comparison: dict, digits: int) -> str:
    low, high = comparison["low"], comparison["high"]
    bounds = "unbounded (one pair)" if math.isinf(low) else f"[{low:+.{digits}f}, {high:+.{digits}f}]"
    return f"{comparison['difference']:+.{digits}f} {bounds}"


def spread_table(results: dict, dataset: str) -> str:
    """Metric rows, a column per model: mean ± standard deviation over the seeds."""
    roles = [r for r in STUDY_ROLES if any(summary(results, dataset, r, m)[2] for m in METRICS)]
    lines = ["| metric | " + " | ".join(ROLE_TITLES[r] for r in roles) + " |", "|---|" + "---|" * len(roles)]
    for title, metric in METRICS.items():
        cells = [spread(*summary(results, dataset, role, title)[:2], metric.digits) for role in roles]
        if any(cell != "–" for cell in cells):
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comparison_table(results: dict, dataset: str, pairs=(("mmd_vae", "vae"), ("ae", "vae"))) -> str:
    """Paired differences (same seeds) with their 95 % intervals and what they allow one to say."""
    lines = ["| comparison | metric | difference [95 % interval] | seeds | verdict |", "|---|---|---|---|---|"]
    for first, second in pairs:
        for title, metric in METRICS.items():
            comparison = paired(results, dataset, first, second, title)
            if comparison is None:
                continue
            lines.append(f"| {ROLE_TITLES[first]} − {ROLE_TITLES[second]} | {title} | {interval(comparison, metric.digits)} | "
                         f"{comparison['pairs']} | {comparison['verdict']} |")  # fmt: skip
    return "\n".join(lines)


def comparison_rows(results: dict, dataset: str, first: str = "mmd_vae", second: str = "vae") -> dict[str, dict[str, str]]:
    """One pair of models over the seeds, as plain rows for an app table: metric -> the two
    means ± standard deviations, the paired difference with its 95 % interval and the verdict."""
    rows = {}
    for title, metric in METRICS.items():
        comparison = paired(results, dataset, first, second, title)
        if comparison is None:
            continue
        word = comparison["verdict"]
        rows[title] = {
            ROLE_TITLES[second]: spread(*summary(results, dataset, second, title)[:2], metric.digits),
            ROLE_TITLES[first]: spread(*summary(results, dataset, first, title)[:2], metric.digits),
            f"{ROLE_TITLES[first]} − {ROLE_TITLES[second]} [95 % interval]": interval(comparison, metric.digits),
            "verdict": word if word == "no clear difference" else f"{ROLE_TITLES[first]} {word}",
            "seeds": str(comparison["pairs"]),
        }
    return rows


def likelihood_table(results: dict) -> str:
    """Our 2-D ELBO VAE on dynamically binarized MNIST beside the published 2-D VAEs."""
    mean, std, n = summary(results, "mnist", BINARIZED, "IWAE NLL (nats)")
    k = results.get("iwae_k")
    lines = ["| model | −log p(x), nats | source |", "|---|---|---|",
             f"| 2-D Gaussian VAE, 784-512-256-2 MLP (ours, {n} seeds, IWAE K = {k}) | {spread(mean, std, 2)} | this study |"]  # fmt: skip
    lines += [f"| {what} | {value:.2f} ± {sd:.2f} | {source} |" for what, value, sd, source in LITERATURE["log_likelihood"]]
    return "\n".join(lines)


def likelihood_sentence(results: dict) -> str:
    mean, std, n = summary(results, "mnist", BINARIZED, "IWAE NLL (nats)")
    if not n:
        return ""
    what, value, sd, source = LITERATURE["log_likelihood"][0]
    gap = mean - value
    if gap <= sd:
        standing = f"at least as good as the published {what} within its spread ({value:.2f} ± {sd:.2f})"
    else:
        standing = (f"{gap:.2f} nats worse than the published {what} ({value:.2f} ± {sd:.2f}); we do not reach it with this "
                    "network and schedule")  # fmt: skip
    return f"Our 2-D ELBO VAE on dynamically binarized MNIST scores −log p(x) = {spread(mean, std, 2)} nats over {n} seeds: {standing}."


def knn_table(results: dict) -> str:
    """5-NN accuracy of 2-D embeddings: ours and Sainburg et al.'s."""
    lines = ["| embedding | MNIST | Fashion-MNIST | protocol |", "|---|---|---|---|"]
    ours = [summary(results, d, "vae", "5-NN accuracy") for d in ("mnist", "fashion-mnist")]
    lines.append(f"| 2-D VAE codes (ours) | {spread(*ours[0][:2], 3)} | {spread(*ours[1][:2], 3)} | fit on 60,000 training "
                 "codes, scored on 10,000 test codes, seeds as above |")  # fmt: skip
    by_method: dict[str, dict] = {}
    for row in results.get("projections", []):
        by_method.setdefault(row["method"], {})[row["dataset"]] = row
    for method, rows in by_method.items():
        cells = [f"{rows[d]['knn5_cv']:.3f}" if d in rows else "–" for d in ("mnist", "fashion-mnist")]
        points = max(r["points"] for r in rows.values())
        lines.append(f"| {method} | {cells[0]} | {cells[1]} | 5-fold cross-validation on "
                     f"{points:,} test images |")  # fmt: skip
    for what, mnist, fashion, source in LITERATURE["knn5"]:
        lines.append(f"| {what} | {mnist:.3f} | {fashion:.3f} | {source} |")
    return "\n".join(lines)


def study_section(results: dict) -> list[str]:
    """The report's section on seeds, spreads and the literature."""
    seeds = ", ".join(str(s) for s in results.get("seeds", []))
    minutes = results.get("seconds", 0) / 60
    lines = [
        "## Seeds and spread",
        "",
        f"`python -m vae_core study` trained the shipped ELBO VAE, MMD-VAE and plain autoencoder again with seeds {seeds} "
        "(seed 0 is the shipped checkpoint, evaluated again, where the configuration is the shipped one), plus the ELBO VAE "
        "on dynamically binarized MNIST, and "
        f"evaluated each with IWAE K = {results.get('iwae_k')}; it took {minutes:.0f} minutes on {results.get('machine', 'this machine')}. "
        "Its raw results are `docs/study.json`. Each cell is the mean ± standard deviation over the seeds; a difference "
        "is called better or worse only where its paired 95 % interval (Student t over the seeds) excludes zero.",
        "",
    ]  # fmt: skip
    for dataset in ("mnist", "fashion-mnist"):
        if not any(r["dataset"] == dataset for r in results.get("runs", [])):
            continue
        lines += [f"### {DATASET_TITLES[dataset]}", "", spread_table(results, dataset), "", comparison_table(results, dataset), ""]
    lines += ["### Beside the literature", "", likelihood_table(results), "", likelihood_sentence(results), "", knn_table(results),
              "", "The projections embed the test images only, so their 5-NN accuracy is cross-validated within them; the "
              "codes' is fit on the training codes. Sainburg et al.'s protocol may differ from both.", ""]  # fmt: skip
    return lines
