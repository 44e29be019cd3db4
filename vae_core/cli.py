"""Command line: ``python -m vae_core {train,evaluate,list,...} ...`` (also ``vae-explorer``,
whose ``app`` command, starting the explorer, belongs to the app package: :mod:`explorer.launch`).

Exit codes: 0 success, 1 the work failed (diverged training, unreadable
checkpoint, unwritable store), 2 bad arguments. Every failure prints one line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path

from vae_core.data import catalog
from vae_core.data.catalog import get as get_dataset
from vae_core.models.config import (
    ARCHITECTURES,
    KL_ESTIMATORS,
    LIKELIHOODS,
    LR_SCHEDULES,
    PRECISIONS,
    ModelConfig,
    TrainConfig,
)
from vae_core.models.kinds import KINDS, VAE, Setting, all_settings, get_kind, loss_terms
from vae_core.models.layout import AUTO, network_for

PROG = "vae-explorer"


class UsageError(Exception):
    """Bad command-line input: exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not the whole usage block
        raise UsageError(message)


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated whole numbers, got {text!r}"
        ) from None
    return values


def _float_list(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, got {text!r}"
        ) from None


def _train_subset(text: str) -> int:
    """--train-subset: 0 (every image) or a positive number of training images."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of images") from None
    if value < 0:
        raise argparse.ArgumentTypeError("a subset is 0 (every image) or more images")
    return value


def _dataset_name(text: str) -> str:
    from vae_core.data.catalog import DatasetError, normalize_name

    try:
        return normalize_name(text)
    except DatasetError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags for every ModelConfig / TrainConfig field (shared by train and pretrain)."""
    _add_model_arguments(parser.add_argument_group("model"))
    _add_training_arguments(parser.add_argument_group("training"))


def _add_model_arguments(model) -> None:
    model.add_argument(
        "--model",
        choices=list(KINDS),
        default=VAE.name,
        help="; ".join(f"{k.name}: {k.label}" for k in KINDS.values()),
    )
    model.add_argument(
        "--arch",
        choices=(AUTO, *ARCHITECTURES),
        default=AUTO,
        dest="architecture",
        help="auto: an MLP below 32 pixels, convolutional from 32",
    )
    model.add_argument(
        "--hidden",
        type=_int_list,
        default=(400,),
        dest="hidden_sizes",
        help="dense layer widths, e.g. 512,256",
    )
    model.add_argument(
        "--conv-channels",
        type=_int_list,
        default=None,
        help="channels of the strided convolutions (default: 32,64 below 32 pixels, three layers "
        "from 32, four from 64)",
    )
    model.add_argument("--latent-dim", type=int, default=2)
    model.add_argument("--likelihood", choices=LIKELIHOODS, default="bernoulli")
    model.add_argument("--gaussian-std", type=float, default=0.1)
    model.add_argument("--kl-estimator", choices=KL_ESTIMATORS, default="analytic")
    for setting in all_settings().values():
        _add_setting_argument(model, setting)


