"""Datasets as objects: the registry, the generated shapes, and a user's own images."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from vae_core import ModelConfig, TrainConfig, build_model, train
from vae_core.cli import main
from vae_core.data import catalog, imported, shapes
from vae_core.data.catalog import Dataset, DatasetError, Split, add_dataset, data_checksum
from vae_core.data.datasets import load_dataset, load_split
from vae_core.data.imported import ImportRefused
from vae_core.store.checkpoints import CheckpointError, load_model, save_model


def test_every_dataset_is_one_object_and_names_its_shape():
    assert catalog.names()[:4] == ("mnist", "fashion-mnist", "shapes", "shapes-colour")
    mnist = catalog.get("MNIST")
    assert mnist.shape == (1, 28, 28) and mnist.classes == 10 and mnist.pixels == 784
    colour = catalog.get("shapes_colour")
    assert colour.colour and colour.shape == (3, 64, 64) and colour.factors[-1].name == "hue"
    with pytest.raises(DatasetError, match="unknown dataset 'nope'"):
        catalog.get("nope")


def test_a_registered_toy_dataset_trains_and_opens_like_the_shipped_ones(tmp_path):
    rng = np.random.default_rng(0)

    def read(split):
        count = 96 if split == "train" else 32
        return Split(rng.integers(0, 256, (count, 30, 30, 3), dtype=np.uint8), np.zeros(count, int))

    toy = Dataset("toy-colour", "Toy", (3, 30, 30), read, {"train": 96, "test": 32}, ("one",))
    catalog.register(toy)
    try:
        result = train(
            ModelConfig(hidden_sizes=(16,)),
            TrainConfig(dataset="toy-colour", epochs=1, batch_size=32),
        )
        assert result.model.image_shape == (3, 30, 30)
        folder = save_model(result.model, result.train_config, tmp_path)
        header = json.loads((folder / "config.json").read_text())
        assert header["data"] == {
            "name": "toy-colour",
            "shape": [3, 30, 30],
            "classes": 1,
            "checksum": "",
        }
        assert load_model(folder).decode(torch.zeros(1, 2)).shape == (1, 3, 30, 30)
    finally:
        catalog.unregister(toy)


def test_the_shapes_grid_renders_the_same_pixels_everywhere():
    """The checksums the datasets declare are what the generator draws here (and on any machine:
    the sprites are drawn from exactly rounded numbers)."""
    for name in ("shapes", "shapes-colour"):
        dataset = catalog.get(name)
        splits = {split: load_split(name, split) for split in catalog.SPLITS}
        assert data_checksum(splits) == dataset.checksum, name
    grey = load_split("shapes", "test")
    assert grey.images.shape == (10_000, 64, 64) and set(np.unique(grey.images)) == {0, 255}
    assert grey.factors.shape == (10_000, 5) and np.array_equal(grey.labels, grey.factors[:, 0])
    # every factor value turns up in the test split
    for column, factor in enumerate(catalog.get("shapes").factors):
        assert len(np.unique(grey.factors[:, column])) == len(factor.values), factor.name


def test_a_sprite_moves_scales_and_turns_with_its_factors():
    base = np.array([[0, 5, 0, 10, 10]])
    (image,) = shapes.render(base, colour=False)
    (moved,) = shapes.render(base + [0, 0, 0, 5, 0], colour=False)
    assert np.array_equal(np.roll(image, 5, axis=1), moved)  # five positions right: five pixels
    (up,) = shapes.render(base + [0, 0, 0, 0, 3], colour=False)
    assert np.array_equal(np.roll(image, -3, axis=0), up)  # position y runs upwards
    (small,) = shapes.render(base - [0, 5, 0, 0, 0], colour=False)
    assert 0.15 < small.sum() / image.sum() < 0.35  # half the scale, a quarter of the ink
    (turned,) = shapes.render(base + [0, 0, 5, 0, 0], colour=False)  # 45 degrees
    assert not np.array_equal(turned, image) and abs(int(turned.sum()) - int(image.sum())) < 2550
    (red,) = shapes.render(np.array([[0, 5, 0, 10, 10, 0]]), colour=True)
    assert red.shape == (64, 64, 3) and red[..., 0].max() == 255 and red[..., 1:].max() == 0


def test_the_splits_share_no_image_and_a_shapes_model_trains():
    train_ids = shapes.split_indices(False, "train")
    test_ids = shapes.split_indices(False, "test")
    assert len(np.intersect1d(train_ids, test_ids)) == 0 and len(np.unique(train_ids)) == 60_000
    data = load_dataset("shapes", "test")
    assert data.pixels.shape == (10_000, 1, 64, 64) and data.class_names[0] == "square"
    config = ModelConfig(architecture="conv", conv_channels=(8, 8, 8, 8), hidden_sizes=(32,))
    model = build_model(config, "shapes")
    assert model.decoder_out.start == 4  # four upsamplings from 4 x 4 to 64 x 64
    assert model.decode(torch.zeros(2, 2)).shape == (2, 1, 64, 64)


# ---- importing one's own images ------------------------------------------------------------


def _picture(path, colour=(200, 40, 40), size=(48, 40), mode="RGB"):
    array = np.zeros((size[1], size[0], 3), np.uint8)
    array[8:30, 10:30] = colour
    image = Image.fromarray(array)
    image.convert(mode).save(path)


def _folder(root, classes=("cats", "dogs"), count=8, **options):
    for name in classes:
        (root / name).mkdir(parents=True)
        for index in range(count):
            _picture(root / name / f"{index}.png", **options)
    return root


def test_a_class_folder_becomes_a_dataset_with_a_manifest(tmp_path):
    source = _folder(tmp_path / "pets")
    seen = []
    dataset = add_dataset("pets", source, size=32, progress=lambda done, total: seen.append(done))
    assert (
        seen[-1] == 16 and dataset.shape == (3, 32, 32) and dataset.class_names == ("cats", "dogs")
    )
    assert dataset.sizes == {"train": 14, "test": 2} and not dataset.builtin
    manifest = json.loads((imported.folder_of("pets") / "manifest.json").read_text())
    assert manifest["count"] == 16 and manifest["shape"] == [3, 32, 32]
    images, labels = load_split("pets", "train").images, load_split("pets", "train").labels
    assert images.shape == (14, 32, 32, 3) and set(labels) == {0, 1}
    assert catalog.get("pets") is dataset and "pets" in catalog.names()


def test_flat_folders_zips_and_arrays_import_too(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for index in range(12):
        _picture(flat / f"{index}.jpg", colour=(120, 120, 120), mode="L")
    grey = add_dataset("flat", flat, size=28)
    assert grey.shape == (1, 28, 28) and not grey.labelled
    assert set(load_split("flat", "test").labels) == {-1}
    archive = tmp_path / "pets.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(_folder(tmp_path / "zipped").rglob("*.png")):
            zipped.write(path, f"zipped/{path.parent.name}/{path.name}")
    assert add_dataset("zipped", archive, size=40).class_names == ("cats", "dogs")
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "arrays.npz", x=rng.uniform(0, 1, (20, 16, 16)), y=np.arange(20) % 4)
    arrays = add_dataset("arrays", tmp_path / "arrays.npz")
    assert arrays.shape == (1, 32, 32) and arrays.classes == 4
    np.save(tmp_path / "plain.npy", rng.integers(0, 256, (10, 20, 20, 3), dtype=np.uint8))
    assert add_dataset("plain", tmp_path / "plain.npy", colour=True).shape == (3, 32, 32)


def _zip_bytes(entries: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(buffer, "PNG")
    return buffer.getvalue()


BAD_SOURCES = {
    "no images": ({}, "holds 0 image"),
    "one image": ({"a/one.png": _png()}, "holds 1 image"),
    "not an image": (
        {f"a/{i}.png": _png() for i in range(11)} | {"a/fake.png": b"not a picture"},
        "fake.png is not an image",
    ),
    "truncated": (
        {f"a/{i}.png": _png() for i in range(11)} | {"a/cut.png": _png()[:40]},
        "cut.png is not an image",
    ),
    "escaping": ({"../evil.png": _png()}, "outside its folder"),
    "absolute": ({"/etc/evil.png": _png()}, "outside its folder"),
    "bomb": ({"a/big.png": b"\0" * 5_000_000}, "fold"),
}


@pytest.mark.parametrize("case", list(BAD_SOURCES))
def test_bad_zips_are_refused_and_leave_nothing(tmp_path, case):
    entries, message = BAD_SOURCES[case]
    archive = tmp_path / "bad.zip"
    compression = zipfile.ZIP_DEFLATED if case == "bomb" else zipfile.ZIP_STORED
    archive.write_bytes(_zip_bytes(entries, compression))
    with pytest.raises(ImportRefused, match=message):
        add_dataset("bad", archive)
    assert imported.names() == () and list(imported.user_data_dir().iterdir()) == []


def test_duplicate_names_mixed_modes_odd_sizes_and_taken_names_are_refused(tmp_path):
    archive = tmp_path / "twice.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a/x.png", _png())
        with pytest.warns(UserWarning, match="Duplicate name"):
            zipped.writestr("a/x.png", _png())
    with pytest.raises(ImportRefused, match="two files called a/x.png"):
        add_dataset("twice", archive)
    mixed = tmp_path / "mixed"
    _folder(mixed, classes=("red",), count=6)
    _folder(mixed, classes=("grey",), count=6, colour=(90, 90, 90), mode="L")
    with pytest.raises(ImportRefused, match="mix colour and grey: pass --colour"):
        add_dataset("mixed", mixed)
    assert add_dataset("mixed", mixed, colour=False).shape == (1, 32, 32)
    with pytest.raises(ImportRefused, match="exists already"):
        add_dataset("mixed", mixed, colour=False)
    for name in ("mnist", "Shapes", "../up", "", "x" * 41):
        with pytest.raises(ImportRefused):
            add_dataset(name, mixed, colour=False)
    for size in (8, 27, 65, 4096):
        with pytest.raises(ImportRefused, match="--size"):
            add_dataset("sizes", mixed, size=size, colour=False)
    tiny = tmp_path / "tiny"
    _folder(tiny, classes=("a",), count=10, size=(5, 5))
    with pytest.raises(ImportRefused, match="at least 8 pixels"):
        add_dataset("tiny", tiny)
    np.save(tmp_path / "nan.npy", np.full((12, 16, 16), np.nan))
    with pytest.raises(ImportRefused, match="no NaN"):
        add_dataset("nan", tmp_path / "nan.npy")
    assert imported.names() == ("mixed",)


def test_a_full_disk_leaves_nothing_behind(tmp_path, monkeypatch):
    source = _folder(tmp_path / "pets")

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(imported.np, "save", no_space)
    with pytest.raises(ImportRefused, match="No space left on device"):
        add_dataset("pets", source)
    assert list(imported.user_data_dir().iterdir()) == []


def test_a_checkpoint_refuses_another_dataset_under_its_name(tmp_path):
    source = _folder(tmp_path / "pets")
    add_dataset("pets", source)
    result = train(ModelConfig(hidden_sizes=(8,)), TrainConfig(dataset="pets", batch_size=7))
    folder = save_model(result.model, result.train_config, tmp_path / "store")
    assert load_model(folder).image_shape == (3, 32, 32)
    # the same name imported again from other pictures
    import shutil

    shutil.rmtree(imported.folder_of("pets"))
    add_dataset("pets", _folder(tmp_path / "others", colour=(10, 10, 250), count=9))
    with pytest.raises(CheckpointError, match="trained on another dataset called 'pets'"):
        load_model(folder)
    shutil.rmtree(imported.folder_of("pets"))
    with pytest.raises(CheckpointError, match="unknown dataset 'pets'"):
        load_model(folder)


def test_a_damaged_import_says_so(tmp_path):
    add_dataset("pets", _folder(tmp_path / "pets"))
    images = imported.folder_of("pets") / "test-images.npy"
    images.write_bytes(images.read_bytes()[:-10] + b"\x01" * 10)
    with pytest.raises(DatasetError, match="changed since they were imported"):
        load_split("pets", "test")
    (imported.folder_of("pets") / "manifest.json").write_text("{")
    with pytest.raises(DatasetError, match="manifest.json is damaged"):
        catalog.get("pets")


def test_the_command_line_adds_and_lists_datasets(tmp_path, capsys):
    source = _folder(tmp_path / "pets")
    assert main(["data", "add", "pets", str(source), "--size", "30", "--label", "Pets"]) == 0
    assert "Pets: 16 colour images of 30x30, 2 classes" in capsys.readouterr().out
    assert main(["data", "add", "pets", str(source)]) == 1
    assert "exists already" in capsys.readouterr().err
    assert main(["data", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["pets"]["shape"] == [3, 30, 30] and rows["shapes"]["factors"][0] == "shape"
    assert main(["data", "list"]) == 0 and "Shapes (known factors)" in capsys.readouterr().out


def test_the_network_follows_the_image_size_unless_told():
    from vae_core.models.layout import network_for

    assert network_for("auto", 28) == {"architecture": "mlp"}
    assert network_for("auto", 32) == {"architecture": "conv", "conv_channels": (32, 32, 64)}
    assert network_for("auto", 64)["conv_channels"] == (16, 32, 32, 32)
    assert network_for("conv", 28) == {"architecture": "conv", "conv_channels": (32, 64)}
    assert network_for("conv", 64, (8, 8)) == {"architecture": "conv", "conv_channels": (8, 8)}
    assert network_for("mlp", 64) == {"architecture": "mlp"}
    # every automatic choice builds, and decodes to its dataset's shape
    for name in ("mnist", "shapes-colour"):
        data = catalog.get(name)
        model = build_model(ModelConfig(**network_for("auto", data.side)), data)
        assert model.decode(torch.zeros(1, 2)).shape == (1, *data.shape)


def test_maps_colour_codes_by_a_factor_on_a_continuous_scale():
    from vae_core.viz.latent_map import FactorColours, latent_map

    values = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    factor = FactorColours("orientation", values, 0.0, float(values.max()), True, "rad")
    figure = latent_map(
        np.random.default_rng(0).normal(size=(40, 2)),
        np.zeros(40, int),
        ("a",),
        (-3, 3, -3, 3),
        click_grid=0,
        factor=factor,
    )
    points, bar = figure.data
    assert len(set(points.marker.color)) > 30 and all(
        c.startswith("#") for c in points.marker.color
    )
    assert factor.colourscale[0][1] == factor.colourscale[-1][1]  # cyclic: its ends meet
    assert bar.marker.showscale and bar.marker.colorbar.title.text == "orientation rad"
    unlabelled = latent_map(np.zeros((3, 2)), np.full(3, -1), (), (-3, 3, -3, 3), click_grid=0)
    assert [trace.name for trace in unlabelled.data] == ["test images"]


def test_an_upload_is_prepared_like_its_datasets_images():
    from vae_core.data.uploads import prepare_image

    buffer = io.BytesIO()
    picture = np.zeros((90, 120, 4), np.uint8)
    picture[20:70, 30:100] = (250, 20, 20, 255)  # a red box; the rest transparent (white)
    Image.fromarray(picture, "RGBA").save(buffer, "PNG")
    colour = prepare_image(buffer.getvalue(), dataset=catalog.get("shapes-colour"))
    assert colour.shape == (64, 64, 3) and colour[32, 32, 0] > 0.9 > 0.2 > colour[32, 32, 1]
    assert colour[0, 0].min() > 0.9  # transparency lies on white
    grey = prepare_image(buffer.getvalue(), dataset=catalog.get("shapes"))
    assert grey.shape == (64, 64)
    digit = prepare_image(buffer.getvalue())  # MNIST's recipe: ink centred in 28 x 28
    assert digit.shape == (28, 28)
