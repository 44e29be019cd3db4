"""Training from the app: the Train live form, the server's job pool, the β / λ families.

The form's values become configurations here (with the form's own checks); jobs run in
the shared :class:`vae_core.training.jobs.JobManager`; what a running job shows (codes after each
epoch, reconstructions) comes back as arrays ready for the figure builders.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core import caches
from explorer.core.fields import setting_field
from vae_core.analysis.geometry import Extent, square_extent
from vae_core.data.catalog import get as get_dataset
from vae_core.data.images import png_data_uri, upscale
from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.models.kinds import KINDS, Setting, get_kind
from vae_core.models.layout import network_for
from vae_core.store.checkpoints import (
    read_name,
    resolve_checkpoint,
    write_name,
)
from vae_core.training.jobs import (
    DONE,
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
    STOPPED,
    JobSnapshot,
    TrainingJob,
)

__all__ = [
    "DONE",
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "STOPPED",
]


def kind_labels() -> dict[str, str]:
    """The form's model choices: every registered kind, by name."""
    return {kind.name: kind.label for kind in KINDS.values()}


LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
BATCH_SIZES = (32, 64, 128, 256, 512)
SUBSETS = {"all 60,000": 0, "20,000": 20_000, "5,000 (fast demo)": 5_000}


@dataclass(frozen=True)
class TrainForm:
    """The Train live form's values, as its widgets give them."""

    dataset: str
    kind: str  # a vae_core.models.kinds name
    architecture: str
    hidden: str  # widths as typed, e.g. "512,256"
    latent_dim: int
    settings: tuple[tuple[str, object], ...]  # (name, value) of the kind's settings as set
    epochs: int
    learning_rate: float
    batch_size: int
    subset: str  # a key of SUBSETS
    seed: int


def kind_settings(kind: str) -> tuple[Setting, ...]:
    """The settings the form shows for this kind (vae_core.models.kinds: β for the β-VAE, λ and
    the kernel for the MMD-VAE); the command line has the rest."""
    return tuple(setting for setting in get_kind(kind).settings if setting.in_form)


def setting_input(where, kind: str, setting: Setting):
    """A form field for one of a kind's settings, starting from the kind's own value."""
    first = dict(get_kind(kind).overrides).get(setting.name)
    return setting_field(where, setting, f"train_{setting.name}", first)


def kind_summary(kind: str) -> str:
    return get_kind(kind).summary


