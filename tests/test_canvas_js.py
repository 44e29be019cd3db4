"""The browser's side of the latent canvas, run in node against the Python side: every
shipped model and freshly trained MLP, convolutional and conditional models decode as
torch does (within 2/255 per pixel after rounding), encoders agree, and paths and the
drawing pad's preparation match vae_core.analysis.geometry and vae_core.data.uploads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.drivers.browser import ROOT
from vae_core.analysis.geometry import interpolate
from vae_core.analysis.latent import decode
from vae_core.data.catalog import get as get_dataset
from vae_core.data.images import model_layout, png_bytes, to_uint8
from vae_core.data.uploads import prepare_image
from vae_core.experiments.pretrain import CATALOG
from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.store.checkpoints import load_model
from vae_core.store.encoding import encode_images
from vae_core.store.export import checkpoint_state, export_weights, model_state
from vae_core.training.trainer import train

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs node (Node.js 20)")
FRESH = {
    "fresh-mlp-vae": ModelConfig(hidden_sizes=(64, 32)),
    "fresh-conv-vae": ModelConfig(architecture="conv", hidden_sizes=(32,), conv_channels=(8, 16)),
    "fresh-mlp-cvae": ModelConfig(model="cvae", hidden_sizes=(48,)),
    "fresh-conv-mmd-vae-3d": ModelConfig(
        model="mmd_vae", architecture="conv", hidden_sizes=(), conv_channels=(6,), latent_dim=3
    ),
    # 64 x 64 in colour: four upsamplings, three planes out
    "fresh-conv-vae-colour": ModelConfig(
        architecture="conv", hidden_sizes=(16,), conv_channels=(4, 6, 6, 8)
    ),
}
FRESH_DATA = {"fresh-conv-vae-colour": "shapes-colour"}


def write_model(folder, model, state) -> None:
    folder.mkdir(parents=True)
    data = get_dataset(model.train_config.dataset if model.train_config else "mnist")
    (folder / "model.safetensors").write_bytes(export_weights(state, model.config, data))
    rng = np.random.default_rng(0)
    d, conditional = model.config.latent_dim, model.config.is_conditional
    channels = model.image_shape[0]
    decode_cases = []
    for index in range(12):
        z = rng.normal(0, 2, d).astype(np.float32)
        label = index % 10 if conditional else None
        decode_cases.append(
            {
                "z": z.tolist(),
                "label": label,
                # channel by channel, as the browser's decoder gives them
                "image": to_uint8(model_layout(decode(model, z, label)[None], channels))
                .ravel()
                .tolist(),
            }
        )
    encode_cases = []
    pixels = rng.uniform(0, 1, (4, *model.image_shape)).astype(np.float32)
    for index, image in enumerate(pixels):
        label = index if conditional else None
        mu, logvar = encode_images(model, image[None], None if label is None else [label])
        encode_cases.append(
            {
                "pixels": image.ravel().tolist(),
                "label": label,
                "mu": mu[0].tolist(),
                "logvar": None if logvar is None else logvar[0].tolist(),
            }
        )
    (folder / "cases.json").write_text(json.dumps({"decode": decode_cases, "encode": encode_cases}))


def path_fixtures() -> dict:
    rng = np.random.default_rng(1)
    pairs = [([1.0, 0.0], [-1.0, 0.0]), ([0.0, 0.0], [1.0, 2.0]), ([1.0, 1.0], [2.0, 2.0])]
    pairs += [(rng.normal(size=d).tolist(), rng.normal(size=d).tolist()) for d in (2, 3, 10)]
    interpolations = [
        {
            "z0": a,
            "z1": b,
            "steps": 9,
            "method": method,
            "path": interpolate(a, b, 9, method).tolist(),
        }
        for a, b in pairs
        for method in ("linear", "slerp")
    ]
    drawings = []
    for shape in ("stroke", "ring", "tall"):
        ink = np.zeros((280, 280), np.float32)
        yy, xx = np.mgrid[:280, :280]
        if shape == "stroke":
            ink[(np.abs(yy - xx - 20) < 12) & (yy > 40) & (yy < 240)] = 1.0
        elif shape == "ring":
            ink[np.abs(np.hypot(yy - 150, xx - 120) - 70) < 11] = 1.0
        else:
            ink[40:250, 130:152] = 1.0
        prepared = prepare_image(png_bytes(ink), invert=False)
        drawings.append(
            {
                "ink": ink.ravel().tolist(),
                "height": 280,
                "width": 280,
                "prepared": prepared.ravel().tolist(),
            }
        )
    return {"interpolations": interpolations, "drawings": drawings}


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    root = tmp_path_factory.mktemp("canvas-fixtures")
    for entry in CATALOG:
        model = load_model(entry.path)
        write_model(root / "models" / entry.name, model, checkpoint_state(entry.path))
    for name, config in FRESH.items():
        torch.manual_seed(0)
        dataset = FRESH_DATA.get(name, "mnist")
        model = train(
            config,
            TrainConfig(
                dataset=dataset, epochs=1, batch_size=64, train_subset=1024, test_subset=256
            ),
        ).model
        # the browser gets float16 weights: torch decodes with the same ones
        with torch.no_grad():
            for tensor in model.state_dict().values():
                tensor.copy_(tensor.half().float())
        write_model(root / "models" / name, model, model_state(model))
    (root / "paths.json").write_text(json.dumps(path_fixtures()))
    return root


@pytest.mark.slow
def test_javascript_runs_the_models_and_paths_like_python(fixtures):
    tests = sorted(
        str(p)
        for p in (ROOT / "tests" / "js").glob("*.test.mjs")
        if p.name not in ("room.test.mjs", "planes.test.mjs")
    )
    result = subprocess.run(
        [NODE, "--test", *tests],
        cwd=ROOT,
        env={**os.environ, "CANVAS_FIXTURES": str(fixtures)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    # a test per model, plus the paths and drawing tests (5), the canvas modules' own (7), the
    # WebAssembly pass over every model and the image shapes (2)
    assert f"# pass {len(CATALOG) + len(FRESH) + 14}" in result.stdout


def test_the_room_channel_and_a_followers_view_like_python(tmp_path):
    """channel.js and follow.js in node: reconnection, versions, numbered changes, and the
    α frame a follower draws from a View that Python wrote."""
    from explorer.core.view import QuizState, View

    rng = np.random.default_rng(3)
    cases = []
    for method in ("linear", "slerp"):
        for alpha in (0, 4, 8):
            a, b = rng.normal(size=2).tolist(), rng.normal(size=2).tolist()
            view = View(
                point=tuple(rng.normal(size=5).tolist()),
                ends=(tuple(a), tuple(b)),
                method=method,
                steps=9,
                alpha=alpha,
                quiz=QuizState(2),
                arrows=((0.0, 0.0, 1.0, 1.0, "2 → 7"),),
            )
            cases.append(
                {
                    "view": view.to_message(),
                    "alphaPoint": interpolate(a, b, 9, method)[alpha].tolist(),
                }
            )
    fixtures = tmp_path / "room.json"
    fixtures.write_text(json.dumps(cases))
    result = subprocess.run(
        [NODE, "--test", str(ROOT / "tests" / "js" / "room.test.mjs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ROOM_FIXTURES": str(fixtures)},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "# pass 8" in result.stdout


def plane_fixtures(rng) -> list[dict]:
    """Planes through three codes and principal planes in 3, 10 and 20 dimensions: their codes
    at some (u, v) and those codes' projections back, as vae_core.analysis.planes gives them."""
    from vae_core.analysis.planes import plane_through, principal_plane

    planes = []
    for d in (3, 10, 20):
        for plane in (
            plane_through(*rng.normal(size=(3, d))),
            principal_plane(rng.normal(size=(50, d))),
        ):
            uv = rng.normal(size=(4, 2))
            codes = plane.codes(uv)
            projected = plane.project(codes)[0].tolist()
            planes.append(
                {
                    "plane": plane.to_dict(),
                    "uv": uv.tolist(),
                    "codes": codes.tolist(),
                    "projected": projected,
                }
            )
    return planes