def _shown(value) -> str:
    if isinstance(value, tuple):
        return ",".join(_shown(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _add_setting_argument(group, setting: Setting) -> None:
    """A kind's setting as a flag; left unset (None) the kind's own default applies."""
    users = [k for k in KINDS.values() if k.setting(setting.name) is not None]
    own = [
        f"{k.name} {_shown(dict(k.overrides)[setting.name])}"
        for k in users
        if setting.name in dict(k.overrides)
    ]
    text = (
        f"{setting.help} For {', '.join(k.name for k in users)}; default "
        f"{_shown(setting.default)}{''.join(f', {o}' for o in own)}."
    )
    dest, metavar = f"setting_{setting.name}", setting.name.upper()
    if isinstance(setting.default, bool):
        group.add_argument(
            *setting.command_flags, action="store_const", const=True, dest=dest, help=text
        )
    elif setting.choices:
        group.add_argument(*setting.command_flags, choices=setting.options, dest=dest, help=text)
    else:
        kind = _float_list if isinstance(setting.default, tuple) else type(setting.default)
        group.add_argument(*setting.command_flags, type=kind, dest=dest, metavar=metavar, help=text)


def _add_training_arguments(training) -> None:
    training.add_argument(
        "--dataset",
        type=_dataset_name,
        default=catalog.DEFAULT_DATASET,
        help="a dataset: python -m vae_core data list shows them",
    )
    training.add_argument("--epochs", type=int, default=30)
    training.add_argument("--batch-size", type=int, default=128)
    training.add_argument("--lr", type=float, default=1e-3, dest="learning_rate")
    training.add_argument("--lr-schedule", choices=LR_SCHEDULES, default="constant")
    training.add_argument("--kl-warmup", type=int, default=0, dest="kl_warmup_epochs")
    training.add_argument(
        "--early-stopping",
        type=int,
        default=0,
        dest="early_stopping_patience",
        help="patience in epochs; 0 = off",
    )
    training.add_argument("--train-subset", type=int, default=0)
    training.add_argument("--test-subset", type=int, default=0)
    training.add_argument("--seed", type=int, default=0)
    training.add_argument(
        "--binarize",
        action="store_true",
        help="train on dynamically binarized images (the likelihood literature's protocol)",
    )
    training.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="auto: bfloat16 matrix products where the hardware has them",
    )


def _config_fields(cls, args: argparse.Namespace, skip: tuple[str, ...] = ()) -> dict:
    """The parsed values of a config's fields (every flag's dest is the field's name)."""
    return {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(cls)
        if f.name not in skip and hasattr(args, f.name)
    }


def configs_from_args(args: argparse.Namespace) -> tuple[ModelConfig, TrainConfig]:
    kind = get_kind(args.model)  # --model names a kind: its objective and its own defaults
    chosen = {
        name: getattr(args, f"setting_{name}")
        for name in all_settings()
        if getattr(args, f"setting_{name}", None) is not None
    }
    fields = {f.name for f in dataclasses.fields(ModelConfig)}
    options = {name: value for name, value in chosen.items() if name not in fields}
    try:
        train_config = TrainConfig(**_config_fields(TrainConfig, args))
        side = get_dataset(train_config.dataset).side
        network = network_for(args.architecture, side, args.conv_channels)
        model_config = ModelConfig(
            **kind.config_fields(**{k: v for k, v in chosen.items() if k in fields}),
            **_config_fields(
                ModelConfig, args, skip=("model", "architecture", "conv_channels", *chosen)
            ),
            **network,
            options=tuple(options.items()),
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
    return model_config, train_config


class ProgressBar:
    """A one-line progress bar with ETA on stderr (redrawn in place on a terminal)."""

    def __init__(self, stream=sys.stderr, width: int = 30):
        self.stream, self.width, self.start = stream, width, time.perf_counter()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._last = 0.0

    def update(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if not self.tty or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        elapsed = now - self.start
        eta = elapsed / done * (total - done) if done else 0.0
        filled = int(self.width * done / total)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} batches, ETA "
            f"{eta:5.0f} s"
        )
        self.stream.flush()

    def clear(self) -> None:
        if self.tty:
            self.stream.write("\r" + " " * (self.width + 40) + "\r")
            self.stream.flush()


def _format_terms(terms: dict[str, float]) -> str:
    return " ".join(
        f"{name}={terms[name]:.{term.digits}f}"
        for name, term in loss_terms().items()
        if name in terms
    )


def cmd_train(args: argparse.Namespace) -> int:
    from vae_core.training.pipeline import get_or_train

    model_config, train_config = configs_from_args(args)
    executor = executor_from_args(args)
    bar = ProgressBar()

    def on_snapshot(snapshot) -> None:
        record = snapshot.record
        bar.clear()
        print(
            f"epoch {record.epoch:3d}/{train_config.epochs}  train {_format_terms(record.train)}  "
            f"test {_format_terms(record.test)}  ({record.seconds:.1f} s)",
            flush=True,
        )

    stored = get_or_train(
        model_config,
        train_config,
        root=args.out,
        executor=executor,
        on_snapshot=on_snapshot,
        on_batch=bar.update,
        device=args.device,
    )
    bar.clear()
    if not stored.trained:
        print(f"already trained: {stored.path}")
        return 0
    if stored.save_error:
        print(f"{PROG}: error: {stored.save_error}", file=sys.stderr)
        return 1
    print(f"checkpoint: {stored.path}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from vae_core.analysis.metrics import evaluate
    from vae_core.store.checkpoints import load_model

    model = load_model(args.path)
    results = evaluate(model, args.dataset)
    results["checkpoint"] = str(args.path)
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True))
    else:
        for key, value in sorted(results["test"].items()):
            print(f"{key:>12}: {value:.4f}")
    return 0


