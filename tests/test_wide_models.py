"""The shipped 20-D models on the pages that take any latent size: the map (its first two
dimensions), interpolation, latent arithmetic and projections keep working for d > 2."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.browser import ROOT
from vae_core.pretrain import CATALOG

WIDE = {e.role: e.name for e in CATALOG if e.dataset == "mnist" and e.model_config.latent_dim == 20}


@pytest.mark.parametrize("role", sorted(WIDE))
@pytest.mark.parametrize("page", ["pages/3_Interpolate.py", "pages/7_Latent_arithmetic.py", "pages/5_Projections.py"])
def test_a_20d_model_works_where_any_latent_size_does(role, page):
    at = AppTest.from_file(str(ROOT / "explorer_app.py"), default_timeout=180)
    at.query_params["model"] = WIDE[role]
    at.run()
    at.switch_page(page).run()
    assert not at.exception and not at.error
    assert at.session_state["model_name"] == WIDE[role]  # the 20-D model, not a fallback
    said = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    if page.endswith("Interpolate.py"):
        assert "z = (" in said and "…" in said  # a 20-D point, shown in part
    if page.endswith("Latent_arithmetic.py"):
        assert sum("looks like" in m.value for m in at.markdown) == 2
    if page.endswith("Projections.py"):
        sources = at.selectbox(key="proj_source").options
        assert any("20-D" in option for option in sources)
