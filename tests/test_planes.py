"""Planes through d-D latent spaces and traversals: orthonormal bases through their anchors,
projections, principal planes, per-dimension KL, for any d."""

from __future__ import annotations

import numpy as np
import pytest

from vae_core.analysis.planes import (
    Plane,
    active_dimensions,
    anchors,
    axis_plane,
    kl_per_dimension,
    plane_through,
    principal_plane,
    traversal_codes,
)


@pytest.mark.parametrize("d", [2, 3, 10, 20])
def test_the_plane_through_three_codes_passes_through_them(d):
    rng = np.random.default_rng(d)
    a, b, c = rng.normal(size=(3, d))
    plane = plane_through(a, b, c)
    assert np.allclose(plane.basis @ plane.basis.T, np.eye(2), atol=1e-9)  # orthonormal
    uv = anchors(plane, a, b, c)
    assert (
        np.allclose(uv[0], 0)
        and uv[1, 1] == pytest.approx(0, abs=1e-9)
        and uv[1, 0] > 0
        and uv[2, 1] > 0
    )
    # decoding the anchors decodes the codes
    assert np.allclose(plane.codes(uv), np.stack([a, b, c]), atol=1e-9)
    _, distance = plane.project(np.stack([a, b, c]))
    assert np.allclose(distance, 0, atol=1e-9)


def test_projection_onto_a_plane_splits_a_code_into_in_plane_and_distance():
    rng = np.random.default_rng(0)
    plane = plane_through(*rng.normal(size=(3, 10)))
    normal = rng.normal(size=10)
    normal -= plane.basis.T @ (plane.basis @ normal)  # a direction out of the plane
    normal /= np.linalg.norm(normal)
    code = plane.codes([0.7, -1.2]) + 2.5 * normal
    uv, distance = plane.project(code)
    assert np.allclose(uv, [[0.7, -1.2]]) and distance[0] == pytest.approx(2.5)


def test_three_codes_on_one_line_span_no_plane():
    a = np.zeros(5)
    with pytest.raises(ValueError, match="one line"):
        plane_through(a, a + 1, a + 2)
    with pytest.raises(ValueError, match="zero"):
        plane_through(a, a, a + 1)
    with pytest.raises(ValueError, match="orthonormal"):
        Plane(np.zeros(3), np.ones((2, 3)))
    with pytest.raises(ValueError, match="finite"):
        Plane(np.array([np.nan, 0, 0]), np.eye(3)[:2])


def test_the_principal_plane_follows_the_largest_spread():
    rng = np.random.default_rng(1)
    codes = rng.normal(size=(2000, 6)) * np.array([5.0, 0.1, 3.0, 0.1, 0.1, 0.1]) + 2.0
    plane = principal_plane(codes)
    assert np.allclose(plane.origin, codes.mean(axis=0))
    # dimension 0, then dimension 2
    assert abs(plane.basis[0, 0]) > 0.99 and abs(plane.basis[1, 2]) > 0.99
    _, distance = plane.project(codes)
    assert distance.mean() < 0.3  # the other dimensions hardly spread


def test_an_axis_plane_moves_two_dimensions_of_one_code():
    code = np.arange(5.0)
    plane = axis_plane(code, 3, 1)
    assert np.allclose(plane.codes([0.5, -2.0]), [0.0, -1.0, 2.0, 3.5, 4.0])
    with pytest.raises(ValueError):
        axis_plane(code, 2, 2)
    with pytest.raises(ValueError):
        axis_plane(code, 0, 5)


def test_a_traversal_varies_one_dimension_per_row():
    code = np.array([0.5, -1.0, 2.0])
    grid = traversal_codes(code, steps=5, reach=3.0)
    assert grid.shape == (3, 5, 3)
    for dim in range(3):
        assert np.allclose(grid[dim, :, dim], [-3, -1.5, 0, 1.5, 3])
        others = [i for i in range(3) if i != dim]
        assert np.allclose(grid[dim][:, others], code[others])
    with pytest.raises(ValueError):
        traversal_codes(code, steps=1)


def test_kl_per_dimension_finds_the_active_units():
    rng = np.random.default_rng(2)
    n = 4000
    mu = np.zeros((n, 4))
    logvar = np.zeros((n, 4))  # q = N(0, 1) = the prior: no information
    mu[:, 1] = rng.normal(size=n) * 2.0  # dimension 1 carries information
    logvar[:, 1] = np.log(0.05)
    mu[:, 3] = rng.normal(size=n) * 0.5
    logvar[:, 3] = np.log(0.5)
    kl = kl_per_dimension(mu, logvar)
    assert kl[0] == pytest.approx(0.0) and kl[2] == pytest.approx(0.0)
    assert kl[1] > kl[3] > 0.1
    assert active_dimensions(kl).tolist() == [1, 3]
