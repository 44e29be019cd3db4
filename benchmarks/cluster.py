"""The same trainings on the local pool and on a local Ray cluster, in one run; then what a
course would wait for, from a queueing model fed with the job times just measured.

Each job is what a student's Train live press asks for by default: the 784-400-2 MLP VAE
on 20,000 images (the page's default) for 10 epochs, each job with its own seed. The local
pool runs them one at a time on every core (the app's default on two cores); the Ray
cluster runs one per CPU. Per-job overhead is the time the caller waits beyond the
training itself (for Ray: starting a worker, loading data there, shipping the weights
back), as a share of the training time; the goal is under 10 % of a 10-epoch job. Every
job starts its own worker process, which ends with it (an idle worker would keep a CPU
that another app server could use).

The course model: 200 students press Train during the first ``--arrival-minutes`` of a
lab (uniformly spread; 0 = all at once), first come first served on K slots. A worker of
C cores gives C slots that train at the measured one-CPU speed; a GPU worker gives
``--gpu-slots`` slots at ``--gpu-speedup`` times that speed (a stated assumption: the
benchmark runs on CPUs). It prints the wait a student sees from pressing Train to the
finished model: median, 95th percentile and the last student.

    python -m benchmarks.cluster [--jobs 4] [--epochs 10] [--images 20000] [--cpus 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # the benchmark's cluster runs on localhost only

from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.training.executors import LocalExecutor, run_all
from vae_core.training.placement import make_executor

STUDENTS = 200


def measure(executor, jobs: int, epochs: int, images: int) -> dict:
    """Run ``jobs`` trainings side by side (up to the executor's capacity); per-job caller
    time and training time, and the whole batch's wall time."""
    seen: list[tuple[float, float]] = []

    def one(seed: int) -> None:
        start = time.perf_counter()
        result = executor.run(
            ModelConfig(), TrainConfig(epochs=epochs, train_subset=images, seed=100 + seed)
        )
        seen.append((time.perf_counter() - start, result.wall_time))

    start = time.perf_counter()
    run_all(executor, range(jobs), one)
    elapsed = time.perf_counter() - start
    caller = [c for c, _ in seen]
    training = [t for _, t in seen]
    return {
        "slots": executor.capacity(),
        "job": statistics.median(caller),
        "training": statistics.median(training),
        "overhead": statistics.median(c - t for c, t in seen),
        "worst": max(c - t for c, t in seen),  # the slowest job's overhead
        "elapsed": elapsed,
        "per_hour": jobs / elapsed * 3600,
    }


def course_waits(
    slots: list[float], arrival_s: float, students: int = STUDENTS
) -> tuple[float, float, float]:
    """First come, first served on slots that each take ``slots[i]`` seconds per job;
    returns (median, p95, last) of the time from pressing Train to the finished model."""
    free_at = [0.0] * len(slots)
    waits = []
    for student in range(students):
        arrives = arrival_s * student / max(1, students - 1)
        slot = min(range(len(slots)), key=lambda i: max(free_at[i], arrives) + slots[i])
        done = max(free_at[slot], arrives) + slots[slot]
        free_at[slot] = done
        waits.append(done - arrives)
    waits.sort()
    return statistics.median(waits), waits[int(0.95 * (len(waits) - 1))], waits[-1]


def course_table(local: dict, ray_run: dict, args) -> None:
    one_cpu = ray_run["job"]  # caller-seen seconds of a job on one CPU slot, overhead included
    gpu = one_cpu / args.gpu_speedup
    rows = [
        ("one 2-core server, local pool (today's default)", [local["job"]] * local["slots"]),
        ("Ray, 2 CPUs", [one_cpu] * 2),
        ("Ray, 8 CPUs", [one_cpu] * 8),
        ("Ray, 32 CPUs", [one_cpu] * 32),
        (
            f"Ray, 32 CPUs + a GPU worker ({args.gpu_slots} slots at {args.gpu_speedup:g}x)",
            [one_cpu] * 32 + [gpu] * args.gpu_slots,
        ),
    ]
    for minutes in (args.arrival_minutes, 0.0):
        when = f"over {minutes:g} min" if minutes else "all at once"
        print(
            f"\n{STUDENTS} students, one training each, pressing Train {when} "
            f"(job: {local['job']:.0f} s on the local pool, {one_cpu:.0f} s on one Ray CPU):"
        )
        print(f"  {'workers':<64} {'median wait':>12} {'p95 wait':>10} {'last':>10}")
        for name, slots in rows:
            median, p95, last = course_waits(slots, minutes * 60)
            print(f"  {name:<64} {median / 60:>10.1f} m {p95 / 60:>8.1f} m {last / 60:>8.1f} m")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument(
        "--images", type=int, default=20_000, help="training images per job (0: all 60,000)"
    )
    parser.add_argument(
        "--cpus", type=int, default=os.cpu_count() or 2, help="CPUs of the local Ray cluster"
    )
    parser.add_argument("--arrival-minutes", type=float, default=10.0)
    parser.add_argument(
        "--gpu-speedup", type=float, default=8.0, help="a GPU slot's speed over one CPU (assumed)"
    )
    parser.add_argument(
        "--gpu-slots", type=int, default=4, help="trainings sharing the GPU at once"
    )
    return parser.parse_args()


def main() -> None:
    args = arguments()

    print(
        f"{args.jobs} trainings of {args.epochs} epochs on {args.images or 60_000:,} images, "
        f"{os.cpu_count()} cores"
    )
    local = measure(LocalExecutor(), args.jobs, args.epochs, args.images)
    started = time.perf_counter()
    ray_executor = make_executor("ray", "local", num_cpus=args.cpus)
    startup = time.perf_counter() - started
    try:
        ray_run = measure(ray_executor, args.jobs, args.epochs, args.images)
    finally:
        ray_executor.shutdown()
    print(f"  (starting the local Ray cluster took {startup:.1f} s, once per server)")
    print(
        f"  {'':<24} {'slots':>5} {'job (s)':>8} {'training (s)':>13} {'median overhead':>17} "
        f"{'worst':>10} "
        f"{'jobs/hour':>10}"
    )
    for name, row in (("local pool (baseline)", local), ("Ray, local cluster", ray_run)):
        share = 100 * row["overhead"] / row["training"]
        print(
            f"  {name:<24} {row['slots']:>5} {row['job']:>8.1f} {row['training']:>13.1f} "
            f"{row['overhead']:>6.2f} s ({share:>4.1f} %) {row['worst']:>8.2f} s "
            f"{row['per_hour']:>10.0f}"
        )
    share = 100 * ray_run["overhead"] / ray_run["training"]
    worst = 100 * ray_run["worst"] / ray_run["training"]
    print(
        f"  Ray's per-job overhead is {share:.1f} % of a {args.epochs}-epoch job (goal: under 10 "
        "%); "
        f"{worst:.1f} % for the slowest job"
    )
    course_table(local, ray_run, args)


if __name__ == "__main__":
    main()
