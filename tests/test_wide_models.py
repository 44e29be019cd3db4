"""The shipped 20-D models on the pages that take any latent size: the map (its first two
dimensions), interpolation, latent arithmetic and projections keep working for d > 2."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.drivers.browser import ROOT
from vae_core.experiments.pretrain import CATALOG

WIDE = {e.role: e.name for e in CATALOG if e.dataset == "mnist" and e.model_config.latent_dim == 20}


@pytest.mark.parametrize("role", sorted(WIDE))
@pytest.mark.parametrize(
    "page", ["pages/3_Interpolate.py", "pages/7_Latent_arithmetic.py", "pages/5_Projections.py"]
)
def test_a_20d_model_works_where_any_latent_size_does(role, page):
    at = AppTest.from_file(str(ROOT / "explorer_app.py"), default_timeout=180)
    at.query_params["model"] = WIDE[role]
    at.run()
    at.switch_page(page).run()
    assert not at.exception and not at.error
    assert at.session_state["view"].view.model == WIDE[role]  # the 20-D model, not a fallback
    said = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    if page.endswith("Interpolate.py"):
        assert "z = (" in said and "…" in said  # a 20-D point, shown in part
    if page.endswith("Latent_arithmetic.py"):
        assert sum("looks like" in m.value for m in at.markdown) == 2
    if page.endswith("Projections.py"):
        sources = at.selectbox(key="proj_source").options
        assert any("20-D" in option for option in sources)


@pytest.mark.parametrize("role", sorted(WIDE))
def test_unused_dimensions_barely_change_the_image_and_used_ones_do(role):
    """Across a ±3σ traversal around the mean code: a dimension with KL < 0.01 nats moves the
    image by under a grey level on average (at most a dozen at any pixel); every other one by
    ten or more (the β-VAE leaves 14 of its 20 unused; the VAE uses all 20)."""
    import numpy as np

    from vae_core.analysis.latent import decode
    from vae_core.analysis.planes import ACTIVE_KL, kl_per_dimension, traversal_codes
    from vae_core.data.images import to_uint8
    from vae_core.store.checkpoints import load_model
    from vae_core.store.codes import read_codes

    entry = next(e for e in CATALOG if e.name == WIDE[role])
    model, codes = load_model(entry.path), read_codes(entry.path)
    kl = kl_per_dimension(codes.mu, codes.logvar)
    grid = traversal_codes(codes.mu.mean(axis=0), 9).reshape(-1, 20).astype(np.float32)
    images = to_uint8(decode(model, grid)).reshape(20, 9, 784).astype(np.int16)
    change = np.abs(images - images[:, :1])
    idle, used = kl < ACTIVE_KL, kl >= 0.05
    assert (change[idle].mean(axis=(1, 2)) < 1.0).all() and (
        change[idle].max(axis=(1, 2)) <= 12
    ).all()
    assert (change[used].mean(axis=(1, 2)) >= 10).all()
    assert idle.sum() == (14 if role == "beta-vae-20d" else 0) and idle.sum() + used.sum() == 20


def test_the_plane_through_three_codes_decodes_them_at_its_anchors():
    """Decoding the plane's anchors, origin + u·e₁ + v·e₂, gives the three codes' own images."""
    import numpy as np

    from vae_core.analysis.arithmetic import class_means
    from vae_core.analysis.latent import decode
    from vae_core.analysis.planes import anchors, plane_through
    from vae_core.data.images import to_uint8
    from vae_core.store.checkpoints import load_model
    from vae_core.store.codes import read_codes

    entry = next(e for e in CATALOG if e.name == WIDE["vae-20d"])
    model, codes = load_model(entry.path), read_codes(entry.path)
    chosen = class_means(codes.mu, codes.labels)[[0, 1, 7]]
    plane = plane_through(*chosen)
    on_plane = plane.codes(anchors(plane, *chosen)).astype(np.float32)
    difference = np.abs(
        to_uint8(decode(model, on_plane)).astype(int)
        - to_uint8(decode(model, chosen.astype(np.float32)))
    )
    assert difference.max() <= 2


def test_a_pinned_20d_point_is_described_measured_and_matched_in_all_its_coordinates():
    """A point pinned on a plane keeps its 20 coordinates: none is said to be held at 0, its
    distance from the origin and from the codes use all 20, and its nearest test images are
    nearest in 20-D (around a code of a 1, all eight are 1s)."""
    import numpy as np

    from explorer.core import caches
    from explorer.maps import points

    name = WIDE["vae-20d"]
    codes = caches.encoded(name)
    one = codes.mu[np.flatnonzero(codes.labels == 1)[0]]
    decoded = points.decode_point(name, one.tolist())
    assert decoded.held_at_zero == 0 and len(decoded.code) == 20
    assert np.isclose(decoded.radius, np.linalg.norm(one), atol=1e-4)
    assert decoded.radius > np.hypot(*one[:2]) + 0.5  # two coordinates would say far less
    assert decoded.nearest < 1e-3 and "(20-D)" in decoded.words()
    captions = points.neighbours(name, one.tolist()).captions
    assert len(captions) == 8 and all(c.startswith("1 (") for c in captions), captions
