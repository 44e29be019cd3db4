"""Any images beside MNIST, in one run: importing a folder of 10,000 pictures, a training epoch
on ``shapes``, and decoding a hover of a 64 x 64 colour model in chromium.

    python -m benchmarks.datasets [--images 10000] [--moves 120] [--skip-epochs]

- import: ``vae_core.data.catalog.add_dataset`` on a folder of 10,000 colour JPEG photos-like
  pictures (96 x 72, ten class folders) at 32 pixels, beside the same call on MNIST's 10,000
  test digits written as PNG files (28 pixels, grey);
- epoch: one training epoch of the shipped shapes VAE over its 60,000 sprites, beside one
  epoch of the shipped MNIST VAE over its 60,000 digits;
- hover: a published view (the app's own canvas and WebAssembly decoder) of the network a new
  model on ``shapes-colour`` gets by default (convolutional, 64 x 64 x 3 out), beside the
  shipped MNIST VAE's, opened in chromium; the median of ``--moves`` hovers from the pointer
  event to the image drawn. Goal: < 16 ms.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image


def photo_folder(root: Path, count: int) -> Path:
    """``count`` colour JPEGs in ten class folders: soft gradients with a coloured blob."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:72, :96]
    for index in range(count):
        folder = root / f"class-{index % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        centre = rng.uniform([10, 10], [62, 86])
        blob = np.exp(-((yy - centre[0]) ** 2 + (xx - centre[1]) ** 2) / rng.uniform(40, 300))
        colour = rng.uniform(0, 255, 3)
        picture = (yy / 72)[..., None] * 80 + blob[..., None] * colour
        Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8)).save(folder / f"{index}.jpg")
    return root


def digit_folder(root: Path, count: int) -> Path:
    """MNIST's first ``count`` test digits as PNG files in class folders."""
    from vae_core.data.datasets import load_arrays

    images, labels = load_arrays("mnist", "test")
    for index in range(count):
        folder = root / str(labels[index])
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[index]).save(folder / f"{index}.png")
    return root


def import_seconds(source: Path, name: str, size: int) -> float:
    from vae_core.data.catalog import add_dataset

    start = time.perf_counter()
    add_dataset(name, source, size=size)
    return time.perf_counter() - start


def epoch_seconds(entry) -> float:
    from vae_core.training.trainer import Trainer

    trainer = Trainer(entry.model_config, entry.train_config)
    start = time.perf_counter()
    trainer.train_epoch()
    return time.perf_counter() - start


def colour_checkpoint(folder: Path) -> Path:
    """The default network of a new model on shapes-colour (its weights as initialised:
    decoding costs the same), stored with its codes so a page can be published from it."""
    import torch

    from vae_core import ModelConfig, TrainConfig, build_model, save_model
    from vae_core.models.layout import network_for
    from vae_core.store.encoding import encode_dataset

    torch.manual_seed(0)
    config = ModelConfig(**network_for("auto", 64), hidden_sizes=(256,))
    model = build_model(config, "shapes-colour").eval()
    train_config = TrainConfig(dataset="shapes-colour", epochs=1)
    model.set_origin(train_config)
    codes = encode_dataset(model, "shapes-colour", "test")
    return save_model(model, train_config, folder, half=True, codes=codes)


def hover_ms(chromium, checkpoint: Path, folder: Path, moves: int) -> float:
    from benchmarks.published import open_page
    from explorer.standalone.page import PublishedView, write_page

    page = folder / f"{checkpoint.name}.html"
    write_page(PublishedView(checkpoint), page)
    return open_page(chromium, page, moves)["hover ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--moves", type=int, default=120)
    parser.add_argument("--skip-epochs", action="store_true")
    args = parser.parse_args()
    import os

    work = Path(tempfile.mkdtemp(prefix="datasets-bench-"))
    os.environ["VAE_EXPLORER_DATA"] = str(work / "imported")
    rows = []
    photos = import_seconds(photo_folder(work / "photos", args.images), "photos", 32)
    digits = import_seconds(digit_folder(work / "digits", args.images), "digits", 28)
    rows.append((f"import {args.images:,} pictures, s (colour photos, 32 px)", photos, digits))
    if not args.skip_epochs:
        from vae_core.experiments.pretrain import VAE, main_entry

        shapes, mnist = main_entry("shapes", VAE), main_entry("mnist", VAE)
        rows.append(
            ("one training epoch, s (shapes VAE)", epoch_seconds(shapes), epoch_seconds(mnist))
        )
    from tests.drivers.browser import browser

    with browser() as chromium:
        colour = hover_ms(chromium, colour_checkpoint(work / "store"), work, args.moves)
        from vae_core.experiments.pretrain import VAE, main_entry

        grey = hover_ms(chromium, main_entry("mnist", VAE).path, work, args.moves)
    rows.append(("hover in chromium, median ms (64x64x3)", colour, grey))
    print(f"{'':48} {'any images':>12} {'MNIST':>10}")
    for what, ours, baseline in rows:
        print(f"{what:48} {ours:12.2f} {baseline:10.2f}")


if __name__ == "__main__":
    main()
