"""The app's services on the shipped checkpoints: plain results a page can show."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from explorer.comparisons import elbo_mmd, interpolation
from explorer.core import catalog
from explorer.core.catalog import Catalog, comparison_table, metric_row
from explorer.maps import placing, points, projections
from explorer.training import train_live as training
from vae_core.analysis.latent import decode
from vae_core.data.datasets import load_dataset
from vae_core.data.images import png_bytes
from vae_core.data.paths import shipped_checkpoints_dir
from vae_core.experiments.pretrain import CATALOG, MAIN_ROLES
from vae_core.models.kinds import MMD_VAE
from vae_core.store.checkpoints import load_model
from vae_core.store.encoding import encode_images

SHIPPED = {(e.dataset, e.role): e.name for e in CATALOG}
VAE, CVAE, MMD, WIDE = (SHIPPED["mnist", r] for r in ("vae", "cvae", "mmd-vae", "vae-10d"))


def test_a_decoded_point_is_the_models_decoding_enlarged():
    decoded = points.decode_point(VAE, [0.5, -1.0], size=280)
    assert decoded.image.dtype == np.uint8 and decoded.image.shape == (280, 280)
    expected = decode(
        load_model(shipped_checkpoints_dir() / VAE), np.array([0.5, -1.0], np.float32)
    )
    assert np.array_equal(
        decoded.image[::10, ::10], np.clip(np.rint(expected * 255), 0, 255).astype(np.uint8)
    )
    assert decoded.point == (0.5, -1.0) and np.isclose(decoded.radius, np.hypot(0.5, 1.0))
    assert decoded.held_at_zero == 0 and decoded.every_class is None
    assert Image.open(io.BytesIO(decoded.png)).size == (280, 280)
    with pytest.raises(ValueError, match="finite"):
        points.decode_point(VAE, [float("nan"), 0.0])


def test_a_point_shown_by_many_sessions_is_decoded_once_and_shared_read_only():
    first = points.decode_point(VAE, [0.25, 0.75], size=168)
    again = points.decode_point(VAE, np.array([0.25, 0.75]), size=168)
    assert again is first  # a room following the teacher decodes the pinned point once
    assert points.decode_point(VAE, [0.25, 0.75], size=280) is not first
    assert points.neighbours(VAE, (0.25, 0.75)) is points.neighbours(VAE, [0.25, 0.75])
    with pytest.raises(ValueError):
        first.image[0, 0] = 0  # one session cannot change what the others show
    with pytest.raises(ValueError):
        points.neighbours(VAE, [0.25, 0.75]).mosaic[0, 0] = 0
    with pytest.raises(ValueError):
        points.decode_point(VAE, ["left", "up"])
    walk = interpolation.walk(VAE, [0.0, 0.0], (1.0, 1.0), 5)
    assert (
        interpolation.walk(VAE, np.zeros(2), [1, 1], 5.0) is walk
        and interpolation.walk(VAE, [0, 0], [1, 1], 6) is not walk
    )
    assert walk.strip_png is walk.strip_png  # encoded once
    with pytest.raises(ValueError):
        walk.frames[0, 0, 0] = 1.0


def test_wider_and_conditional_models():
    assert points.decode_point(WIDE, [0.0, 0.0]).held_at_zero == 8
    every_class = points.decode_point(CVAE, [0.0, 0.0], label=3).every_class
    assert len(every_class) == 10 and all(
        image.dtype == np.uint8 and image.shape == (84, 84) for image in every_class
    )


def test_neighbours_are_the_nearest_test_codes_in_order():
    nearest = points.neighbours(VAE, [0.0, 0.0])
    assert len(nearest.captions) == 8 and nearest.mosaic.dtype == np.uint8
    distances = [float(c.split("(")[1].rstrip(")")) for c in nearest.captions]
    assert distances == sorted(distances)


def test_an_upload_is_placed_where_the_encoder_puts_it():
    test = load_dataset("mnist", "test")
    digit = test.pixels[3, 0].numpy()
    placed = placing.place_upload(VAE, png_bytes(255 - digit))  # dark ink on white, as people draw
    model = load_model(shipped_checkpoints_dir() / VAE)
    mu, _ = encode_images(model, test.pixels[3:4])
    # prepared like the data
    assert np.hypot(placed.mean[0] - mu[0, 0], placed.mean[1] - mu[0, 1]) < 0.5
    assert placed.ellipse is not None and placed.ellipse[:2] == placed.mean
    # a point encoder has no posterior spread
    assert placing.place_upload(MMD, png_bytes(255 - digit)).ellipse is None
    with pytest.raises(placing.UploadError, match="not an image"):
        placing.place_upload(VAE, b"not a picture")


def test_an_upload_is_held_to_the_servers_limit(monkeypatch):
    """The app, not the library, knows the server's upload limit (server.maxUploadSize, MB)."""
    import streamlit

    picture = png_bytes(np.zeros((28, 28), np.uint8))
    monkeypatch.setattr(
        streamlit, "get_option", lambda name: 0 if name == "server.maxUploadSize" else None
    )
    with pytest.raises(placing.UploadError, match="limit is 0 MB"):
        placing.place_upload(VAE, picture)


