import json

import pytest

from vae_core.report import findings, generate, sweep_table


def _metrics(knn, nmi, mmd, holes, std):
    return {"latent": {"knn5_accuracy": knn, "nmi_kmeans10": nmi, "mmd_to_prior": mmd, "prior_holes": holes, "aggregate_std": std},
            "test": {"recon_bce": 130.0}}  # fmt: skip


def test_findings_follow_the_numbers():
    text = findings(
        "mnist", {"vae": _metrics(0.81, 0.60, 0.004, 0.01, [1.1, 1.0]), "mmd_vae": _metrics(0.79, 0.65, 0.001, 0.00, [1.0, 1.0])}
    )
    assert "5-NN accuracy is worse (0.790 against 0.810" in text
    assert "k-means NMI is better (0.650 against 0.600" in text
    assert "MMD to N(0, I) is better (0.0010 against 0.0040" in text
    same = findings("mnist", {"vae": _metrics(0.8, 0.6, 0.001, 0.0, [1, 1]), "mmd_vae": _metrics(0.8, 0.6, 0.001, 0.0, [1, 1])})
    assert "the same 5-NN accuracy (0.800)" in same


def test_sweep_table_rows():
    rows = [{"kernel": "imq", "lambda": 300.0, "scales": "1", "epochs": 20, "recon": 133.8, "knn5_accuracy": 0.78,
             "mmd_to_prior": 0.0007, "max_abs_mean": 0.037, "std": [1.05, 1.04]}]  # fmt: skip
    table = sweep_table(rows)
    assert table.splitlines()[2] == "| imq | 300 | 1 | 20 | 133.8 | 0.780 | 0.0007 | 0.037 | (1.05, 1.04) |"


@pytest.mark.slow
def test_the_report_regenerates_from_the_shipped_checkpoints(tmp_path):
    (tmp_path / "sweep-mnist.json").write_text(json.dumps([{"kernel": "imq", "lambda": 300.0, "scales": "1", "epochs": 20, "recon": 133.8,
                                                           "knn5_accuracy": 0.78, "mmd_to_prior": 0.0007, "max_abs_mean": 0.037, "std": [1.05, 1.04]}]))  # fmt: skip
    report = generate(tmp_path, on_message=lambda message: None)
    text = report.read_text()
    for dataset in ("mnist", "fashion-mnist"):
        for figure in ("elbo-vs-mmd", "ae-and-cvae", "manifolds", "interpolations", "prior-samples", "training-curves"):
            path = tmp_path / "figures" / f"{dataset}-{figure}.png"
            assert path.is_file() and path.stat().st_size > 5000, path
            assert f"figures/{dataset}-{figure}.png" in text
    assert text.count("| VAE (ELBO), 2-D |") == 2 and "### MMD-VAE sweep (MNIST)" in text
    assert "On MNIST, the MMD-VAE's 5-NN accuracy" in text