def traversal_fixture(rng) -> dict:
    """A traversal grid and the order of its rows (used dimensions by KL, then unused ones)."""
    from vae_core.analysis.planes import active_dimensions, traversal_codes

    code, kl = rng.normal(size=6), np.array([0.5, 0.0, 1.2, 0.005, 0.3, 0.0])
    unused = [int(i) for i in np.argsort(-kl, kind="stable") if kl[i] < 0.01]
    order = [*active_dimensions(kl).tolist(), *unused]
    grid = traversal_codes(code, 7).tolist()
    return {"code": code.tolist(), "steps": 7, "grid": grid, "kl": kl.tolist(), "order": order}


def lens_fixture(folder: Path) -> dict:
    """The shipped classifier exported for the browser, and its answers on 16 test images with
    the float16 weights the browser reads."""
    from vae_core.analysis.classifier import load_classifier
    from vae_core.data.datasets import load_arrays
    from vae_core.store.export import export_classifier

    judge = load_classifier("mnist")
    images = load_arrays("mnist", "test")[0][:16].astype(np.float32).reshape(16, 784) / 255.0
    (folder / "classifier.safetensors").write_bytes(export_classifier(judge.weights))
    halved = {k: v.astype(np.float16).astype(np.float32) for k, v in judge.weights.items()}
    probabilities = type(judge)("mnist", halved, judge.test_accuracy).probabilities(images)
    return {
        "file": str(folder / "classifier.safetensors"),
        "images": images.tolist(),
        "probabilities": probabilities.tolist(),
        "predicted": probabilities.argmax(axis=1).tolist(),
    }


def test_planes_and_traversals_in_the_browser_like_python(tmp_path):
    """planes.js and lens.js in node: a plane's codes, projections and traversal rows as
    vae_core.analysis.planes computes them, and the classifier as numpy runs it."""
    rng = np.random.default_rng(5)
    fixtures = tmp_path / "planes.json"
    fixtures.write_text(
        json.dumps(
            {
                "planes": plane_fixtures(rng),
                "traversal": traversal_fixture(rng),
                "lens": lens_fixture(tmp_path),
            }
        )
    )
    result = subprocess.run(
        [NODE, "--test", str(ROOT / "tests" / "js" / "planes.test.mjs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PLANE_FIXTURES": str(fixtures)},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "# pass 4" in result.stdout


def test_the_shipped_webassembly_is_built_from_its_source():
    """dense.wasm is what dense.wat compiles to (python -m explorer.canvas.wasm rebuilds it)."""
    pytest.importorskip("wasmtime", reason="the wasmtime package compiles dense.wat")
    from explorer.canvas import wasm

    assert (wasm.KERNEL / "dense.wasm").read_bytes() == wasm.build()