def cmd_remeasure(args: argparse.Namespace) -> int:
    from vae_core.analysis.metrics import measure_latent
    from vae_core.store.checkpoints import CheckpointError, load_model, update_metrics

    failed = 0
    for path in args.paths:
        try:
            latent = measure_latent(load_model(path))
            update_metrics(path, "latent", latent)
        except (CheckpointError, OSError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: prior holes {latent['prior_holes']:.3f}")
    return 1 if failed else 0


def cmd_encode(args: argparse.Namespace) -> int:
    from vae_core.store.checkpoints import load_model
    from vae_core.store.codes import read_codes, write_codes
    from vae_core.store.encoding import encode_dataset

    for path in args.paths:
        if read_codes(path) is not None and not args.force:
            print(f"{path}: has its codes")
            continue
        model = load_model(path)
        written = write_codes(path, encode_dataset(model, model.train_config.dataset, "test"))
        print(f"{path}: wrote {written.name}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from vae_core.store.checkpoints import default_roots, list_checkpoints

    roots = args.root or default_roots()
    infos = list_checkpoints(roots)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "name": i.name,
                        "path": str(i.path),
                        "key": i.key,
                        "dataset": i.train_config.dataset,
                        "model": i.model_config.model,
                        "latent_dim": i.model_config.latent_dim,
                        "metrics": i.metrics,
                    }
                    for i in infos
                ],
                indent=2,
            )
        )
        return 0
    if not infos:
        print(f"no checkpoints under {', '.join(str(r) for r in roots)}")
        return 0
    print(
        f"{'name':<40} {'dataset':<14} {'model':<22} {'d':>3} {'epochs':>6} {'test -ELBO':>10} "
        f"{'recon':>8}"
    )
    for info in infos:
        test = info.metrics.get("test", {})
        elbo = test.get("neg_elbo")
        recon = test.get("recon")
        epochs = info.metrics.get("training", {}).get("epochs_completed", info.train_config.epochs)
        print(
            f"{info.name:<40} {info.train_config.dataset:<14} {info.model_config.label:<22} "
            f"{info.model_config.latent_dim:>3} {epochs:>6} "
            f"{'-' if elbo is None else f'{elbo:.2f}':>10} "
            f"{'-' if recon is None else f'{recon:.2f}':>8}"
        )
    return 0


def cmd_pretrain(args: argparse.Namespace) -> int:
    from vae_core.experiments.pretrain import pretrain

    def on_record(entry, record) -> None:
        print(
            f"      {entry.dataset} {entry.role} epoch {record.epoch:3d}  test "
            f"{_format_terms(record.test)}",
            flush=True,
        )

    pretrain(
        args.dataset or None,
        args.role or None,
        root=args.out,
        iwae_k=args.iwae_k,
        on_record=on_record if args.verbose else None,
        on_message=lambda message: print(message, flush=True),
        executor=executor_from_args(args, parallel=1),
    )
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from vae_core.experiments.pretrain import sweep

    stream = sys.stderr if args.json else sys.stdout
    rows = sweep(
        args.dataset,
        epochs=args.epochs,
        on_message=lambda message: print(message, file=stream, flush=True),
        executor=executor_from_args(args, parallel=1),
        train_subset=args.train_subset,
    )
    if args.json:
        print(json.dumps(rows, indent=2))
    if args.save:
        from vae_core.experiments.report import DOCS

        path = DOCS / f"sweep-{args.dataset}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rows, indent=2) + "\n")
        print(f"saved {path}", file=stream)
    return 0


def cmd_study(args: argparse.Namespace) -> int:
    from vae_core.experiments.report import DOCS
    from vae_core.experiments.study import QUICK, SEEDS, Scale, run_study

    out = args.out or DOCS / "study.json"
    run_study(
        tuple(args.dataset or ("mnist", "fashion-mnist")),
        tuple(args.seed or SEEDS),
        QUICK if args.quick else Scale(),
        out,
        on_message=lambda message: print(message, flush=True),
    )
    print(f"wrote {out}; python -m vae_core report puts it into docs/RESULTS.md")
    return 0


def cmd_classifier(args: argparse.Namespace) -> int:
    from vae_core.analysis.classifier import save_classifier, train_classifier

    for dataset in args.dataset or ["mnist", "fashion-mnist"]:
        classifier = train_classifier(dataset, epochs=args.epochs)
        path = save_classifier(classifier, args.out)
        print(f"{dataset}: test accuracy {classifier.test_accuracy:.4f} -> {path}", flush=True)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from vae_core.experiments.report import DOCS, generate

    generate(args.out or DOCS, on_message=lambda message: print(message, flush=True))
    return 0


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    from vae_core.training.placement import EXECUTORS, LOCAL

    parser.add_argument(
        "--executor",
        choices=list(EXECUTORS),
        default=LOCAL.name,
        help="where trainings run: "
        + "; ".join(f"{p.name}: {p.summary}" for p in EXECUTORS.values()),
    )
    parser.add_argument(
        "--ray-address",
        default=None,
        help="the Ray cluster: host:port, ray://host:port, auto, or local (start one here); "
        "default $VAE_EXPLORER_RAY_ADDRESS, else local",
    )


