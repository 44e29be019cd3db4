"""Training a batch at a time, to watch it happen (as GAN Lab steps its GAN).

A :class:`StepTrainer` runs a chosen number of gradient steps (1, 10, 100, an epoch) and
hands back a :class:`Step`: the loss terms of every batch in it and the codes of a fixed
set of test images before and after, so a page can show the codes moving. It continues
across epochs with a fresh shuffle each time, following the configuration's learning-rate
schedule, exactly as :func:`vae_core.training.trainer.train` would.

A page starts a step with :meth:`StepTrainer.start` (it trains in a thread of its own, so a
page that reruns meanwhile never runs a second one on the same weights) and draws
:attr:`StepTrainer.last` when :attr:`StepTrainer.busy` is over. What a reader sees (the
batch count, the history, the codes, the last step) changes together, at a step's end.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import torch

from vae_core.models.config import ModelConfig, TrainConfig
from vae_core.training.executors import EpochProbe
from vae_core.training.trainer import Trainer, learning_rate_at

WATCHED = 1000  # fixed test images whose codes are shown after every step
MAX_STEP_BATCHES = 2000  # one press never trains for more than this many batches


class StepBusy(RuntimeError):
    """Another step of the same trainer is still running (a second press while the first trains)."""


@dataclass(frozen=True)
class Step:
    """What one press of a step button did."""

    batches: list[dict[str, float]]  # loss terms (nats per image) of each batch, in order
    codes_before: np.ndarray  # float32 [WATCHED, latent_dim]
    codes_after: np.ndarray  # float32 [WATCHED, latent_dim]
    batches_done: int  # since the start, this step included
    epochs_done: float  # batches_done / batches per epoch


class StepTrainer:
    """One model trained on demand, step by step; see the module docstring.

    Steps of one trainer never overlap: torch's autograd and the optimizer state are not
    safe to share between threads, and a page can ask for a second step while the first
    still runs (a double press, a slow-motion tick). The second raises :class:`StepBusy`.
    """

    def __init__(
        self,
        model_config: ModelConfig,
        train_config: TrainConfig,
        watched: int = WATCHED,
        device: str | None = "cpu",
    ):
        self.trainer = Trainer(model_config, train_config, device)
        self._probe = EpochProbe(train_config.dataset, size=watched, shown=0)
        self.labels = self._probe.labels.numpy()
        self.batches_done = 0
        self.history: list[dict[str, float]] = []  # every batch so far
        self.last: Step | None = None  # the newest finished step
        self.failure: str | None = None  # why the newest step started with start() failed
        self._order: torch.Tensor | None = None
        self._next = 0  # index into the epoch's batch starts
        self._busy = threading.Lock()  # held for the whole of a step
        self.codes = self._encode()

    @property
    def busy(self) -> bool:
        """Whether a step is running now."""
        return self._busy.locked()

    @property
    def batches_per_epoch(self) -> int:
        return self.trainer.batches_per_epoch

    @property
    def epochs_done(self) -> float:
        return self.batches_done / self.batches_per_epoch

    def _encode(self) -> np.ndarray:
        return self._probe.codes(self.trainer.model)

    def _start_epoch(self) -> None:
        trainer = self.trainer
        if self._order is not None:
            trainer.epochs_done += 1
        for group in trainer.optimizer.param_groups:
            group["lr"] = learning_rate_at(trainer.train_config, trainer.epochs_done)
        self._order = torch.randperm(trainer.train_images.shape[0], generator=trainer.shuffle).to(
            trainer.device
        )
        self._next = 0

    def start(self, batches: int) -> bool:
        """Train ``batches`` more batches in a thread of this trainer's own: False when a step
        is still running (nothing is started). A failure (the loss blew up) is kept in
        :attr:`failure` for the page to show; ValueError at once for impossible counts."""
        _check(batches)
        if not self._busy.acquire(blocking=False):
            return False
        self.failure = None
        threading.Thread(target=self._run_held, args=(batches,), daemon=True).start()
        return True

    def _run_held(self, batches: int) -> None:
        try:
            self._step(batches)
        except Exception as error:  # the page shows it (a diverged loss, above all)
            self.failure = str(error) or type(error).__name__
        finally:
            self._busy.release()

    def step(self, batches: int) -> Step:
        """Train ``batches`` more batches (1 to MAX_STEP_BATCHES). Raises ValueError for other
        counts, :class:`StepBusy` while another step runs and
        :class:`vae_core.training.trainer.TrainingDiverged` when the loss blows up."""
        _check(batches)
        if not self._busy.acquire(blocking=False):
            raise StepBusy("the previous step is still training")
        try:
            return self._step(batches)
        finally:
            self._busy.release()

    def _step(self, batches: int) -> Step:
        trainer, before = self.trainer, self.codes
        size = trainer.train_config.batch_size
        trainer.model.train()
        terms_of_step = []
        for _ in range(batches):
            if self._order is None or self._next == len(trainer.batch_starts):
                self._start_epoch()
            start = trainer.batch_starts[self._next]
            terms = trainer.train_batch(
                self._order[start : start + size], trainer.epochs_done, self._next
            )
            terms_of_step.append({name: float(value) for name, value in terms.items()})
            self._next += 1
        codes, done = self._encode(), self.batches_done + batches
        step = Step(terms_of_step, before, codes, done, done / self.batches_per_epoch)
        # Everything a reader sees changes here, together (the history first: a reader that
        # checks batches_done then finds as many batches in it).
        self.history = [*self.history, *terms_of_step]
        self.codes, self.last, self.batches_done = codes, step, done
        return step


def _check(batches) -> None:
    if not isinstance(batches, int) or isinstance(batches, bool):
        raise ValueError(f"a step is 1 to {MAX_STEP_BATCHES:,} batches, not {batches!r}")
    if not 1 <= batches <= MAX_STEP_BATCHES:
        raise ValueError(f"a step is 1 to {MAX_STEP_BATCHES:,} batches, not {batches!r}")