def test_a_walk_runs_between_its_endpoints():
    walk = interpolation.walk(VAE, [-1.0, 0.0], [1.0, 0.5], steps=7, method="slerp")
    assert (
        walk.steps == 7 and walk.point(0) == [-1.0, 0.0] and np.allclose(walk.point(6), [1.0, 0.5])
    )
    assert walk.frame(3, 112).shape == (112, 112) and walk.strip(1).shape == (28, 7 * 28)
    assert walk.gif(56)[:6] == b"GIF89a" and walk.strip_png[:4] == b"\x89PNG"
    wide = interpolation.walk(WIDE, [0.0, 0.0], [1.0, 1.0], steps=3)
    assert wide.path.shape == (3, 10) and np.all(wide.path[:, 2:] == 0)
    a, b = points.test_codes(VAE, [0, 1])
    assert np.allclose(interpolation.walk(VAE, a, b, 5).point(4), b)


def test_test_images_classes_and_pairs():
    members = points.class_members("mnist", 7)
    labels = load_dataset("mnist", "test").labels.numpy()
    assert members == np.flatnonzero(labels == 7).tolist()
    assert points.test_image("mnist", members[0], 84).shape == (84, 84)
    codes_a, codes_b, pair_labels = elbo_mmd.paired_codes(VAE, MMD, rows=[5, 1, 9])
    assert (
        codes_a.shape == codes_b.shape == (3, 2)
        and pair_labels.tolist() == labels[[5, 1, 9]].tolist()
    )
    assert len(elbo_mmd.paired_codes(VAE, MMD)[2]) == 300
    pixels, first = projections.projection_inputs("mnist", None, 100)
    assert pixels.shape == (100, 784) and np.array_equal(first, labels[:100])
    assert projections.projection_inputs("mnist", WIDE, 100)[0].shape == (100, 10)


def test_ellipses_replays_grids_and_downloads():
    ellipses = points.test_ellipses(VAE, 5)
    assert len(ellipses) == 5 and all(sx > 0 and sy > 0 for _, _, sx, sy in ellipses)
    assert points.test_ellipses(MMD, 5) == []
    codes, labels = points.replay(VAE)
    assert codes.shape[0] == 40 and codes.shape[1] == len(labels)
    assert points.decoded_grid(VAE, (-2.0, 2.0, -2.0, 2.0), n=4, size=112).shape == (112, 112)
    with zipfile.ZipFile(io.BytesIO(catalog.checkpoint_zip(VAE))) as archive:
        assert f"{VAE}/model.safetensors" in archive.namelist()
    point = points.prior_point(seed=3)
    assert point == points.prior_point(seed=3) and len(point) == 2


def test_the_catalog_lists_shipped_models_first_and_finds_defaults():
    catalog = Catalog.from_store()
    main = {name for (_, role), name in SHIPPED.items() if role in MAIN_ROLES}
    assert {
        e.name for e in catalog.entries[: len(main)]
    } == main  # the main models, then the families
    assert {e.name for e in catalog.entries[len(main) : len(SHIPPED)]} == set(
        SHIPPED.values()
    ) - main
    assert catalog.default("mnist").name == VAE and catalog.default("mnist", MMD_VAE).name == MMD
    assert catalog.find("no-such-model") is None and catalog.datasets() == [
        "mnist",
        "fashion-mnist",
        "shapes",  # shapes-colour ships no model: its picker entry waits for one
    ]
    assert [e.kind.name for e in catalog.select("mnist", latent_dim=2)][:4] == [
        "vae",
        "mmd-vae",
        "ae",
        "cvae",
    ]
    entry = catalog.find(VAE)
    assert (
        entry.stochastic_encoder
        and not entry.conditional
        and entry.title == "VAE (ELBO) · 2-D · 40 epochs · 512-256 MLP"
    )
    row = metric_row(entry)
    assert row["5-NN accuracy"] == f"{entry.metrics['latent']['knn5_accuracy']:.3f}"
    table = comparison_table([entry, catalog.find(MMD)])
    assert (
        list(table) == ["VAE (ELBO)", "MMD-VAE (λ=300)", "what it means"]
        and "NMI" in table["what it means"]
    )


def test_the_training_form_builds_configurations_with_its_own_checks():
    form = training.TrainForm(
        dataset="mnist",
        kind="beta-vae",
        architecture="mlp",
        hidden="64, 32",
        latent_dim=2,
        settings=(("beta", 2.0), ("mmd_weight", 100.0), ("mmd_kernel", "imq")),
        epochs=3,
        learning_rate=1e-3,
        batch_size=128,
        subset="5,000 (fast demo)",
        seed=1,
    )
    model_config, train_config = training.configs(form)
    assert (model_config.model, model_config.beta, model_config.hidden_sizes) == (
        "vae",
        2.0,
        (64, 32),
    )
    assert (train_config.train_subset, train_config.seed, train_config.epochs) == (5000, 1, 3)
    vae = training.configs(form.__class__(**{**form.__dict__, "kind": "vae"}))[0]
    assert vae.beta == 1.0  # β belongs to the β-VAE only
    for bad, message in (
        ({"hidden": "big"}, "whole numbers"),
        ({"batch_size": 8000}, "larger than"),
    ):
        with pytest.raises(ValueError, match=message):
            training.configs(form.__class__(**{**form.__dict__, **bad}))
