import numpy as np
import pytest

from vae_core.data import load_dataset
from vae_core.replay import REPLAY_FILE, ReplayRecorder, read_replay, write_replay


def test_the_recorder_keeps_the_same_test_images_codes_after_each_epoch(trained_tiny):
    recorder = ReplayRecorder("mnist", size=300)
    assert recorder.codes.shape == (0, 300, 0)
    model = trained_tiny.model
    for record in trained_tiny.history:
        recorder(record, model)
    codes = recorder.codes
    assert codes.shape == (len(trained_tiny.history), 300, 2) and codes.dtype == np.float32
    assert np.array_equal(recorder.labels.numpy(), load_dataset("mnist", "test").labels[:300].numpy())
    mu, _ = model.encode(load_dataset("mnist", "test").images[:300])
    assert np.allclose(codes[-1], mu.detach().numpy(), atol=1e-5)  # encoder means, not samples
    assert not model.training


def test_round_trip_in_half_precision(tmp_path):
    codes = np.random.default_rng(0).standard_normal((4, 50, 2)).astype(np.float32)
    write_replay(tmp_path, codes)
    back = read_replay(tmp_path)
    assert back.dtype == np.float32 and back.shape == codes.shape
    assert np.allclose(back, codes, atol=2e-3)


@pytest.mark.parametrize("codes", [np.zeros((3, 2)), np.full((2, 5, 2), np.nan)], ids=["not three dimensions", "not finite"])
def test_unusable_replays_read_as_none(tmp_path, codes):
    np.savez(tmp_path / REPLAY_FILE, codes=codes)
    assert read_replay(tmp_path) is None
    assert read_replay(tmp_path / "missing") is None
