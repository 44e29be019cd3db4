"""A view of a model as one web page that needs no server: the latent canvas of the app with
the model's decoder (float16, the very bytes the app sends the browser), its test codes and
classes, the view's pinned point and plane, the teacher's note and the model's key numbers.

Everything from the checkpoint or the user reaches the page as JSON data (numbers, or text the
page sets with ``textContent``), every ``<`` escaped, so a title, a note or a model's name can
never become markup. The page loads nothing: its modules (:mod:`explorer.standalone.bundle`),
its WebAssembly kernel, weights and figures are all inside it.
"""

from __future__ import annotations

import base64
import html
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.standalone import bundle
from vae_core.analysis.geometry import square_extent
from vae_core.analysis.planes import axis_plane, kl_per_dimension, principal_plane
from vae_core.store.checkpoints import CheckpointError, check_data, read_checkpoint_info
from vae_core.store.codes import read_codes
from vae_core.store.export import checkpoint_state, export_weights
from vae_core.viz import latent_map, plane_map
from vae_core.viz.latent_map import MIN_MAP_SPAN

ENTRY = "published/page.js"
STYLES = ("canvas/canvas.css", "traversal/traversal.css", "published/page.css")
KERNEL = bundle.FRONTEND / "decoder" / "dense.wasm"
TEMPLATE = bundle.FRONTEND / "published" / "page.html"
TEXT_LIMIT = 2000  # characters of a title or note
COORDINATE_LIMIT = 50.0  # as the canvas's events
ELLIPSES_LIMIT = 100  # as the Latent map's slider


class PublishError(ValueError):
    """The view cannot be published: no test codes, a model the page cannot run, bad input."""


@dataclass(frozen=True)
class PublishedView:
    """What the page starts from: the model's folder, the words around it, the pinned point
    (on the plane ``plane`` for a wider model) and whether the prior's circles are drawn."""

    folder: Path
    title: str = ""
    note: str = ""
    pinned: tuple[float, float] | None = None
    plane: int = 0
    prior_circles: bool = True
    ellipses: int = 0  # test images drawn with their posterior's 1σ and 2σ ellipses (2-D)
    label: int = 0  # the class a conditional model decodes as


def _text(value: str, what: str) -> str:
    text = str(value or "")
    if len(text) > TEXT_LIMIT:
        raise PublishError(f"the {what} is {len(text):,} characters; at most {TEXT_LIMIT:,}")
    return text


def _point(value) -> list[float] | None:
    if value is None:
        return None
    point = [float(v) for v in value]
    if len(point) != 2 or not all(math.isfinite(v) and abs(v) <= COORDINATE_LIMIT for v in point):
        raise PublishError(f"a pinned point is two coordinates within ±{COORDINATE_LIMIT:g}")
    return point


def _number(value) -> float | None:
    """A metric as a number, or None when the checkpoint holds anything else there."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def key_numbers(metrics: dict) -> list[list[str]]:
    """The model's key numbers as [label, text] pairs: only numbers are read from the
    checkpoint, and the labels are this module's."""
    metrics = metrics if isinstance(metrics, dict) else {}
    test = metrics.get("test") if isinstance(metrics.get("test"), dict) else {}
    latent = metrics.get("latent") if isinstance(metrics.get("latent"), dict) else {}
    rows = [
        ("test −ELBO (nats)", _number(test.get("neg_elbo")), "{:.1f}"),
        ("IWAE bound on −log p(x) (nats)", _number(test.get("iwae_nll")), "{:.1f}"),
        ("KL to the prior (nats)", _number(test.get("kl")), "{:.2f}"),
        ("5-NN accuracy on the codes", _number(latent.get("knn5_accuracy")), "{:.1%}"),
        ("active units", _number(latent.get("active_units")), "{:.0f}"),
    ]
    return [[label, form.format(value)] for label, value, form in rows if value is not None]


def _planes(mu: np.ndarray, kl: np.ndarray | None) -> list[tuple[str, object]]:
    """The planes a wider model's page offers: the codes' main directions, then pairs of the
    three most informative dimensions through the codes' mean."""
    mean = mu.mean(axis=0)
    order = np.argsort(-kl) if kl is not None else np.arange(mu.shape[1])
    top = [int(d) for d in order[:3]]
    pairs = [(top[0], top[1]), (top[0], top[2]), (top[1], top[2])]
    return [("The plane of the codes' two main directions", principal_plane(mu))] + [
        (f"Dimensions {a} and {b}, the others at the codes' mean", axis_plane(mean, a, b))
        for a, b in pairs
    ]


