"""A view published as one web page (explorer/standalone): the modules inlined, the data it
holds, the size, the escaping of everything a user or a checkpoint supplies, and the command.
The page in a browser: tests/test_browser_published.py."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest

from explorer.standalone import bundle
from explorer.standalone.command import main as publish_main
from explorer.standalone.page import (
    PublishedView,
    PublishError,
    build_page,
    key_numbers,
    page_data,
    write_page,
)

ROOT = Path(__file__).resolve().parents[1]
TWO_D = ROOT / "checkpoints" / "mnist-vae-2d-0c5935d11fa4"
TWENTY_D = ROOT / "checkpoints" / "mnist-vae-20d-883a03be427a"


def embedded(page: str, element_id: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page)
    return json.loads(match.group(1))


def test_the_page_inlines_every_module_it_imports_under_a_bare_name():
    sources = bundle.modules("published/page.js")
    assert {
        "published/page.js",
        "canvas/canvas.js",
        "decoder/decoder.js",
        "traversal/grid.js",
    } <= set(sources)
    names = set(json.loads(bundle.import_map(sources))["imports"])
    for source in sources.values():
        statements = re.findall(r'(?:^|\n)\s*(?:import|export)\b[^;"]*?\bfrom\s*"([^"]+)"', source)
        for specifier in statements + re.findall(r'(?:^|\n)\s*import\s*"([^"]+)"', source):
            assert specifier in names, specifier  # every import is one the map names
    assert not any(re.search(r'from\s+"\.\.?/', source) for source in sources.values())


def test_a_module_reaching_outside_the_frontend_is_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "entry.js").write_text('import { x } from "../../secret.js";\n')
    with pytest.raises(bundle.BundleError, match="outside the frontend"):
        bundle.modules("a/entry.js", root=tmp_path)
    (tmp_path / "a" / "entry.js").write_text('import "./missing.js";\n')
    with pytest.raises(bundle.BundleError, match="missing.js"):
        bundle.modules("a/entry.js", root=tmp_path)


def test_the_shipped_2d_page_holds_every_test_code_in_under_3_mb():
    page = build_page(PublishedView(TWO_D, pinned=(0.5, -1.0)))
    assert len(page.encode()) < 3_000_000
    data = embedded(page, "published-data")
    figure = data["files"][data["maps"][0]["figure"]]["json"]
    rows = [
        np.frombuffer(base64.b64decode(trace["customdata"]["bdata"]), trace["customdata"]["dtype"])
        for trace in figure["data"]
        if "customdata" in trace
    ]
    assert sorted(np.concatenate(rows).tolist()) == list(range(10_000))  # every test code, once
    assert data["view"] == {"pinned": [0.5, -1.0], "plane": 0}
    assert [key for key, _ in data["numbers"][:3]] == ["model", "dataset", "latent dimensions"]
    weights = base64.b64decode(data["files"]["model"]["base64"])
    assert weights[8 : 8 + int.from_bytes(weights[:8], "little")].count(b"F16") > 0  # float16
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page


def test_the_views_overlays_reach_the_pages_map():
    data = page_data(PublishedView(TWO_D, ellipses=5, prior_circles=True))
    shapes = data["files"]["figure-0"]["json"]["layout"]["shapes"]
    assert len(shapes) == 2 + 2 * 5  # the prior's two circles, each ellipse at 1σ and 2σ
    bare = page_data(PublishedView(TWO_D, prior_circles=False))
    assert not bare["files"]["figure-0"]["json"]["layout"].get("shapes")


def test_a_wider_models_page_offers_planes_and_kl_per_dimension():
    data = page_data(PublishedView(TWENTY_D))
    assert len(data["maps"]) == 4 and all(len(m["plane"]["origin"]) == 20 for m in data["maps"])
    assert len(data["kl"]) == 20 and data["latent_dim"] == 20
    top = int(np.argmax(data["kl"]))
    assert f"Dimensions {top} and" in data["maps"][1]["name"]


@pytest.mark.parametrize(
    "text",
    [
        "</script><script>alert(1)</script>",
        "<!-- <script>",
        "<img src=x onerror=alert(1)>",
        "&lt;b&gt; & </style>",
    ],
)
def test_no_title_or_note_reaches_the_page_as_markup(text):
    page = build_page(PublishedView(TWO_D, title=text, note=text))
    assert page.count("<script") == 3  # the import map, the data and the entry module
    assert "<img" not in page and "</style>" in page and page.count("</style>") == 1
    assert "<!-- <script>" not in page
    data = embedded(page, "published-data")
    assert data["title"] == text and data["note"] == text  # the page sets them as text
    assert re.search(r"<title>(.*?)</title>", page).group(1) == (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def test_only_numbers_are_read_from_a_checkpoints_metrics():
    forged = {
        "test": {"neg_elbo": "<script>", "iwae_nll": float("nan"), "kl": 3.25},
        "latent": {"knn5_accuracy": True, "active_units": 2},
        "role": "<b>",
    }
    assert key_numbers(forged) == [["KL to the prior (nats)", "3.25"], ["active units", "2"]]
    assert key_numbers("not a dict") == []


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"pinned": (float("nan"), 0.0)}, "two coordinates"),
        ({"pinned": (1e9, 0.0)}, "two coordinates"),
        ({"plane": 3}, "plane 3"),
        ({"title": "x" * 5000}, "title is 5,000 characters"),
        ({"ellipses": 101}, "0 to 100 posterior ellipses"),
    ],
)
def test_a_view_that_cannot_be_published_says_why(changes, words):
    with pytest.raises(PublishError, match=words):
        page_data(PublishedView(TWO_D, **changes))


def test_a_damaged_checkpoint_is_refused_with_a_message(tmp_path):
    import shutil

    folder = tmp_path / TWO_D.name
    shutil.copytree(TWO_D, folder)
    weights = next(folder.glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(PublishError, match="do not fit|cannot"):
        page_data(PublishedView(folder))


def test_the_command_writes_the_page_or_says_why(tmp_path, capsys):
    out = tmp_path / "map.html"
    assert publish_main([str(TWO_D), "--out", str(out), "--title", "Week 3", "--point", "1,2"]) == 0
    data = embedded(out.read_text(), "published-data")
    assert data["title"] == "Week 3" and data["view"]["pinned"] == [1.0, 2.0]
    assert "wrote" in capsys.readouterr().out
    assert publish_main(["no-such-model", "--out", str(tmp_path / "x.html")]) == 1
    assert "no checkpoint named" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_a_page_that_cannot_be_written_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    target = folder / "page.html"
    target.mkdir()  # a folder where the file should go: the replace fails
    with pytest.raises(PublishError, match="cannot be written"):
        write_page(PublishedView(TWO_D), target)
    assert [p.name for p in folder.iterdir()] == ["page.html"]
