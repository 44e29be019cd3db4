"""Cold and cached projection times for PCA, t-SNE and UMAP on 10,000 points.

Inputs: the 10,000 MNIST test codes of a 10-D VAE (the shipped one when present,
else a quick 10-D VAE trained into the user store), and the raw test pixels.
Results go to a fresh temporary cache, so "cold" is a real computation and
"cached" a real disk read. UMAP's one-time costs (import, numba compilation on a
first small fit) are timed and printed separately.

    python -m benchmarks.projections [--checkpoint checkpoints/<name>] [--baseline]
    python -m benchmarks.projections --rates

--rates measures what a server expects of its first projections before it has timings of
its own (``vae_core.analysis.projections.REFERENCE_RATES``): seconds per unit of cost for PCA,
t-SNE and UMAP on 5,000 codes (the page's default), and UMAP's import and compilation.

--baseline also times scikit-learn's default t-SNE (1,000 iterations, angle 0.5).
UMAP's numba compilation happens once per installation and server process; the warm-up
line shows its cost separately from the cold projections.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np


def ten_dim_codes(checkpoint: str | None) -> np.ndarray:
    from vae_core import ModelConfig, TrainConfig, get_or_train, load_model
    from vae_core.experiments.pretrain import shipped_model
    from vae_core.models.kinds import VAE
    from vae_core.store.encoding import encode_dataset

    if checkpoint:
        model = load_model(checkpoint)
    else:
        entry = shipped_model("mnist", VAE, 10)
        if entry is not None:
            model = entry.load()
        else:
            model = get_or_train(
                ModelConfig(latent_dim=10, hidden_sizes=(512, 256)), TrainConfig(epochs=5)
            ).model
    return encode_dataset(model, "mnist", "test").mu


def timed(label: str, function) -> float:
    start = time.perf_counter()
    function()
    seconds = time.perf_counter() - start
    print(f"  {label:<46} {seconds:7.2f} s", flush=True)
    return seconds


def resident_mib() -> float:
    """This process's resident memory, after glibc hands its free pages back (where it can)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def reference_rates(codes: np.ndarray) -> None:
    """Seconds per unit of cost (vae_core.analysis.projections.COST) of each method on ``codes``,
    and
    UMAP's one-time costs, as the constants vae_core.analysis.projections ships."""
    os.environ["VAE_EXPLORER_CACHE"] = tempfile.mkdtemp(prefix="projection-rates-")
    from vae_core.analysis.projections import COST, project, warm_up_umap

    print(f"{len(codes):,} codes of dimension {codes.shape[1]}, {os.cpu_count()} cores")
    before = resident_mib()
    compile_seconds = timed(
        "import umap and compile (once per server)", lambda: warm_up_umap().join()
    )
    print(
        f"  resident memory {before:.0f} MiB before, {resident_mib():.0f} MiB after (free pages "
        "handed back first)"
    )
    rates = {}
    for method in ("pca", "tsne", "umap"):
        seconds = timed(f"{method}", lambda m=method: project(codes, m, cache=False))
        rates[method] = seconds / COST[method](len(codes))
    for method, rate in rates.items():
        print(f"REFERENCE_{method.upper()} = {rate:.3g}  # s per unit of COST[{method!r}]")
    print(f"REFERENCE_COMPILE_SECONDS = {compile_seconds:.0f}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument(
        "--baseline", action="store_true", help="also time scikit-learn's default t-SNE"
    )
    parser.add_argument(
        "--rates", action="store_true", help="measure the first-run reference rates and stop"
    )
    return parser.parse_args()


def sklearn_baseline(data: np.ndarray) -> None:
    """scikit-learn's TSNE with its defaults (on 50 PCA components for wide inputs), timed."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    inputs = data if data.shape[1] <= 50 else PCA(50).fit_transform(data)
    tsne = TSNE(2, init="pca", learning_rate="auto", random_state=0)
    timed("scikit-learn TSNE defaults (baseline)", lambda: tsne.fit_transform(inputs))


def main() -> None:
    args = arguments()
    from vae_core import load_dataset

    codes = ten_dim_codes(args.checkpoint)
    if args.rates:
        reference_rates(codes[:5000])
        return
    pixels = load_dataset("mnist", "test").images.reshape(10_000, -1).numpy()
    # The codes come from the normal cache; only projections go to a fresh one.
    os.environ["VAE_EXPLORER_CACHE"] = tempfile.mkdtemp(prefix="projection-bench-")
    from vae_core.analysis.projections import project

    print(
        f"inputs: {codes.shape[0]:,} codes of dimension {codes.shape[1]}, {pixels.shape[0]:,} "
        f"images of {pixels.shape[1]} pixels"
    )
    print("one-time UMAP costs (per server process / per installation):")
    import_time = timed("import umap", lambda: __import__("umap"))
    # Above 4,096 points UMAP's neighbour search switches to code paths that numba compiles
    # on first use, so the warm-up fit uses random data of that size.
    warm_up = np.random.default_rng(1).standard_normal((5000, codes.shape[1])).astype(np.float32)
    jit_time = timed(
        "first UMAP fit, 5,000 random points (numba compile)",
        lambda: project(warm_up, "umap", cache=False),
    )
    rows = []
    for name, data in (("10-D codes", codes), ("raw pixels", pixels)):
        print(f"{name}:")
        for method in ("pca", "tsne", "umap"):
            cold = timed(f"{method} cold", lambda m=method, x=data: project(x, m))
            cached = timed(f"{method} cached", lambda m=method, x=data: project(x, m))
            trust = project(data, method).trustworthiness
            rows.append((name, method, cold, cached, trust))
        if args.baseline:
            sklearn_baseline(data)
    print()
    print(f"{'input':<11} {'method':<6} {'cold s':>7} {'cached s':>9} {'trustworthiness':>16}")
    for name, method, cold, cached, trust in rows:
        print(f"{name:<11} {method:<6} {cold:>7.2f} {cached:>9.3f} {trust:>16.4f}")
    print(
        f"(plus once per server: import umap {import_time:.1f} s, numba compile {jit_time:.1f} s)"
    )
    goal = all(cold < 20 for *_, cold, _, _ in rows) and all(cached < 0.5 for *_, cached, _ in rows)
    print("goal (cold < 20 s, cached < 0.5 s):", "met" if goal else "NOT met")
    sys.exit(0)


if __name__ == "__main__":
    main()
