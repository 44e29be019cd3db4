"""Epoch time of vae_core's trainer against the classic tutorial loop, in one process.

Every loop trains the same 784-400-2 MLP VAE (Bernoulli decoder, analytic KL) at
batch 128 from the same initial weights and image order, for the same number of
epochs, and is scored by the same test -ELBO code. The baseline is the loop of the
PyTorch VAE tutorials: a torchvision dataset with the ToTensor transform behind a
shuffling DataLoader, sigmoid outputs and BCE on probabilities summed over the batch.

Epochs of the loops are interleaved (baseline, ours, ours, baseline, ...), so a
machine that speeds up or slows down during the run affects all of them alike.

    python -m benchmarks.train_speed [--epochs 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, RandomSampler
from torchvision import datasets, transforms

from vae_core import ModelConfig, TrainConfig, build_model, load_dataset
from vae_core.data.paths import cache_dir, shipped_data_dir
from vae_core.experiments.study import paired_interval, paired_p_value
from vae_core.models.losses import kl_standard_normal_per_image
from vae_core.training.trainer import Trainer, evaluate_terms, fast_bfloat16

MODEL = ModelConfig(hidden_sizes=(400,), latent_dim=2)


def tutorial_root() -> Path:
    """A folder where torchvision's MNIST finds the shipped files decompressed, as the tutorial
    reads them (torchvision's own extraction, once)."""
    from torchvision.datasets.utils import extract_archive

    root = cache_dir() / "tutorial-data"
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for archive in sorted((shipped_data_dir() / "MNIST" / "raw").glob("*.gz")):
        if not (raw / archive.stem).is_file():
            extract_archive(str(archive), str(raw))
    return root


class TutorialLoop:
    """The seed-style loop, one epoch per call."""

    def __init__(self, batch_size: int, seed: int):
        train_set = datasets.MNIST(
            str(tutorial_root()), train=True, transform=transforms.ToTensor()
        )
        # shuffle=True with the sampler spelled out, so every loop sees the same image order.
        sampler = RandomSampler(train_set, generator=torch.Generator().manual_seed(seed))
        self.loader = DataLoader(train_set, batch_size=batch_size, sampler=sampler)
        torch.manual_seed(seed)
        self.model = build_model(MODEL)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def epoch(self) -> float:
        start = time.perf_counter()
        self.model.train()
        for x, _ in self.loader:
            mu, logvar = self.model.encode(x)
            x_hat = self.model.decode(self.model.reparameterize(mu, logvar))
            bce = F.binary_cross_entropy(x_hat, x, reduction="sum")
            loss = bce + kl_standard_normal_per_image(mu, logvar).sum()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        return time.perf_counter() - start


class CoreLoop:
    """vae_core's Trainer (in-memory batches), one epoch per call."""

    def __init__(self, batch_size: int, seed: int, precision: str):
        config = TrainConfig(epochs=1000, batch_size=batch_size, seed=seed, precision=precision)
        self.trainer = Trainer(MODEL, config, device="cpu")
        self.model = self.trainer.model

    def epoch(self) -> float:
        start = time.perf_counter()
        self.trainer.train_epoch()
        return time.perf_counter() - start


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument(
        "--seeds", type=int, default=3, help="repeat with seeds 0..N-1; the -ELBOs are averaged"
    )
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    return parser.parse_args()


def main() -> None:
    args = arguments()
    torch.set_num_threads(args.threads)
    test = load_dataset("mnist", "test")

    names = (
        "tutorial (ToTensor + DataLoader), float32",
        "vae_core Trainer, float32",
        "vae_core Trainer, precision=auto",
    )
    times: dict[str, list[float]] = {name: [] for name in names}
    elbos: dict[str, list[float]] = {name: [] for name in names}
    for seed in range(args.seeds):
        loops = {
            names[0]: TutorialLoop(args.batch_size, seed),
            names[1]: CoreLoop(args.batch_size, seed, "float32"),
            names[2]: CoreLoop(args.batch_size, seed, "auto"),
        }
        for epoch in range(args.epochs):
            order = list(loops) if epoch % 2 == 0 else list(reversed(loops))
            for name in order:
                times[name].append(loops[name].epoch())
        for name, loop in loops.items():
            elbos[name].append(evaluate_terms(loop.model, test.pixels, test.labels)["neg_elbo"])

    report(args, names, times, elbos)


def report(args, names, times: dict, elbos: dict) -> None:
    """The loops side by side, then each loop's -ELBO paired with the tutorial's by seed."""
    auto = (
        "bfloat16 matrix products"
        if fast_bfloat16(torch.device("cpu"))
        else "float32 (no native bfloat16 here)"
    )
    print(
        f"threads {args.threads}, batch {args.batch_size}, {args.epochs} epochs x {args.seeds} "
        "seeds, 784-400-2 MLP VAE"
    )
    print(f"precision=auto means {auto} on this machine")
    print(
        f"{'loop':<44} {'median epoch s':>14} {'speed-up':>9} {'mean test -ELBO':>16} "
        f"{'per seed':>24}"
    )
    base = statistics.median(times[names[0]])
    base_elbo = statistics.mean(elbos[names[0]])
    for name in names:
        median = statistics.median(times[name])
        elbo = statistics.mean(elbos[name])
        per_seed = " ".join(f"{v:.1f}" for v in elbos[name])
        print(
            f"{name:<44} {median:>14.2f} {base / median:>8.1f}x {elbo:>9.2f} "
            f"({elbo - base_elbo:+.2f}) {per_seed:>24}"
        )
    print("test -ELBO paired with the tutorial loop by seed (95 % interval, two-sided p):")
    for name in names[1:]:
        print(f"  {name:<42} {same_or_not(elbos[name], elbos[names[0]])}")


def same_or_not(values: list[float], baseline: list[float]) -> str:
    """The paired difference from the baseline over the seeds, its interval and p, and whether
    the seeds resolve it."""
    mean, low, high, pairs = paired_interval(values, baseline)
    if pairs < 2:
        return f"{mean:+.2f} nats (one seed: no interval)"
    p_value = paired_p_value(values, baseline)
    verdict = "no clear difference" if low <= 0 <= high else "a clear difference"
    return f"{mean:+.2f} nats [{low:+.2f}, {high:+.2f}], p = {p_value:.2f}: {verdict}"


if __name__ == "__main__":
    main()
