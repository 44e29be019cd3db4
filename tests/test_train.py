import dataclasses
import importlib
import threading

import pytest
import torch

from vae_core import ModelConfig, TrainConfig, TrainingDiverged, train
from vae_core.training.trainer import Trainer, learning_rate_at


@pytest.mark.parametrize("model", ["vae", "mmd_vae", "cvae"])
def test_one_step_changes_every_trained_weight(model):
    """A Trainer epoch over exactly one batch moves every weight (no frozen or detached layer)."""
    trainer = Trainer(
        ModelConfig(model=model, hidden_sizes=(32,), likelihood="gaussian_learned"),
        TrainConfig(epochs=1, batch_size=64, train_subset=64, test_subset=64, seed=0),
    )
    assert trainer.batches_per_epoch == 1
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    terms = trainer.train_epoch()
    assert terms is not None and terms["loss"] > 0
    for name, value in trainer.model.state_dict().items():
        assert not torch.equal(before[name], value), name


@pytest.mark.parametrize(
    "config",
    [
        ModelConfig(hidden_sizes=(64,)),
        ModelConfig(model="mmd_vae", hidden_sizes=(64,)),
        ModelConfig(model="ae", hidden_sizes=(64,)),
        ModelConfig(model="cvae", hidden_sizes=(64,)),
        ModelConfig(
            architecture="conv",
            hidden_sizes=(32,),
            conv_channels=(8, 16),
            kl_estimator="monte_carlo",
        ),
    ],
    ids=lambda c: f"{c.model}-{c.architecture}",
)
def test_short_run_lowers_the_loss(config):
    result = train(config, TrainConfig(epochs=3, batch_size=64, train_subset=2048, test_subset=512))
    losses = [record.test["loss"] for record in result.history]
    assert len(losses) == 3
    assert losses[-1] < losses[0]
    assert result.stop_reason == "completed"
    assert not result.model.training


def test_history_has_every_term_for_train_and_test(trained_tiny):
    record = trained_tiny.history[-1]
    for split in (record.train, record.test):
        assert {"loss", "recon", "kl", "neg_elbo"} <= set(split)
    assert trained_tiny.wall_time > 0
    assert [r.epoch for r in trained_tiny.history] == [1, 2]


def test_same_seed_gives_the_same_run(tiny_model_config, tiny_train_config):
    a = train(tiny_model_config, tiny_train_config)
    b = train(tiny_model_config, tiny_train_config)
    assert a.history[0].test == b.history[0].test
    for (name, wa), wb in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(wa, wb), name
    c = train(tiny_model_config, dataclasses.replace(tiny_train_config, seed=1))
    assert c.history[0].test != a.history[0].test


def test_stop_is_honoured_within_one_batch(tiny_model_config, tiny_train_config):
    stop = threading.Event()
    calls = []

    def on_batch(done, total):
        calls.append(done)
        stop.set()

    result = train(
        tiny_model_config,
        dataclasses.replace(tiny_train_config, epochs=3),
        stop=stop,
        on_batch=on_batch,
    )
    assert calls == [1]
    assert result.stop_reason == "stopped"
    assert result.epochs_completed == 0


def test_stop_keeps_the_last_completed_epoch(tiny_model_config, tiny_train_config):
    stop = threading.Event()
    snapshot = {}

    def on_epoch(record, model):
        snapshot.update({k: v.clone() for k, v in model.state_dict().items()})
        stop.set()

    config = dataclasses.replace(tiny_train_config, epochs=3)
    result = train(tiny_model_config, config, stop=stop, on_epoch=on_epoch)
    assert result.stop_reason == "stopped" and result.epochs_completed == 1
    for name, value in result.model.state_dict().items():
        assert torch.equal(value, snapshot[name]), name


def test_huge_learning_rate_stops_with_a_clear_error(tiny_model_config, tiny_train_config):
    with pytest.raises(
        TrainingDiverged, match="learning rate 1e\\+12 is probably too high"
    ) as caught:
        train(tiny_model_config, dataclasses.replace(tiny_train_config, learning_rate=1e12))
    assert caught.value.result.epochs_completed == 0


def test_early_stopping_restores_the_best_epoch(monkeypatch, tiny_model_config, tiny_train_config):
    scores = iter([5.0, 3.0, 4.0, 4.5, 1.0])

    def fake_scores(model, images, labels, **kwargs):
        return {"loss": next(scores)}

    snapshots = {}
    monkeypatch.setattr(
        importlib.import_module("vae_core.training.trainer"), "evaluate_terms", fake_scores
    )
    config = dataclasses.replace(tiny_train_config, epochs=5, early_stopping_patience=2)
    result = train(
        tiny_model_config,
        config,
        on_epoch=lambda r, m: snapshots.__setitem__(
            r.epoch, {k: v.clone() for k, v in m.state_dict().items()}
        ),
    )
    assert result.stop_reason == "early_stopping"
    assert result.epochs_completed == 4
    assert result.best_epoch == 2
    for name, value in result.model.state_dict().items():
        assert torch.equal(value, snapshots[2][name])


def test_batch_larger_than_the_data_is_refused(tiny_model_config):
    with pytest.raises(ValueError, match="batch_size 1024 is larger than the 100 training images"):
        train(tiny_model_config, TrainConfig(epochs=1, batch_size=1024, train_subset=100))


def test_cosine_schedule_decays():
    config = TrainConfig(epochs=10, learning_rate=1e-3, lr_schedule="cosine")
    rates = [learning_rate_at(config, e) for e in range(10)]
    assert rates[0] == pytest.approx(1e-3)
    assert rates[-1] == pytest.approx(5e-5)
    assert all(a >= b for a, b in zip(rates, rates[1:]))
