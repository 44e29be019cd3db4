import json
import re
import shutil

import pytest

from vae_core.report import DOCS, findings, generate, sweep_table


def _metrics(knn, nmi, mmd, holes, std):
    return {"latent": {"knn5_accuracy": knn, "nmi_kmeans10": nmi, "mmd_to_prior": mmd, "prior_holes": holes, "aggregate_std": std},
            "test": {"recon_bce": 130.0}}  # fmt: skip


def test_one_seed_gives_numbers_and_no_verdict():
    text = findings(
        "mnist", {"vae": _metrics(0.81, 0.60, 0.004, 0.01, [1.1, 1.0]), "mmd_vae": _metrics(0.79, 0.65, 0.001, 0.00, [1.0, 1.0])}
    )
    assert "one seed each" in text and "5-NN accuracy 0.790 for the MMD-VAE against 0.810" in text
    assert "better" not in text and "worse" not in text


def test_verdicts_come_only_from_intervals_that_exclude_zero():
    def run(role, seed, knn, nmi):
        return {"dataset": "mnist", "role": role, "seed": seed, "metrics": {"5-NN accuracy": knn, "NMI": nmi}}

    study = {"runs": [run("vae", 0, 0.809, 0.60), run("vae", 1, 0.805, 0.61), run("vae", 2, 0.811, 0.62),
                      run("mmd_vae", 0, 0.804, 0.50), run("mmd_vae", 1, 0.810, 0.51), run("mmd_vae", 2, 0.806, 0.52)]}  # fmt: skip
    text = findings("mnist", {"vae": _metrics(0.809, 0.6, 0.004, 0.01, [1, 1]), "mmd_vae": _metrics(0.804, 0.5, 0.001, 0.0, [1, 1])},
                    study)  # fmt: skip
    assert "5-NN accuracy 0.807 ± 0.003 against 0.808 ± 0.003 — no clear difference" in text
    assert "k-means NMI 0.510 ± 0.010 against 0.610 ± 0.010 — worse" in text  # every seed lower: the interval excludes 0
    assert "one seed each" not in text


def test_sweep_table_rows():
    rows = [{"kernel": "imq", "lambda": 300.0, "scales": "1", "epochs": 20, "recon": 133.8, "knn5_accuracy": 0.78,
             "mmd_to_prior": 0.0007, "max_abs_mean": 0.037, "std": [1.05, 1.04]}]  # fmt: skip
    table = sweep_table(rows)
    assert table.splitlines()[2] == "| imq | 300 | 1 | 20 | 133.8 | 0.780 | 0.0007 | 0.037 | (1.05, 1.04) |"


@pytest.mark.slow
def test_the_report_regenerates_from_the_shipped_checkpoints(tmp_path):
    (tmp_path / "sweep-mnist.json").write_text(json.dumps([{"kernel": "imq", "lambda": 300.0, "scales": "1", "epochs": 20, "recon": 133.8,
                                                           "knn5_accuracy": 0.78, "mmd_to_prior": 0.0007, "max_abs_mean": 0.037, "std": [1.05, 1.04]}]))  # fmt: skip
    shutil.copy(DOCS / "study.json", tmp_path / "study.json")
    report = generate(tmp_path, on_message=lambda message: None)
    text = report.read_text()
    for dataset in ("mnist", "fashion-mnist"):
        for figure in ("elbo-vs-mmd", "ae-and-cvae", "manifolds", "interpolations", "prior-samples", "training-curves"):
            path = tmp_path / "figures" / f"{dataset}-{figure}.png"
            assert path.is_file() and path.stat().st_size > 5000, path
            assert f"figures/{dataset}-{figure}.png" in text
    assert text.count("| VAE (ELBO), 2-D |") == 2 and "### MMD-VAE sweep (MNIST)" in text
    assert "On MNIST, the MMD-VAE against the ELBO VAE, 5-NN accuracy" in text
    study = json.loads((DOCS / "study.json").read_text())
    assert "## Seeds and spread" in text and "### Beside the literature" in text
    assert "Davidson et al. 2018" in text and "Sainburg et al. 2021" in text
    assert f"it took {study['seconds'] / 60:.0f} minutes" in text
    verdicts = re.findall(r"\| (better|worse|no clear difference) \|", text)
    assert len(verdicts) == 2 * 2 * 6 and "no clear difference" in verdicts