def executor_from_args(args: argparse.Namespace, parallel: int | None = None):
    """The executor the options name; local trainings of a fan-out run ``parallel`` at once."""
    from vae_core.training.executors import ExecutorUnavailable
    from vae_core.training.placement import EXECUTORS

    placement = EXECUTORS[args.executor]
    try:
        executor = placement.build(args.ray_address, parallel=parallel)
    except ExecutorUnavailable as error:
        raise ExecutorUnavailable(
            f"{error}; leave out --executor {placement.name} to train on this machine"
        ) from None
    if placement.remote:
        print(f"training on {executor.describe()}", file=sys.stderr, flush=True)
    return executor


def _add_project_commands(commands) -> None:
    """The commands that rebuild what the project ships: models, sweep, study, classifiers,
    report."""
    for add in (_add_pretrain, _add_sweep, _add_study, _add_classifier, _add_report):
        add(commands)


def _add_pretrain(commands) -> None:
    from vae_core.experiments.pretrain import ROLES

    pretrain = commands.add_parser(
        "pretrain", help="rebuild the shipped checkpoints from scratch (seeded) and their metrics"
    )
    pretrain.add_argument(
        "--dataset", type=_dataset_name, action="append", help="only this dataset (repeatable)"
    )
    pretrain.add_argument(
        "--role", choices=list(ROLES), action="append", help="only this model role (repeatable)"
    )
    pretrain.add_argument(
        "--out", type=Path, default=None, help="store root (default: the repository's checkpoints/)"
    )
    pretrain.add_argument(
        "--iwae-k",
        type=int,
        default=64,
        help="importance samples for the IWAE estimate (0 skips it)",
    )
    add_executor_arguments(pretrain)
    pretrain.set_defaults(run=cmd_pretrain)


def _add_sweep(commands) -> None:
    sweep = commands.add_parser(
        "sweep", help="the MMD-VAE lambda / kernel / bandwidth sweep behind the shipped MMD-VAEs"
    )
    sweep.add_argument("--dataset", type=_dataset_name, default="mnist")
    sweep.add_argument("--epochs", type=int, default=20)
    sweep.add_argument(
        "--train-subset",
        type=_train_subset,
        default=0,
        help=(
            "train each grid point on the first N training images (default: all; a small, quick "
            "sweep)"
        ),
    )
    sweep.add_argument("--json", action="store_true")
    sweep.add_argument(
        "--save", action="store_true", help="write docs/sweep-<dataset>.json for the report"
    )
    add_executor_arguments(sweep)
    sweep.set_defaults(run=cmd_sweep)


def _add_study(commands) -> None:
    study = commands.add_parser(
        "study",
        help="train the shipped 2-D models with several seeds: spreads and paired comparisons",
    )
    study.add_argument(
        "--dataset", type=_dataset_name, action="append", help="only this dataset (repeatable)"
    )
    study.add_argument(
        "--seed", type=int, action="append", help="seeds (repeatable; default 0 1 2)"
    )
    study.add_argument(
        "--quick",
        action="store_true",
        help="a few epochs on 2,000 images (a first look, and the tests)",
    )
    study.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results JSON (default: docs/study.json); an existing one is resumed",
    )
    study.set_defaults(run=cmd_study)


def _add_classifier(commands) -> None:
    classifier = commands.add_parser(
        "classifier", help="rebuild the shipped classifiers that judge latent arithmetic"
    )
    classifier.add_argument(
        "--dataset", type=_dataset_name, action="append", help="only this dataset (repeatable)"
    )
    classifier.add_argument("--epochs", type=int, default=6)
    classifier.add_argument(
        "--out",
        type=Path,
        default=None,
        help="checkpoints root (default: the repository's checkpoints/)",
    )
    classifier.set_defaults(run=cmd_classifier)


def _add_report(commands) -> None:
    report = commands.add_parser(
        "report", help="regenerate docs/RESULTS.md and its figures from the shipped checkpoints"
    )
    report.add_argument(
        "--out", type=Path, default=None, help="folder for RESULTS.md and figures/ (default: docs/)"
    )
    report.set_defaults(run=cmd_report)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG, description="Train, evaluate and list 2-D latent VAEs and MMD-VAEs."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress messages")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser(
        "train", help="train a model (or reuse the stored one with the same config)"
    )
    add_config_arguments(train)
    train.add_argument(
        "--out", type=Path, default=None, help="store root (default: the user checkpoint store)"
    )
    train.add_argument("--device", default=None, help="cpu | cuda | mps (default: best available)")
    add_executor_arguments(train)
    train.set_defaults(run=cmd_train)

    _add_checkpoint_commands(commands)
    _add_project_commands(commands)
    _add_data_commands(commands)
    return parser


