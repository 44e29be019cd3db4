import numpy as np
import pytest
import torch

from vae_core import ModelConfig, build_model, load_dataset
from vae_core.analysis.geometry import interpolate, interpolate_path, nearest_codes
from vae_core.analysis.latent import (
    LatentDensity,
    class_style_grid,
    decode,
    decode_all_classes,
    decode_grid,
    interpolate_codes,
    interpolate_images,
    nearest_images,
    sample_prior,
    traversal_grid,
    traverse,
)
from vae_core.store.encoding import encode_dataset


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model(ModelConfig(hidden_sizes=(32,)))


@pytest.fixture(scope="module")
def cvae():
    torch.manual_seed(0)
    return build_model(ModelConfig(model="cvae", hidden_sizes=(32,)))


def test_encode_dataset_is_memoised_per_checkpoint_key(trained_tiny):
    model = trained_tiny.model
    model.checkpoint_key = "abc123"
    try:
        first = encode_dataset(model, "mnist", "test")
        assert first.mu.shape == (10_000, 2) and first.logvar.shape == (10_000, 2)
        assert first.labels.dtype == np.int64
        assert encode_dataset(model, "mnist", "test") is first
        assert np.all(first.sigma > 0)
    finally:
        model.checkpoint_key = None


def test_point_encoder_has_no_logvar():
    model = build_model(ModelConfig(model="mmd_vae", hidden_sizes=(16,)))
    encoded = encode_dataset(model, load_dataset("mnist", "test"))
    assert encoded.logvar is None and encoded.sigma is None


def test_decode_one_point_and_batches(model):
    assert decode(model, [0.0, 0.0]).shape == (28, 28)
    batch = decode(model, np.zeros((5, 2)))
    assert batch.shape == (5, 28, 28) and batch.min() >= 0 and batch.max() <= 1
    with pytest.raises(ValueError, match="finite"):
        decode(model, [np.nan, 0.0])
    with pytest.raises(ValueError, match="finite"):
        decode(model, [np.inf, 0.0])
    with pytest.raises(ValueError, match="3 dimensions"):
        decode(model, [0.0, 0.0, 0.0])


def test_grid_decode_shape_and_orientation(model):
    grid = decode_grid(model, (-2.0, 2.0, -1.0, 3.0), n=7)
    assert grid.images.shape == (7, 7, 28, 28)
    assert grid.mosaic.shape == (7 * 28, 7 * 28) and grid.mosaic.dtype == np.uint8
    # Top-left cell decodes (smallest x, largest y).
    expected = decode(model, [grid.xs[0], grid.ys[-1]])
    assert np.allclose(grid.images[0, 0], expected, atol=1e-6)
    assert np.all(np.diff(grid.xs) > 0) and grid.xs[0] > -2.0 and grid.ys[-1] < 3.0


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_interpolation_hits_the_endpoints(method):
    z0, z1 = np.array([1.0, -2.0, 0.5]), np.array([-0.3, 0.7, 2.0])
    path = interpolate(z0, z1, 9, method)
    assert path.shape == (9, 3)
    assert np.allclose(path[0], z0) and np.allclose(path[-1], z1)


def test_linear_interpolation_is_evenly_spaced():
    path = interpolate([0.0, 0.0], [4.0, 2.0], 5, "linear")
    assert np.allclose(path[2], [2.0, 1.0])
    assert np.allclose(np.diff(path, axis=0), [1.0, 0.5])


@pytest.mark.parametrize("z1", [[0.0, 2.0], [-2.0, 0.0], [1.4142135, 1.4142135], [2.0, 1e-9]])
def test_slerp_keeps_the_norm_of_equal_norm_endpoints(z1):
    path = interpolate([2.0, 0.0], z1, 11, "slerp")
    assert np.allclose(np.linalg.norm(path, axis=1), 2.0, atol=1e-5)


def test_slerp_radius_changes_linearly_and_zero_falls_back():
    path = interpolate([1.0, 0.0], [0.0, 3.0], 5, "slerp")
    assert np.allclose(np.linalg.norm(path, axis=1), [1.0, 1.5, 2.0, 2.5, 3.0], atol=1e-5)
    assert np.allclose(
        interpolate([0.0, 0.0], [2.0, 2.0], 3, "slerp"),
        interpolate([0.0, 0.0], [2.0, 2.0], 3, "linear"),
    )


