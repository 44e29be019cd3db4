"""Planes through a d-D latent space, and traversals of its dimensions.

A model whose codes have more than two dimensions cannot be drawn whole, but any plane
through its latent space can: a point (u, v) of the plane is the code
``origin + u·e₁ + v·e₂`` (``origin`` [d], orthonormal ``basis`` [2, d]), which the decoder
turns into an image like any other code. Three ways to choose the plane:

- :func:`plane_through` three codes (three test images, three class means): the plane
  that contains all three, as in dribnet's "plat" (White 2016, *Sampling Generative
  Networks*), with the first code at (0, 0) and the second on the u axis;
- :func:`principal_plane`: the two leading principal directions of a set of codes, through
  their mean;
- :func:`axis_plane`: two chosen dimensions through one code, the others held at its values.

:func:`traversal_codes` varies one dimension at a time around a code (Higgins et al. 2017,
*β-VAE*, Figure 7's latent traversals); :func:`kl_per_dimension` says how much each
dimension carries, as its mean KL to the prior, which ranks a traversal's rows.
(:func:`vae_core.analysis.metrics.active_units` counts the "active units" of Burda et al. 2016 by
the
variance of the posterior means instead; both single out the dimensions a model uses.)

Plain numpy, no torch: the browser decodes the plane, the server only names it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# nats: a dimension whose mean KL to the prior is below this carries (almost) nothing
ACTIVE_KL = 0.01


@dataclass(frozen=True)
class Plane:
    """A plane in a d-D latent space: ``origin`` [d] and an orthonormal ``basis`` [2, d]."""

    origin: np.ndarray  # float64 [d]
    basis: np.ndarray  # float64 [2, d], rows orthonormal

    def __post_init__(self):
        origin, basis = np.asarray(self.origin, np.float64), np.asarray(self.basis, np.float64)
        if origin.ndim != 1 or basis.shape != (2, origin.shape[0]):
            raise ValueError(
                f"a plane needs an origin [d] and a basis [2, d]; got {origin.shape} and "
                f"{basis.shape}"
            )
        if not (np.isfinite(origin).all() and np.isfinite(basis).all()):
            raise ValueError("a plane's origin and basis must be finite")
        if not np.allclose(basis @ basis.T, np.eye(2), atol=1e-6):
            raise ValueError("a plane's basis must be two orthonormal directions")
        object.__setattr__(self, "origin", origin)
        object.__setattr__(self, "basis", basis)

    @property
    def latent_dim(self) -> int:
        return self.origin.shape[0]

    def codes(self, uv) -> np.ndarray:
        """Plane coordinates [N, 2] (or one pair [2]) to codes [N, d] (or [d])."""
        uv = np.asarray(uv, np.float64)
        return self.origin + uv @ self.basis

    def project(self, codes) -> tuple[np.ndarray, np.ndarray]:
        """Codes [N, d] to their nearest points of the plane: coordinates [N, 2] and the
        distance of each code from the plane [N] (what a map fades them by)."""
        offsets = np.atleast_2d(np.asarray(codes, np.float64)) - self.origin
        uv = offsets @ self.basis.T
        distance = np.linalg.norm(offsets - uv @ self.basis, axis=1)
        return uv, distance

    def to_dict(self) -> dict:
        """The plane as plain lists (what the browser and a share link carry)."""
        return {"origin": self.origin.tolist(), "basis": self.basis.tolist()}


def _orthonormal(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Gram-Schmidt: two orthonormal directions spanning ``first`` and ``second``."""
    length = np.linalg.norm(first)
    if length < 1e-9:
        raise ValueError("the directions of a plane must not be zero")
    e1 = first / length
    rest = second - (second @ e1) * e1
    if np.linalg.norm(rest) < 1e-9 * max(1.0, np.linalg.norm(second)):
        raise ValueError("the three codes lie on one line: they span no plane")
    return np.stack([e1, rest / np.linalg.norm(rest)])


def plane_through(a, b, c) -> Plane:
    """The plane containing the codes ``a``, ``b`` and ``c`` [d]: ``a`` at (0, 0), ``b`` on
    the positive u axis, ``c`` above it (v > 0). ValueError when they lie on one line."""
    a, b, c = (np.asarray(code, np.float64).ravel() for code in (a, b, c))
    if not a.shape == b.shape == c.shape or a.shape[0] < 2:
        raise ValueError(
            "three codes of one latent space, with at least two dimensions, span a plane"
        )
    return Plane(a, _orthonormal(b - a, c - a))


def anchors(plane: Plane, *codes) -> np.ndarray:
    """Where codes that lie on ``plane`` sit in its coordinates [N, 2]."""
    return plane.project(np.stack([np.asarray(code, np.float64).ravel() for code in codes]))[0]


def principal_plane(codes) -> Plane:
    """The plane of the two directions along which ``codes`` [N, d] spread most, through
    their mean (the first two principal components)."""
    codes = np.asarray(codes, np.float64)
    if codes.ndim != 2 or codes.shape[0] < 3 or codes.shape[1] < 2:
        raise ValueError("principal directions need at least three codes of two or more dimensions")
    mean = codes.mean(axis=0)
    _, _, directions = np.linalg.svd(codes - mean, full_matrices=False)
    return Plane(mean, directions[:2])


def axis_plane(code, first: int, second: int) -> Plane:
    """The plane of dimensions ``first`` and ``second`` through ``code`` [d]: (u, v) are
    offsets of those two coordinates, every other one held at the code's value."""
    code = np.asarray(code, np.float64).ravel()
    d = code.shape[0]
    if first == second or not (0 <= first < d and 0 <= second < d):
        raise ValueError(f"choose two different dimensions between 0 and {d - 1}")
    basis = np.zeros((2, d))
    basis[0, first] = basis[1, second] = 1.0
    return Plane(code, basis)


def traversal_codes(code, steps: int = 9, reach: float = 3.0, scale=None) -> np.ndarray:
    """Codes [d, steps, d]: row i varies dimension i of ``code`` [d] from -reach to +reach
    prior standard deviations (``scale`` [d] stretches each dimension: 1 for N(0, I)),
    every other dimension held at the code's value."""
    code = np.asarray(code, np.float64).ravel()
    if steps < 2:
        raise ValueError("a traversal needs at least two steps")
    if not reach > 0:
        raise ValueError("a traversal's reach must be positive")
    scale = np.ones_like(code) if scale is None else np.asarray(scale, np.float64).ravel()
    d = code.shape[0]
    values = np.linspace(-reach, reach, steps)
    grid = np.repeat(np.repeat(code[None, None, :], d, axis=0), steps, axis=1)  # [d, steps, d]
    for dim in range(d):
        grid[dim, :, dim] = values * scale[dim]
    return grid


def kl_per_dimension(mu, logvar) -> np.ndarray:
    """Each dimension's KL(q(z|x) || N(0, 1)) averaged over the images [d]: mu, logvar
    [N, d] (Kingma and Welling 2014, appendix B, taken dimension by dimension)."""
    mu, logvar = np.asarray(mu, np.float64), np.asarray(logvar, np.float64)
    if mu.shape != logvar.shape or mu.ndim != 2:
        raise ValueError("mu and logvar must both be [N, d]")
    return 0.5 * (mu**2 + np.exp(logvar) - 1.0 - logvar).mean(axis=0)


def active_dimensions(kl: np.ndarray, threshold: float = ACTIVE_KL) -> np.ndarray:
    """Indices of the dimensions whose KL is at least ``threshold``, most informative first."""
    kl = np.asarray(kl, np.float64)
    order = np.argsort(-kl, kind="stable")
    return order[kl[order] >= threshold]
