"""Cold and cached projection times for PCA, t-SNE and UMAP on 10,000 points.

Inputs: the 10,000 MNIST test codes of a 10-D VAE (the shipped one when present,
else a quick 10-D VAE trained into the user store), and the raw test pixels.
Results go to a fresh temporary cache, so "cold" is a real computation and
"cached" a real disk read. UMAP's one-time costs (import, numba compilation into its disk
cache on a machine's first server, loading it on later ones) are timed in new processes and
printed separately.

    python -m benchmarks.projections [--checkpoint checkpoints/<name>] [--baseline]
    python -m benchmarks.projections --rates

--rates measures what a server expects of its first projections before it has timings of
its own (each method's ``reference_rate``): seconds per unit of cost for PCA,
t-SNE and UMAP on 5,000 codes (the page's default), and UMAP's first compilation and later loads.

--baseline also times scikit-learn's default t-SNE (1,000 iterations, angle 0.5).
"""

from __future__ import annotations

import argparse
import os
import subprocess
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


def preparation_seconds() -> tuple[float, float]:
    """UMAP's one-time cost in a new server process, twice on one cache folder: the machine's
    first (import and compile into numba's disk cache), then a later server's (import and load
    the compiled code)."""
    code = (
        "import time\n"
        "start = time.perf_counter()\n"
        "from vae_core.analysis.projections import warm_up_umap\n"
        "warm_up_umap().join()\n"
        "print(time.perf_counter() - start)\n"
    )
    seconds = []
    for what in ("first server on this machine (compile)", "a later server (load)"):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        seconds.append(float(done.stdout.split()[-1]))
        print(f"  UMAP ready in a new process, {what}: {seconds[-1]:.1f} s", flush=True)
    return seconds[0], seconds[1]


def reference_rates(codes: np.ndarray) -> None:
    """Seconds per unit of cost (each method's ``cost``) of each method on ``codes`` (its
    ``reference_rate``), and UMAP's one-time costs (``REFERENCE_COMPILE`` and ``REFERENCE_LOAD``
    of vae_core.analysis.projection_methods.umap)."""
    os.environ["VAE_EXPLORER_CACHE"] = tempfile.mkdtemp(prefix="projection-rates-")
    from vae_core.analysis.projection_methods import get_method
    from vae_core.analysis.projections import project, warm_up_umap

    print(f"{len(codes):,} codes of dimension {codes.shape[1]}, {os.cpu_count()} cores")
    compile_seconds, load_seconds = preparation_seconds()
    before = resident_mib()
    warm_up_umap().join()
    print(
        f"  resident memory {before:.0f} MiB before loading UMAP, {resident_mib():.0f} MiB after "
        "(free pages handed back first)"
    )
    rates = {}
    for method in ("pca", "tsne", "umap"):
        seconds = timed(f"{method}", lambda m=method: project(codes, m, cache=False))
        rates[method] = seconds / get_method(method).cost(len(codes))
    for method, rate in rates.items():
        print(f"{method}: reference_rate={rate:.3g}  # s per unit of its cost")
    print(f"REFERENCE_COMPILE = {compile_seconds:.0f}")
    print(f"REFERENCE_LOAD = {load_seconds:.0f}")


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
    pixels = load_dataset("mnist", "test").floats().reshape(10_000, -1).numpy()
    # The codes come from the normal cache; only projections go to a fresh one.
    os.environ["VAE_EXPLORER_CACHE"] = tempfile.mkdtemp(prefix="projection-bench-")
    from vae_core.analysis.projections import project

    print(
        f"inputs: {codes.shape[0]:,} codes of dimension {codes.shape[1]}, {pixels.shape[0]:,} "
        f"images of {pixels.shape[1]} pixels"
    )
    print("one-time UMAP costs (per machine, then per server process):")
    compile_seconds, load_seconds = preparation_seconds()
    from vae_core.analysis.projections import warm_up_umap

    warm_up_umap().join()
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
        f"(plus UMAP's one-time cost: {compile_seconds:.1f} s for a machine's first server, "
        f"{load_seconds:.1f} s for each later one)"
    )
    goal = all(cold < 20 for *_, cold, _, _ in rows) and all(cached < 0.5 for *_, cached, _ in rows)
    print("goal (cold < 20 s, cached < 0.5 s):", "met" if goal else "NOT met")
    sys.exit(0)


if __name__ == "__main__":
    main()
