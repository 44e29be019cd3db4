import numpy as np
import pytest

from vae_core import load_dataset
from vae_core.analysis.metrics import (
    active_units,
    aggregate_posterior,
    class_silhouette,
    cluster_nmi,
    coverage_map,
    evaluate,
    iwae_nll,
    knn_accuracy,
    mmd_to_prior,
    prior_holes,
)
from vae_core.training.trainer import evaluate_terms


def _clusters(rng, n_per=200, spread=0.2):
    centres = (
        np.array([[np.cos(a), np.sin(a)] for a in np.linspace(0, 2 * np.pi, 10, endpoint=False)])
        * 5
    )
    codes = np.concatenate([rng.normal(c, spread, (n_per, 2)) for c in centres])
    labels = np.repeat(np.arange(10), n_per)
    return codes, labels


def test_knn_accuracy_separable_and_shuffled():
    rng = np.random.default_rng(0)
    train_codes, train_labels = _clusters(rng)
    test_codes, test_labels = _clusters(rng, n_per=50)
    assert knn_accuracy(train_codes, train_labels, test_codes, test_labels) == 1.0
    shuffled = rng.permutation(train_labels)
    assert abs(knn_accuracy(train_codes, shuffled, test_codes, test_labels) - 0.1) < 0.05


def test_nmi_and_silhouette_on_clusters():
    rng = np.random.default_rng(0)
    codes, labels = _clusters(rng)
    assert cluster_nmi(codes, labels) > 0.99
    assert class_silhouette(codes, labels) > 0.8
    assert cluster_nmi(codes, rng.permutation(labels)) < 0.05
    assert abs(class_silhouette(codes, rng.permutation(labels))) < 0.1


def test_mmd_to_prior_near_zero_for_prior_samples():
    rng = np.random.default_rng(1)
    assert abs(mmd_to_prior(rng.standard_normal((5000, 2)), seed=2)) < 0.003
    assert mmd_to_prior(rng.standard_normal((5000, 2)) * 0.3 + 1.0) > 0.1


def test_aggregate_posterior_uses_total_covariance():
    rng = np.random.default_rng(0)
    mu = rng.standard_normal((20000, 2)) * 0.6
    stats = aggregate_posterior(mu, np.full((20000, 2), np.log(0.64)))
    assert np.allclose(stats["mean"], 0.0, atol=0.02)
    assert np.allclose(np.diag(stats["cov"]), 0.36 + 0.64, atol=0.03)
    assert np.allclose(stats["std"], 1.0, atol=0.02)
    assert np.allclose(aggregate_posterior(mu)["std"], 0.6, atol=0.01)


def test_active_units_counts_used_dimensions():
    rng = np.random.default_rng(0)
    mu = np.concatenate(
        [rng.standard_normal((1000, 3)), rng.standard_normal((1000, 2)) * 0.01], axis=1
    )
    assert active_units(mu) == 3


@pytest.mark.parametrize("d", [2, 10, 20])
def test_codes_drawn_from_the_prior_have_no_holes_in_any_dimension(d):
    """Calibrated against the prior's own samples: the prior itself reads 0 (not the 0.000
    coverage a fixed radius gave it in 10 and 20 dimensions), a tight cluster reads a large share of
    the prior as holes, and posterior samples fill the dimensions an encoder leaves at the prior."""
    rng = np.random.default_rng(d)
    assert prior_holes(rng.standard_normal((5_000, d)), n_samples=2_000) < 0.01
    assert prior_holes(rng.normal(0, 0.1, (20_000, d)), n_samples=2_000) > 0.3
    collapsed = rng.standard_normal((5_000, d))
    collapsed[:, d // 2 :] = 0.0  # means: half the dimensions unused
    sigma = np.ones_like(collapsed)
    sigma[:, : d // 2] = 0.05
    assert prior_holes(collapsed, sigma, n_samples=2_000) < 0.02


def test_prior_holes_and_coverage_map():
    rng = np.random.default_rng(0)
    small_cluster = rng.normal(0, 0.1, (5000, 2))
    assert prior_holes(small_cluster) > 0.8
    cover = coverage_map(small_cluster, (-3, 3, -3, 3), n=5)
    assert cover["distance"].shape == (5, 5) and cover["empty"].dtype == bool
    assert cover["empty"][0, 0] and not cover["empty"][2, 2]
    assert cover["empty"].sum() == 24


def test_iwae_bound_is_tighter_than_the_elbo(trained_tiny):
    model = trained_tiny.model
    data = load_dataset("mnist", "test")
    images, labels = data.floats(slice(0, 500)), data.labels[:500]
    elbo = evaluate_terms(model, images, labels)["neg_elbo"]
    nll_1 = iwae_nll(model, images, labels, k=1)
    nll_64 = iwae_nll(model, images, labels, k=64)
    assert abs(nll_1 - elbo) < 1.5  # K = 1 is the ELBO (different noise)
    assert nll_64 < elbo
    with pytest.raises(ValueError):
        from vae_core import ModelConfig, build_model

        iwae_nll(build_model(ModelConfig(model="ae", hidden_sizes=(8,))), images, labels)


def test_evaluate_reports_every_metric(trained_tiny):
    result = evaluate(trained_tiny.model, "mnist", iwae_k=4)
    assert result["images"] == 10_000
    test = result["test"]
    assert {"neg_elbo", "recon", "kl", "recon_mse", "recon_bce", "iwae_nll"} <= set(test)
    latent = result["latent"]
    for key in (
        "knn5_accuracy",
        "nmi_kmeans10",
        "silhouette",
        "mmd_to_prior",
        "aggregate_mean",
        "aggregate_cov",
        "active_units",
        "prior_holes",
    ):
        assert key in latent
    assert 0.1 < latent["knn5_accuracy"] <= 1.0
    assert len(latent["aggregate_cov"]) == 2
