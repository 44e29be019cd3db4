import gzip
import shutil

import pytest
import torch

from vae_core.data.catalog import normalize_name
from vae_core.data.datasets import DatasetError, load_dataset
from vae_core.data.paths import PROJECT_ROOT


@pytest.mark.parametrize("name,classes", [("mnist", "0"), ("fashion-mnist", "T-shirt/top")])
def test_test_split_shapes_and_ranges(name, classes):
    ds = load_dataset(name, split="test")
    assert ds.pixels.shape == (10_000, 1, 28, 28) and ds.pixels.dtype == torch.uint8
    images = ds.floats()
    assert images.dtype == torch.float32 and images.min() >= 0 and images.max() <= 1
    assert ds.labels.dtype == torch.int64 and ds.labels.shape == (10_000,)
    assert set(ds.labels.tolist()) == set(range(10))
    assert ds.class_names[0] == classes and len(ds.class_names) == 10


def test_mnist_train_matches_published_statistics():
    ds = load_dataset("mnist", "train")
    assert len(ds) == 60_000
    assert ds.labels[:5].tolist() == [5, 0, 4, 1, 9]
    assert abs(ds.floats().mean().item() - 0.1307) < 1e-3
    assert abs(ds.floats().std().item() - 0.3081) < 1e-3


def test_second_load_is_memoised():
    assert load_dataset("mnist", "test") is load_dataset("MNIST", "test")


def test_arrays_are_the_same_split_without_torch():
    import subprocess
    import sys

    import numpy as np

    from vae_core.data.datasets import load_arrays

    images, labels = load_arrays("mnist", "test")
    assert (
        images.dtype == np.uint8 and images.shape == (10_000, 28, 28) and labels.dtype == np.int64
    )
    tensors = load_dataset("mnist", "test")
    assert np.array_equal((images / 255.0).astype(np.float32), tensors.floats()[:, 0].numpy())
    assert np.array_equal(labels, tensors.labels.numpy())
    code = (
        "import sys; from vae_core.data.datasets import load_arrays; load_arrays('fashion-mnist', "
        "'test'); print('torch' in sys.modules)"
    )
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        ).stdout.strip()
        == "False"
    )


def test_labels_beyond_the_classes_are_refused(tmp_path, monkeypatch):
    data = _copy_shipped(tmp_path)
    path = data / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    with gzip.open(path) as handle:
        content = bytearray(handle.read())
    content[8] = 42  # the first label
    with gzip.open(path, "wb") as handle:
        handle.write(bytes(content))
    monkeypatch.setenv("VAE_EXPLORER_SHIPPED_DATA", str(data))
    with pytest.raises(DatasetError, match="labels beyond the 10 classes"):
        load_dataset("mnist", "test")


def test_name_spellings_and_unknown_names():
    assert normalize_name("Fashion_MNIST") == "fashion-mnist"
    assert normalize_name("FashionMNIST") == "fashion-mnist"
    with pytest.raises(
        DatasetError, match="unknown dataset 'cifar10'.*mnist, fashion-mnist, shapes"
    ):
        load_dataset("cifar10")
    with pytest.raises(DatasetError, match="unknown split"):
        load_dataset("mnist", split="validation")


def _copy_shipped(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "MNIST", data / "MNIST")
    return data


def test_corrupt_shipped_file_names_the_file_and_the_fix(tmp_path, monkeypatch):
    data = _copy_shipped(tmp_path)
    target = data / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:100])  # truncated gzip stream
    monkeypatch.setenv("VAE_EXPLORER_SHIPPED_DATA", str(data))
    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte\.gz is corrupt.*git checkout"):
        load_dataset("mnist", "test")


def test_missing_shipped_file_names_the_file(tmp_path, monkeypatch):
    data = _copy_shipped(tmp_path)
    (data / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz").unlink()
    monkeypatch.setenv("VAE_EXPLORER_SHIPPED_DATA", str(data))
    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(tmp_path / "cache"))
    with pytest.raises(
        DatasetError, match=r"t10k-images-idx3-ubyte\.gz is missing.*git checkout -- data"
    ):
        load_dataset("mnist", "test")
    # the other split's files are still there
    assert load_dataset("mnist", "train").pixels.shape[0] == 60_000


def test_valid_gzip_with_wrong_content_is_reported(tmp_path, monkeypatch):
    data = _copy_shipped(tmp_path)
    with gzip.open(data / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz", "wb") as handle:
        handle.write(b"not an idx file")
    monkeypatch.setenv("VAE_EXPLORER_SHIPPED_DATA", str(data))
    monkeypatch.setenv("VAE_EXPLORER_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DatasetError, match="unreadable"):
        load_dataset("mnist", "test")


def test_other_root_without_files_offline_says_what_to_do(tmp_path):
    with pytest.raises(DatasetError, match="download=True"):
        load_dataset("fashion-mnist", "test", root=tmp_path / "empty", download=False)


def test_other_root_reads_torchvision_layout(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for gz in (PROJECT_ROOT / "data" / "MNIST" / "raw").glob("*.gz"):
        with gzip.open(gz) as src, open(raw / gz.stem, "wb") as dst:
            shutil.copyfileobj(src, dst)
    ds = load_dataset("mnist", "test", root=tmp_path)
    assert ds.pixels.shape == (10_000, 1, 28, 28)