def parse_widths(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(
            "hidden layer widths must be positive whole numbers separated by commas, e.g. 512,256"
        )
    return tuple(int(p) for p in parts)


def configs(form: TrainForm) -> tuple[ModelConfig, TrainConfig]:
    """The configurations the form asks for; ValueError with a sentence for the user."""
    kind = get_kind(form.kind)
    chosen = {name: value for name, value in form.settings if kind.setting(name) is not None}
    fields = {f.name for f in dataclasses.fields(ModelConfig)}
    model_config = ModelConfig(
        **kind.config_fields(**{k: v for k, v in chosen.items() if k in fields}),
        options=tuple((k, v) for k, v in chosen.items() if k not in fields),
        **network_for(form.architecture, get_dataset(form.dataset).side),
        hidden_sizes=parse_widths(form.hidden),
        latent_dim=int(form.latent_dim),
    )
    subset = SUBSETS[form.subset]
    train_config = TrainConfig(
        dataset=form.dataset,
        epochs=int(form.epochs),
        batch_size=int(form.batch_size),
        learning_rate=float(form.learning_rate),
        train_subset=subset,
        seed=int(form.seed),
        lr_schedule="cosine",
    )
    if subset and form.batch_size > subset:
        raise ValueError(
            f"batch size {form.batch_size} is larger than the {subset} training images"
        )
    from vae_core.training.trainer import check_fits

    check_fits(model_config, train_config)
    return model_config, train_config


def model_name(checkpoint: str) -> str | None:
    """The name a user gave a stored model, if any."""
    return read_name(resolve_checkpoint(checkpoint))


def name_model(checkpoint: str, name: str) -> str:
    """Give a stored model a name for the pickers (ValueError for one that cannot be a name)."""
    return write_name(resolve_checkpoint(checkpoint), name)


def submit(model_config: ModelConfig, train_config: TrainConfig) -> str:
    """Start (or queue, or share) a training; its job id."""
    return job_manager().submit(model_config, train_config).job_id


STEP_SIZES = {
    "1 batch": 1,
    "10 batches": 10,
    "100 batches": 100,
    "an epoch": 0,
}  # 0: one epoch's batches


def new_stepper(model_config: ModelConfig, train_config: TrainConfig):
    """An untrained model that learns only when stepped (ValueError for impossible settings)."""
    from vae_core.training.stepper import StepTrainer

    return StepTrainer(model_config, train_config)


STEP_BUSY = "A step is still training: this press was not counted."


def start_step(stepper, size: str) -> str | None:
    """Start one step of the named size in the stepper's own thread: None, or a sentence when
    an earlier step is still training (:data:`STEP_BUSY`)."""
    return None if stepper.start(STEP_SIZES.get(size) or stepper.batches_per_epoch) else STEP_BUSY


def step_failure(stepper) -> str | None:
    """Why the newest step stopped, in words (None when it did not)."""
    if stepper.failure is None:
        return None
    return f"Training diverged: {stepper.failure}. Set up again with a lower learning rate."


def step_extent(stepper, step) -> Extent:
    """A square holding the codes before and after the step, never narrower than the prior's 2σ
    disc."""
    both = (
        np.concatenate([step.codes_before[:, :2], step.codes_after[:, :2]])
        if step
        else stepper.codes[:, :2]
    )
    return square_extent(both, min_span=4.4)


def step_terms(step) -> dict[str, float]:
    """Mean loss terms over the step's batches."""
    return {name: float(np.mean([b[name] for b in step.batches])) for name in step.batches[0]}


def where_trainings_run() -> tuple[str, str | None]:
    """Where this server's trainings run, and a warning when it is not where it was asked to."""
    manager = job_manager()
    return (
        f"Trainings run on {manager.executor.describe()}, {manager.max_running} at a time.",
        manager.notice,
    )


def job(job_id: str | None) -> TrainingJob | None:
    return job_manager().get(job_id) if job_id else None


@dataclass(frozen=True)
class LiveCodes:
    """The fixed test subset's codes as a job recorded them, epoch by epoch."""

    frames: np.ndarray  # float32 [epochs, n, d]
    labels: np.ndarray  # int64 [n]

    @property
    def latest(self) -> np.ndarray:
        return self.frames[-1]

    @property
    def epochs(self) -> int:
        return len(self.frames)

    @property
    def dims(self) -> int:
        return self.frames.shape[2]

    @property
    def extent(self) -> Extent:
        return square_extent(self.latest)


def outcome(snapshot: JobSnapshot) -> str:
    """A finished job's message with its model named as the pickers name it, not by the
    checkpoint's folder."""
    name = snapshot.checkpoint_name
    entry = caches.catalog().find(name) if name else None
    if name and entry is None:  # stored since the catalog was read
        caches.catalog.clear()
        entry = caches.catalog().find(name)
    if entry is None:
        return snapshot.message
    return snapshot.message.replace(f"model {name}", f"model “{entry.title}”").replace(
        f"as {name}", f"as “{entry.title}”"
    )


def live_codes(snapshot: JobSnapshot) -> LiveCodes | None:
    if not snapshot.live_codes:
        return None
    return LiveCodes(np.stack(snapshot.live_codes), np.asarray(snapshot.live_labels))


def reconstructions(snapshot: JobSnapshot, size: int = 56) -> tuple[list[str], list[str]] | None:
    """The job's few test images and their latest reconstructions, enlarged, as PNG data URIs.

    Data URIs travel inside the page's message: the live view redraws every second, and an
    image served as a media file can be dropped by the next redraw before the browser has
    fetched it (a blank frame)."""
    if snapshot.reconstructions is None:
        return None
    originals, recon = snapshot.reconstructions
    return [png_data_uri(upscale(i, size)) for i in originals], [
        png_data_uri(upscale(i, size)) for i in recon
    ]


# --- β / λ families ---------------------------------------------------------------


@st.cache_resource
def job_manager():
    """The one training pool of this server, shared by every session: on the Ray cluster at
    $VAE_EXPLORER_RAY_ADDRESS where one is set and reachable, else on this machine (with a
    notice saying why, when a cluster was asked for)."""
    from vae_core.training.jobs import JobManager
    from vae_core.training.placement import app_executor

    executor, notice = app_executor()
    return JobManager(executor=executor, notice=notice)
