"""UMAP (McInnes, Healy & Melville, 2018), umap-learn seeded (which makes it single-threaded).
``umap`` is imported only when a UMAP is computed: the import alone takes about 12 s and its
first fit compiles with numba, so a server compiles it once in the background
(:func:`vae_core.analysis.projections.warm_up_umap`)."""

from __future__ import annotations

from vae_core.analysis.projection_methods.base import PCA_DIMS, ProjectionMethod, reduce_first
from vae_core.models.kinds import Setting


class UMAPMethod(ProjectionMethod):
    def cost(self, n_points):
        return n_points**1.15

    def check(self, params, n_points):
        if not params["n_neighbors"] < n_points:
            raise ValueError(
                f"n_neighbors must be between 2 and {n_points - 1}; got {params['n_neighbors']}"
            )

    def ready(self) -> bool:
        from vae_core.analysis.projections import umap_ready

        return umap_ready()

    def prepare(self) -> None:
        from vae_core.analysis.projections import warm_up_umap

        warm_up_umap()

    def describe(self, n_points):
        if self.ready():
            return super().describe(n_points)
        return "compiling UMAP (once per server), then the projection"

    def embed(self, X, params, random_state):
        from vae_core.analysis.projections import warm_up_umap

        reduced = reduce_first(X, params["pca_dims"], random_state)
        warm_up_umap().join()  # the first UMAP of a process waits for numba to compile
        import umap

        return umap.UMAP(
            n_neighbors=params["n_neighbors"],
            min_dist=params["min_dist"],
            random_state=random_state,
        ).fit_transform(reduced)


METHOD = UMAPMethod(
    name="umap",
    label="UMAP",
    summary="Keeps neighbours together and more of the global layout; new points can be placed.",
    order=1,
    reference_rate=2.51e-4,
    transforms_new_points=True,
    options=(
        Setting(
            name="n_neighbors",
            label="n_neighbors",
            help="Larger values favour global structure.",
            default=15,
            low=2,
            form_low=5,
            form_high=100,
        ),
        Setting(
            name="min_dist",
            label="min_dist",
            help="How tightly points may pack.",
            default=0.1,
            low=0.0,
            high=1.0,
            form_high=0.99,
            step=0.01,
        ),
        PCA_DIMS,
    ),
)
