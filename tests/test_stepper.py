import dataclasses
import time

import numpy as np
import pytest
import torch

from vae_core.training.stepper import MAX_STEP_BATCHES, StepTrainer
from vae_core.training.trainer import Trainer, TrainingDiverged


def test_a_step_trains_the_batches_asked_for_and_moves_the_codes(
    tiny_model_config, tiny_train_config
):
    stepper = StepTrainer(tiny_model_config, tiny_train_config, watched=200)
    assert stepper.codes.shape == (200, 2) and stepper.batches_done == 0
    step = stepper.step(3)
    assert len(step.batches) == 3 and set(step.batches[0]) >= {"loss", "recon", "kl"}
    assert np.array_equal(step.codes_before, stepper.codes) is False and np.array_equal(
        step.codes_after, stepper.codes
    )
    assert not np.allclose(step.codes_before, step.codes_after)
    assert (
        stepper.batches_done == 3 and len(stepper.history) == 3 and stepper.labels.shape == (200,)
    )


def test_steps_cross_epochs_like_the_trainer(tiny_model_config, tiny_train_config):
    """An epoch of single steps ends with the same weights as Trainer.train_epoch."""
    config = dataclasses.replace(
        tiny_train_config, lr_schedule="cosine", epochs=3, precision="float32"
    )
    stepper = StepTrainer(tiny_model_config, config, watched=50)
    per_epoch = stepper.batches_per_epoch
    for _ in range(per_epoch):
        stepper.step(1)
    trainer = Trainer(tiny_model_config, config)
    trainer.train_epoch()
    for name, value in trainer.model.state_dict().items():
        assert torch.allclose(value, stepper.trainer.model.state_dict()[name], atol=1e-6), name
    stepper.step(per_epoch + 2)  # across the next epoch boundary
    assert (
        stepper.epochs_done == pytest.approx(2 + 2 / per_epoch) and stepper.trainer.epochs_done == 2
    )


@pytest.mark.parametrize("batches", [0, -1, MAX_STEP_BATCHES + 1, 2.5])
def test_impossible_step_sizes_are_refused(tiny_model_config, tiny_train_config, batches):
    stepper = StepTrainer(tiny_model_config, tiny_train_config, watched=20)
    with pytest.raises(ValueError, match="a step is 1 to"):
        stepper.step(batches)


def test_a_diverging_step_says_so(tiny_model_config, tiny_train_config):
    stepper = StepTrainer(
        tiny_model_config, dataclasses.replace(tiny_train_config, learning_rate=1e6), watched=20
    )
    with pytest.raises(TrainingDiverged, match="learning rate"):
        stepper.step(MAX_STEP_BATCHES)


def test_a_second_step_while_one_trains_is_refused_and_the_trainer_stays_whole(
    tiny_model_config, tiny_train_config
):
    """Two presses of Step at once: the second is refused, not run on the same weights."""
    import threading

    from vae_core.training.stepper import StepBusy

    stepper = StepTrainer(tiny_model_config, tiny_train_config, watched=20)
    entered, release = threading.Event(), threading.Event()
    train_batch = stepper.trainer.train_batch

    def slow_batch(*args, **kwargs):
        entered.set()
        release.wait(30)
        return train_batch(*args, **kwargs)

    stepper.trainer.train_batch = slow_batch
    results = []
    first = threading.Thread(target=lambda: results.append(stepper.step(2)))
    first.start()
    assert entered.wait(30) and stepper.busy
    with pytest.raises(StepBusy, match="still training"):
        stepper.step(1)
    release.set()
    first.join(30)
    assert not stepper.busy and len(results) == 1 and stepper.batches_done == 2
    assert len(stepper.history) == 2 and np.isfinite(stepper.codes).all()
    assert stepper.step(1).batches_done == 3  # free again once the first step is done


def test_a_started_step_trains_in_its_own_thread_and_shows_all_of_itself_at_once(
    tiny_model_config, tiny_train_config
):
    """start(): a page's rerun never runs a second step, and a reader mid-step sees the state
    before it (count, history, codes and last step agree), then the state after it."""
    import threading

    stepper = StepTrainer(tiny_model_config, tiny_train_config, watched=20)
    entered, release = threading.Event(), threading.Event()
    train_batch = stepper.trainer.train_batch

    def slow_batch(*args, **kwargs):
        entered.set()
        release.wait(30)
        return train_batch(*args, **kwargs)

    stepper.trainer.train_batch = slow_batch
    assert stepper.start(3) and entered.wait(30)
    assert not stepper.start(1)  # a second press while the first trains starts nothing
    assert stepper.busy and stepper.batches_done == 0 and stepper.history == []
    assert stepper.last is None
    release.set()
    deadline = time.monotonic() + 30
    while stepper.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stepper.batches_done == 3 == len(stepper.history) == stepper.last.batches_done
    assert np.array_equal(stepper.last.codes_after, stepper.codes) and stepper.failure is None


def test_a_started_step_that_diverges_leaves_a_sentence(tiny_model_config, tiny_train_config):
    stepper = StepTrainer(
        tiny_model_config, dataclasses.replace(tiny_train_config, learning_rate=1e6), watched=20
    )
    assert stepper.start(MAX_STEP_BATCHES)
    deadline = time.monotonic() + 60
    while stepper.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "learning rate" in stepper.failure
