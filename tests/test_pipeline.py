"""Train on demand: one training per configuration, stored for next time, never half-stored."""

import dataclasses
import errno
import importlib
import threading

import torch

from vae_core import get_or_train, load_model
from vae_core.store.checkpoints import read_checkpoint_info
from vae_core.training.pipeline import training_facts

store_module = importlib.import_module("vae_core.store.checkpoints")


def test_get_or_train_trains_once_then_reuses(tiny_model_config, tiny_train_config, isolated_store):
    first = get_or_train(tiny_model_config, tiny_train_config)
    assert first.trained and first.path.parent == isolated_store
    assert read_checkpoint_info(first.path).metrics["training"]["epochs_completed"] == 1
    second = get_or_train(tiny_model_config, tiny_train_config)
    assert not second.trained and second.path == first.path
    z = torch.randn(3, 2)
    assert torch.equal(first.model.decode(z), second.model.decode(z))


def test_two_identical_requests_train_once(monkeypatch, tiny_model_config, tiny_train_config):
    train_module = importlib.import_module("vae_core.training.trainer")
    real_train, calls = train_module.train, []

    def counting_train(*args, **kwargs):
        calls.append(1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(train_module, "train", counting_train)
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(get_or_train(tiny_model_config, tiny_train_config))
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert sorted(r.trained for r in results) == [False, True]
    assert results[0].path == results[1].path


def test_stopped_run_is_stored_under_the_epochs_it_completed(tiny_model_config, tiny_train_config):
    stop = threading.Event()
    config = dataclasses.replace(tiny_train_config, epochs=4)
    stored = get_or_train(
        tiny_model_config, config, stop=stop, on_snapshot=lambda snapshot: stop.set()
    )
    assert stored.result.stop_reason == "stopped"
    assert load_model(stored.path).train_config.epochs == 1


def test_disk_full_keeps_the_model_in_memory_and_leaves_nothing(
    monkeypatch, tiny_model_config, tiny_train_config, isolated_store
):
    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "save_file", full_disk)
    stored = get_or_train(tiny_model_config, tiny_train_config)
    assert stored.path is None and "No space left on device" in stored.save_error
    assert stored.model.decode(torch.zeros(1, 2)).shape == (1, 1, 28, 28)
    assert [p.name for p in isolated_store.iterdir() if not p.name.startswith(".lock")] == []


def test_a_stored_run_carries_its_training_facts(trained_tiny):
    facts = training_facts(trained_tiny)
    training = facts["training"]
    assert training["epochs_completed"] == training["epochs_requested"] == 2
    assert training["stop_reason"] == "completed" and training["best_epoch"] == 2
    assert training["parameters"] == sum(p.numel() for p in trained_tiny.model.parameters())
    assert facts["test"] == trained_tiny.history[-1].test


def test_a_trained_model_knows_its_origin(tiny_model_config, tiny_train_config):
    stored = get_or_train(tiny_model_config, tiny_train_config)
    model = stored.model
    assert model.train_config == tiny_train_config and model.checkpoint_path == stored.path
    assert model.checkpoint_key == read_checkpoint_info(stored.path).key
    again = get_or_train(tiny_model_config, tiny_train_config).model
    assert (again.train_config, again.checkpoint_key, again.checkpoint_path) == (
        model.train_config,
        model.checkpoint_key,
        model.checkpoint_path,
    )
