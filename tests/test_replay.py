import numpy as np
import pytest

from vae_core.data.datasets import load_dataset
from vae_core.store.replay import REPLAY_FILE, read_replay, write_replay
from vae_core.training.executors import EpochProbe


def test_the_probe_takes_the_same_test_images_codes_and_reconstructions(trained_tiny):
    probe = EpochProbe("mnist", size=300, shown=4)
    model = trained_tiny.model
    model.train()
    snapshot = probe(trained_tiny.history[-1], model)
    assert snapshot.codes.shape == (300, 2) and snapshot.codes.dtype == np.float32
    assert np.array_equal(probe.labels.numpy(), load_dataset("mnist", "test").labels[:300].numpy())
    test = load_dataset("mnist", "test").floats()
    mu, _ = model.eval().encode(test[:300])
    assert np.allclose(snapshot.codes, mu.detach().numpy(), atol=1e-5)  # encoder means, not samples
    assert snapshot.originals.shape == snapshot.reconstructions.shape == (4, 28, 28)
    assert np.allclose(snapshot.originals, test[:4, 0].numpy())
    assert np.allclose(
        snapshot.reconstructions, model.decode(mu[:4]).detach().numpy()[:, 0], atol=1e-5
    )
    assert snapshot.record is trained_tiny.history[-1]


def test_round_trip_in_half_precision(tmp_path):
    codes = np.random.default_rng(0).standard_normal((4, 50, 2)).astype(np.float32)
    write_replay(tmp_path, codes)
    back = read_replay(tmp_path)
    assert back.dtype == np.float32 and back.shape == codes.shape
    assert np.allclose(back, codes, atol=2e-3)


@pytest.mark.parametrize(
    "codes",
    [np.zeros((3, 2)), np.full((2, 5, 2), np.nan)],
    ids=["not three dimensions", "not finite"],
)
def test_unusable_replays_read_as_none(tmp_path, codes):
    np.savez(tmp_path / REPLAY_FILE, codes=codes)
    assert read_replay(tmp_path) is None
    assert read_replay(tmp_path / "missing") is None