def _add_data_commands(commands) -> None:
    """data add and data list: the datasets there are, and importing one's own images."""
    data = commands.add_parser("data", help="list the datasets, or import your own images")
    actions = data.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = actions.add_parser(
        "add",
        help="import a folder (one sub-folder per class, or flat), a .zip of one, or a .npz / "
        ".npy array as a new dataset",
    )
    add.add_argument("name", help="the new dataset's name (lower case, digits and dashes)")
    add.add_argument("source", type=Path, help="folder, .zip, .npz or .npy")
    add.add_argument(
        "--size", type=int, default=None, help="side of the square images in pixels (28 to 64; 32)"
    )
    mode = add.add_mutually_exclusive_group()
    mode.add_argument("--grey", dest="colour", action="store_false", default=None)
    mode.add_argument("--colour", "--color", dest="colour", action="store_true")
    add.add_argument("--label", default=None, help="the name people read (default: the name)")
    add.set_defaults(run=cmd_data_add)
    listing = actions.add_parser("list", help="every dataset: built-in, generated and imported")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_data_list)


def cmd_data_add(args) -> int:
    from vae_core.data import imported

    def progress(done: int, total: int) -> None:
        if done == total or done % 500 == 0:
            print(f"\r{done:,} / {total:,} images", end="", file=sys.stderr, flush=True)

    size = imported.DEFAULT_SIZE if args.size is None else args.size
    dataset = catalog.add_dataset(
        args.name, args.source, size=size, colour=args.colour, label=args.label, progress=progress
    )
    print(file=sys.stderr)
    print(f"added {dataset.describe()}")
    print(f"  stored in {imported.folder_of(dataset.name)}")
    print(f"  train on it: {PROG} train --dataset {dataset.name}")
    return 0


def cmd_data_list(args) -> int:
    from vae_core.data.catalog import get, names

    rows = [get(name) for name in names()]
    if args.json:
        print(json.dumps([_dataset_row(d) for d in rows], indent=2))
        return 0
    width = max(len(d.name) for d in rows)
    for dataset in rows:
        print(f"{dataset.name:<{width}}  {dataset.describe()}")
        print(f"{'':<{width}}  {dataset.source}")
    return 0


def _dataset_row(dataset) -> dict:
    return {
        "name": dataset.name,
        "label": dataset.label,
        "shape": list(dataset.shape),
        "classes": list(dataset.class_names),
        "factors": [factor.name for factor in dataset.factors],
        "sizes": dataset.sizes,
        "builtin": dataset.builtin,
        "source": dataset.source,
        "checksum": dataset.checksum,
    }


def _add_checkpoint_commands(commands) -> None:
    """evaluate, remeasure, encode and list: what works on stored checkpoints."""
    evaluate = commands.add_parser("evaluate", help="evaluate a checkpoint on its test split")
    evaluate.add_argument("path", type=Path)
    evaluate.add_argument(
        "--dataset",
        type=_dataset_name,
        default=None,
        help="evaluate on another dataset's test split",
    )
    evaluate.add_argument("--json", action="store_true", help="print the full result as JSON")
    evaluate.set_defaults(run=cmd_evaluate)

    remeasure = commands.add_parser(
        "remeasure",
        help="measure stored checkpoints' latent metrics again (codes, prior match, holes) and "
        "keep them in their metrics.json",
    )
    remeasure.add_argument("paths", type=Path, nargs="+")
    remeasure.set_defaults(run=cmd_remeasure)

    encode = commands.add_parser(
        "encode",
        help="store the test split's codes beside checkpoints (apps then open them faster)",
    )
    encode.add_argument("paths", type=Path, nargs="+", help="checkpoint folders")
    encode.add_argument(
        "--force", action="store_true", help="encode again even where codes are stored"
    )
    encode.set_defaults(run=cmd_encode)

    listing = commands.add_parser("list", help="list stored checkpoints")
    listing.add_argument(
        "--root", type=Path, action="append", help="store root to list (repeatable)"
    )
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_list)


def main(argv: list[str] | None = None) -> int:
    from vae_core.data.datasets import DatasetError
    from vae_core.store.checkpoints import CheckpointError
    from vae_core.training.executors import ExecutorUnavailable, WorkerLost
    from vae_core.training.trainer import TrainingDiverged

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.run(args)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except (
        CheckpointError,
        DatasetError,
        TrainingDiverged,
        WorkerLost,
        ExecutorUnavailable,
        ValueError,
        OSError,
    ) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