def test_interpolation_rejects_bad_input():
    with pytest.raises(ValueError):
        interpolate([0, 0], [1, 1], 1)
    with pytest.raises(ValueError):
        interpolate([0, 0], [np.nan, 1], 5)
    with pytest.raises(ValueError):
        interpolate([0, 0], [1, 1], 5, "cubic")


def test_path_through_waypoints():
    path = interpolate_path([[0, 0], [1, 0], [1, 1]], 3)
    assert path.shape == (5, 2)
    assert np.allclose(path, [[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1]])


def test_decoded_interpolations(model):
    result = interpolate_codes(model, [-1.0, 0.0], [1.0, 0.0], steps=6, method="slerp")
    assert result.frames.shape == (6, 28, 28) and result.path.shape == (6, 2)
    assert result.strip.shape == (28, 6 * 28)
    images = load_dataset("mnist", "test").floats()[:2, 0].numpy()
    between = interpolate_images(model, images[0], images[1], steps=4)
    assert between.frames.shape == (4, 28, 28)


def test_prior_samples_are_seeded(model):
    z_a, images_a = sample_prior(model, 6, seed=3)
    z_b, _ = sample_prior(model, 6, seed=3)
    assert np.array_equal(z_a, z_b) and images_a.shape == (6, 28, 28)


@pytest.mark.parametrize("method", ["gmm", "kde"])
def test_latent_density_samples_where_the_codes_are(method):
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.normal([-5, 0], 0.3, (500, 2)), rng.normal([5, 0], 0.3, (500, 2))])
    density = LatentDensity(method, n_components=2).fit(codes)
    samples = density.sample(400, seed=1)
    assert samples.shape == (400, 2)
    assert np.all(np.abs(np.abs(samples[:, 0]) - 5) < 2.0), (
        "samples land near the two clusters, not in between"
    )
    assert 100 < (samples[:, 0] > 0).sum() < 300
    assert density.score_samples([[5.0, 0.0]])[0] > density.score_samples([[0.0, 0.0]])[0]


def test_nearest_codes_are_sorted():
    codes = np.array([[0.0, 0.0], [3.0, 0.0], [1.0, 0.0], [0.5, 0.0]])
    index, distances = nearest_codes(codes, [0.9, 0.0], k=3)
    assert index.tolist() == [2, 3, 0]  # distances 0.1, 0.4, 0.9 (code 1 at 3.0 is farthest)
    assert np.allclose(distances, [0.1, 0.4, 0.9])


def test_nearest_images_come_from_the_dataset(trained_tiny):
    data = load_dataset("mnist", "test")
    encoded = encode_dataset(trained_tiny.model, data)
    images, labels, index, _ = nearest_images(encoded, data, encoded.mu[42], k=4)
    assert index[0] == 42 and labels[0] == data.labels[42].item()
    assert np.array_equal(images[0], data.pixels[42, 0].numpy())


def test_conditional_decoding(cvae):
    with pytest.raises(ValueError, match="label"):
        decode(cvae, [0.0, 0.0])
    every = decode_all_classes(cvae, [0.5, -0.5])
    assert every.shape == (10, 28, 28)
    assert not np.allclose(every[0], every[1])
    grid = class_style_grid(cvae, np.zeros((3, 2)))
    assert grid.shape == (10, 3, 28, 28)
    assert np.allclose(grid[4, 0], decode(cvae, [0.0, 0.0], label=4), atol=1e-6)
    with pytest.raises(ValueError, match="conditional"):
        decode_all_classes(build_model(ModelConfig(hidden_sizes=(8,))), [0.0, 0.0])


def test_traversal_varies_one_dimension():
    model = build_model(ModelConfig(hidden_sizes=(16,), latent_dim=4))
    images = traverse(model, np.zeros(4), 2, [-1.0, 0.0, 1.0])
    assert images.shape == (3, 28, 28)
    assert np.allclose(images[1], decode(model, np.zeros(4)), atol=1e-6)
    assert traversal_grid(model, steps=5).shape == (4, 5, 28, 28)
    with pytest.raises(ValueError):
        traverse(model, np.zeros(4), 4, [0.0])
