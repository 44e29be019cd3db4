"""PCA: the plane of the two directions along which the points spread most."""

from __future__ import annotations

from vae_core.analysis.projection_methods.base import ProjectionMethod


class PCAMethod(ProjectionMethod):
    def embed(self, X, params, random_state):
        from sklearn.decomposition import PCA

        return PCA(2, random_state=random_state).fit_transform(X)


METHOD = PCAMethod(
    name="pca",
    label="PCA",
    summary="Keeps the two directions of largest spread; new points can be placed on it.",
    order=2,
    reference_rate=9.4e-5,
    transforms_new_points=True,
    instant=True,
)