def _maps(mu, labels, names, kl, overlays: dict) -> tuple[list[dict], dict]:
    """The page's maps ({name, figure, extent, plane}) and their figures by file name."""
    figures, maps = {}, []
    if mu.shape[1] == 2:
        extent = square_extent(mu, min_span=MIN_MAP_SPAN)
        figure = latent_map(mu, labels, names, extent, click_grid=0, **overlays)
        choices = [("The latent space", None, figure, extent)]
    else:
        choices = [
            (words, plane, *plane_map(plane, mu, labels, names)) for words, plane in _planes(mu, kl)
        ]
    for index, (words, plane, figure, extent) in enumerate(choices):
        figure.layout.template = None  # the page draws its maps itself: plotly's theme is unused
        name = f"figure-{index}"
        figures[name] = {"json": json.loads(figure.to_json(engine="orjson"))}
        maps.append(
            {
                "name": words,
                "figure": name,
                "extent": [float(v) for v in extent],
                "plane": None if plane is None else plane.to_dict(),
            }
        )
    return maps, figures


def _checkpoint(folder: Path):
    """(info, test codes, exported decoder) of a checkpoint, or PublishError saying why not."""
    try:
        info = read_checkpoint_info(folder)
    except CheckpointError as error:
        raise PublishError(str(error)) from error
    try:
        data = check_data(info)
    except CheckpointError as error:
        raise PublishError(str(error)) from error
    dataset = data.name
    codes = read_codes(folder)
    if codes is None:  # a checkpoint without its codes: encode the test split now
        from vae_core.store.checkpoints import load_model
        from vae_core.store.encoding import encode_dataset

        codes = encode_dataset(load_model(folder), dataset, "test")
    try:
        decoder = export_weights(
            checkpoint_state(folder), info.model_config, data, parts=("decoder",)
        )
    except (KeyError, ValueError, OSError) as error:
        raise PublishError(
            f"{folder.name}: its weights do not fit its configuration ({error})"
        ) from error
    return info, data, codes, decoder


def page_data(view: PublishedView) -> dict:
    """Everything the page holds, as plain JSON data."""
    info, data, codes, decoder = _checkpoint(Path(view.folder))
    config = info.model_config
    mu = np.asarray(codes.mu, np.float32)
    kl = None if codes.logvar is None else kl_per_dimension(codes.mu, codes.logvar)
    if not 0 <= view.ellipses <= ELLIPSES_LIMIT:
        raise PublishError(f"a page draws 0 to {ELLIPSES_LIMIT} posterior ellipses")
    overlays = {"prior_circles": view.prior_circles, "ellipses": codes.ellipses(view.ellipses)}
    maps, figures = _maps(mu, codes.labels, data.class_names, kl, overlays)
    if config.is_conditional and not 0 <= view.label < data.classes:
        raise PublishError(f"class {view.label} is not one of {data.name}'s")
    if not 0 <= view.plane < len(maps):
        raise PublishError(f"plane {view.plane} is not one of the page's {len(maps)}")
    files = {"model": {"base64": base64.b64encode(decoder).decode()}} | figures
    return {
        "title": _text(view.title, "title") or f"{config.label} on {data.title}",
        "note": _text(view.note, "note"),
        "model": config.label,
        "numbers": [
            ["model", config.label],
            ["dataset", data.title],
            ["latent dimensions", str(config.latent_dim)],
            ["test images", f"{len(mu):,}"],
            *key_numbers(info.metrics),
        ],
        "latent_dim": int(config.latent_dim),
        "classes": list(data.class_names) if config.is_conditional else None,
        "label": int(view.label) if config.is_conditional else None,
        "kl": None if kl is None else [round(float(v), 4) for v in kl],
        "maps": maps,
        "view": {"pinned": _point(view.pinned), "plane": int(view.plane)},
        "files": files,
        "kernel": base64.b64encode(KERNEL.read_bytes()).decode(),
    }


def _script_json(value) -> str:
    """JSON that cannot end the script element it sits in, nor open a comment there."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def build_page(view: PublishedView) -> str:
    """The page of ``view``: one HTML document, nothing to fetch."""
    data = page_data(view)
    parts = {
        "<title>A published view</title>": f"<title>{html.escape(data['title'])}</title>",
        "<style></style>": f"<style>\n{bundle.stylesheets(*STYLES)}\n</style>",
        '<script type="importmap"></script>': '<script type="importmap">'
        + _script_json(json.loads(bundle.import_map(bundle.modules(ENTRY))))
        + "</script>",
        '<script type="application/json" id="published-data"></script>': (
            f'<script type="application/json" id="published-data">{_script_json(data)}</script>'
        ),
        '<script type="module" src="page.js"></script>': (
            f'<script type="module">import "{bundle.entry_name(ENTRY)}";</script>'
        ),
    }
    page = TEMPLATE.read_text(encoding="utf-8")
    for marker, filled in parts.items():
        if page.count(marker) != 1:
            raise PublishError(f"the page's template has no single {marker}")
        page = page.replace(marker, filled)
    return page


def write_page(view: PublishedView, out: Path) -> int:
    """Write the page of ``view`` to ``out`` (whole or not at all); its size in bytes."""
    text = build_page(view).encode()
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_bytes(text)
        tmp.replace(out)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise PublishError(f"{out} cannot be written ({error.strerror})") from error
    return len(text)
