import numpy as np
import pytest

from vae_core.analysis.geometry import (
    data_extent,
    grid_points,
    holding,
    pad_code,
    posterior_ellipse,
    square_extent,
)


def test_data_extent_ignores_outliers():
    codes = np.concatenate([np.random.default_rng(0).uniform(-1, 1, (2000, 2)), [[100.0, -100.0]]])
    x_min, x_max, y_min, y_max = data_extent(codes)
    assert -1.2 < x_min < -0.9 and 0.9 < x_max < 1.2 and -1.2 < y_min and y_max < 1.2


def test_square_extent_is_square_centred_and_covers_every_set():
    rng = np.random.default_rng(0)
    wide = rng.uniform((-4.0, -1.0), (4.0, 1.0), (2000, 2))  # 8 wide, 2 tall
    x_min, x_max, y_min, y_max = square_extent(wide)
    assert np.isclose(x_max - x_min, y_max - y_min)
    assert x_max - x_min > 8.0 and abs((x_min + x_max) / 2) < 0.1 and abs((y_min + y_max) / 2) < 0.1
    shifted = wide + (10.0, 0.0)
    both = square_extent(wide, shifted)
    assert both[0] < -3.9 and both[1] > 13.9  # one square for two maps
    tiny = square_extent(rng.uniform(-0.1, 0.1, (500, 2)), min_span=4.4)
    assert np.isclose(tiny[1] - tiny[0], 4.4) and np.isclose(tiny[3] - tiny[2], 4.4)
    replay = rng.standard_normal((3, 100, 2))  # [epochs, n, 2] counts every epoch's codes
    assert square_extent(replay) == square_extent(replay.reshape(-1, 2))


def test_an_extent_grows_to_hold_points_that_are_drawn_and_stays_square():
    extent = (-2.0, 2.0, -1.0, 3.0)
    assert holding(extent, []) == extent and holding(extent, [[0.5, 1.0]]) == extent
    x_min, x_max, y_min, y_max = holding(extent, [[5.0, 1.0], [0.0, -0.5]])
    assert np.isclose(x_max - x_min, y_max - y_min) and (x_min + x_max) / 2 == 0.0
    assert x_max > 5.0 and x_max - 5.0 > 0.05 * (x_max - x_min) / 2  # inside, off the edge


def test_grid_points_are_cell_centres():
    xs, ys = grid_points((-2.0, 2.0, 0.0, 1.0), 4)
    assert np.allclose(xs, [-1.5, -0.5, 0.5, 1.5]) and np.allclose(ys, [0.125, 0.375, 0.625, 0.875])
    with pytest.raises(ValueError):
        grid_points((1.0, 0.0, 0.0, 1.0), 4)
    with pytest.raises(ValueError):
        grid_points((0.0, 1.0, 0.0, np.nan), 4)


def test_pad_code_fills_the_rest_with_the_prior_mean():
    assert pad_code([0.5, -1.0], 4).tolist() == [0.5, -1.0, 0.0, 0.0]
    assert pad_code([0.5, -1.0], 2).dtype == np.float32
    with pytest.raises(ValueError, match="does not fit"):
        pad_code([1.0, 2.0, 3.0], 2)


def test_posterior_ellipse_takes_the_first_two_dimensions():
    assert posterior_ellipse(np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.2, 0.3])) == (
        1.0,
        2.0,
        0.1,
        0.2,
    )
