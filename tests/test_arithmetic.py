import numpy as np
import pytest

from vae_core.analysis.arithmetic import (
    ArithmeticCheck,
    analogy,
    attribute_vector,
    check_attributes,
    class_means,
    shift,
)
from vae_core.analysis.classifier import (
    Classifier,
    ClassifierError,
    load_classifier,
    save_classifier,
)
from vae_core.data.datasets import load_arrays


def line_codes(per_class: int = 20):
    """Codes of class c spread around (c, -c): every class mean is known."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), per_class)
    offsets = rng.normal(0, 0.1, (len(labels), 2))
    offsets -= np.stack([offsets[labels == c].mean(axis=0) for c in range(10)])[
        labels
    ]  # exact means
    return np.stack([labels, -labels], axis=1).astype(np.float32) + offsets.astype(
        np.float32
    ), labels


class NearestClassJudge:
    """A judge that reads the class back from a fake 'image' holding the code."""

    test_accuracy = 1.0
    classes = 10

    def predict(self, images):
        return np.clip(np.rint(images[:, 0, 0]), 0, 9).astype(np.int64)


def fake_decode(codes):
    images = np.zeros((len(codes), 28, 28), np.float32)
    images[:, 0, 0] = codes[:, 0]
    return images


def test_class_means_and_the_vectors_between_them():
    codes, labels = line_codes()
    means = class_means(codes, labels)
    assert np.allclose(means, np.stack([np.arange(10), -np.arange(10)], axis=1), atol=1e-5)
    vector = attribute_vector(means, 3, 8)
    assert np.allclose(vector, [5, -5], atol=1e-5)
    assert np.allclose(shift(means[3], vector, 1.0), means[8], atol=1e-5)
    assert np.allclose(shift(means[3], vector, 0.0), means[3])
    assert np.allclose(shift(means[3], vector, 0.5), [5.5, -5.5], atol=1e-5)
    with pytest.raises(ValueError, match="class 9 has no codes"):
        class_means(codes[labels < 9], labels[labels < 9], classes=10)


def test_analogies_complete_the_parallelogram():
    a, b, c = np.array([0.0, 0.0]), np.array([1.0, 2.0]), np.array([-1.0, 0.5])
    assert np.allclose(analogy(a, b, c), [0.0, 2.5])
    assert np.allclose(analogy(a, b, a), b)  # a : b :: a : b
    assert np.allclose(analogy(a, a, c), c)  # no change asked, none made


def test_the_check_counts_shifts_that_land_in_the_aimed_class():
    codes, labels = line_codes()
    perfect = check_attributes(fake_decode, NearestClassJudge(), codes, labels, per_pair=10)
    assert (
        perfect.success.shape == (10, 10)
        and np.allclose(perfect.success, 1.0)
        and perfect.overall == 1.0
    )
    half = check_attributes(
        fake_decode, NearestClassJudge(), codes, labels, per_pair=10, strength=0.0
    )
    # never moved: only the diagonal lands
    assert np.allclose(np.diag(half.success), 1.0) and half.overall == 0.0
    assert half.worst(2)[0][2] == 0.0


def test_an_overall_rate_ignores_the_diagonal():
    success = np.eye(10) * 1.0 + 0.5 * (1 - np.eye(10))
    check = ArithmeticCheck(success, 10, 1.0, 0.98)
    assert check.overall == pytest.approx(0.5)


def test_the_shipped_classifiers_recognise_test_images():
    for dataset, floor in (("mnist", 0.96), ("fashion-mnist", 0.85)):
        classifier = load_classifier(dataset)
        images, labels = load_arrays(dataset, "test")
        accuracy = float((classifier.predict(images[:2000] / 255.0) == labels[:2000]).mean())
        assert accuracy > floor and abs(accuracy - classifier.test_accuracy) < 0.03
        probabilities = classifier.probabilities(images[:5] / 255.0)
        assert probabilities.shape == (5, 10) and np.allclose(
            probabilities.sum(axis=1), 1.0, atol=1e-5
        )


def test_classifier_round_trip_and_broken_files(tmp_path):
    rng = np.random.default_rng(1)
    weights = {
        "hidden.weight": rng.normal(0, 0.05, (512, 784)),
        "hidden.bias": np.zeros(512),
        "out.weight": rng.normal(0, 0.05, (10, 512)),
        "out.bias": np.zeros(10),
    }
    original = Classifier("mnist", {k: v.astype(np.float32) for k, v in weights.items()}, 0.5)
    folder = save_classifier(original, tmp_path)
    again = save_classifier(original, tmp_path)  # replacing an existing one
    assert folder == again and sorted(p.name for p in (tmp_path / "classifiers").iterdir()) == [
        "mnist"
    ]
    loaded = load_classifier("mnist", tmp_path)
    images = load_arrays("mnist", "test")[0][:50] / 255.0
    assert (
        np.array_equal(loaded.predict(images), original.predict(images))
        and loaded.test_accuracy == 0.5
    )
    (folder / "classifier.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(ClassifierError, match="python -m vae_core classifier rebuilds it"):
        load_classifier("mnist", tmp_path)
    with pytest.raises(ClassifierError):
        load_classifier("fashion-mnist", tmp_path)


def test_pruning_and_listing_a_store_leave_the_classifiers_alone(tmp_path):
    from vae_core.experiments.pretrain import prune
    from vae_core.store.checkpoints import list_checkpoints

    rng = np.random.default_rng(2)
    weights = {
        "hidden.weight": rng.normal(size=(512, 784)),
        "hidden.bias": np.zeros(512),
        "out.weight": rng.normal(size=(10, 512)),
        "out.bias": np.zeros(10),
    }
    save_classifier(
        Classifier("mnist", {k: v.astype(np.float32) for k, v in weights.items()}, 0.9), tmp_path
    )
    (tmp_path / "an-old-model").mkdir()
    assert list_checkpoints([tmp_path]) == []  # no warning-worthy "corrupt checkpoint" either
    assert [p.name for p in prune(tmp_path)] == ["an-old-model"]
    assert load_classifier("mnist", tmp_path).test_accuracy == 0.9
