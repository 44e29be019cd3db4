"""Datasets a user imports: a folder, a zip of one, or an array of images.

``python -m vae_core data add NAME SOURCE`` (and the app's "Add your own images") reads the
images with the ecosystem's readers (torchvision's ``ImageFolder`` for a folder of class
folders, Pillow for each file, numpy for ``.npz`` / ``.npy``), centre-crops and resizes them
to a square side, keeps them grey or in colour, splits off a held-out test share with a fixed
seed and stores the result under :func:`~vae_core.data.paths.user_data_dir`:

    NAME/manifest.json        name, source, counts, shape, classes, split, checksum
    NAME/train-images.npy     uint8 [N, S, S] or [N, S, S, 3]
    NAME/train-labels.npy     int64 [N] (-1 for an unlabelled set)
    NAME/test-images.npy, NAME/test-labels.npy

The folder is written beside its final place and renamed into it once complete, so an
import that fails for any reason (bad input, a full disk) leaves nothing behind. Every
refusal is an :class:`ImportRefused` with a sentence for the user.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from vae_core.data.dataset import (
    MAX_SIDE,
    MIN_SIDE,
    SPLITS,
    Dataset,
    DatasetError,
    Split,
    combined_checksum,
    split_checksum,
)
from vae_core.data.images import square_picture
from vae_core.data.paths import user_data_dir

MANIFEST = "manifest.json"
FORMAT = 1
DEFAULT_SIZE = 32
SIZES = range(MIN_SIDE, MAX_SIDE + 1)  # accepted sides, in pixels
MIN_SOURCE_SIDE = 8  # smaller pictures are refused rather than blown up
MIN_IMAGES = 10  # fewer cannot be split into a training set and a held-out test share
MAX_IMAGES = 200_000
MAX_PIXELS = 25_000_000  # per source picture: width x height (decompression bombs)
MAX_STORED_BYTES = 1 << 30  # the stored arrays, all splits together
MAX_ZIP_BYTES = 2 << 30  # uncompressed members of a zip, together
MAX_ZIP_RATIO = 200  # a member that expands more than this is refused (zip bombs)
TEST_SHARE = 0.1
SPLIT_SEED = 0
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ARRAY_KEYS = (("images", "x", "arr_0"), ("labels", "y", "arr_1"))
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm")

Progress = Callable[[int, int], None]  # (images done, images in all)


class ImportRefused(DatasetError):
    """An import that cannot be done; the message says why and nothing was stored."""


@dataclass(frozen=True)
class Source:
    """The images a source holds, opened one at a time (a photo folder need not fit in memory)."""

    items: list  # (path, name shown in messages) per file, or an array [N, H, W(, C)]
    labels: np.ndarray  # int64 [N], -1 when unlabelled
    class_names: tuple[str, ...]
    description: str

    def __len__(self) -> int:
        return len(self.items)

    def open(self, index: int) -> Image.Image:
        item = self.items[index]
        if isinstance(item, tuple):
            return _open_image(*item)
        return Image.fromarray(item[..., 0] if item.ndim == 3 and item.shape[2] == 1 else item)


def check_name(name: str) -> str:
    """A new dataset's name, refused when malformed or taken by another import (the registry
    checks the built-in names: :func:`vae_core.data.catalog.add_dataset`)."""
    name = str(name).strip()
    if not NAME_PATTERN.match(name):
        raise ImportRefused(
            f"{name!r} cannot name a dataset: use 1 to 40 lower-case letters, digits and dashes, "
            "starting with a letter or digit"
        )
    if find(name) is not None:
        raise ImportRefused(f"a dataset called {name!r} exists already: choose another name")
    return name


# ---- reading a source ---------------------------------------------------------------------


def _open_image(path: Path, shown: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            if image.width * image.height > MAX_PIXELS:
                raise ImportRefused(
                    f"{shown} is {image.width}x{image.height} pixels; the limit is "
                    f"{MAX_PIXELS:,} pixels per image"
                )
            image.load()
    except ImportRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImportRefused(f"{shown} has too many pixels to open safely") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ImportRefused(
            f"{shown} is not an image that can be read, or it is cut short ({error})"
        ) from None
    if min(image.size) < MIN_SOURCE_SIDE:
        raise ImportRefused(
            f"{shown} is {image.width}x{image.height} pixels: images need at least "
            f"{MIN_SOURCE_SIDE} pixels a side"
        )
    return ImageOps.exif_transpose(image) or image


def _is_image_file(path: Path) -> bool:
    return (
        path.is_file() and not path.name.startswith(".") and path.suffix.lower() in (IMAGE_SUFFIXES)
    )


def _read_folder(root: Path) -> Source:
    """A folder of class folders (torchvision's ImageFolder) or a flat folder (unlabelled)."""
    from torchvision.datasets import ImageFolder

    visible = [p for p in sorted(root.iterdir()) if not p.name.startswith((".", "__MACOSX"))]
    folders = [p for p in visible if p.is_dir()]
    if len(folders) == 1 and not any(_is_image_file(p) for p in visible):
        return _read_folder(folders[0])  # a zip or folder wrapping the real one
    if folders:
        loose = [p.name for p in visible if _is_image_file(p)]
        if loose:
            raise ImportRefused(
                f"{root.name} holds both class folders and loose images ({loose[0]} …): put every "
                "image in a class folder, or use a flat folder for an unlabelled set"
            )
        try:
            found = ImageFolder(str(root), loader=lambda p: p, is_valid_file=_valid_file)
        except (FileNotFoundError, RuntimeError) as error:
            raise ImportRefused(f"{root.name}: {error}") from None
        paths = [Path(p) for p, _ in found.samples]
        items = [(p, str(p.relative_to(root))) for p in paths]
        labels = np.array(found.targets, np.int64)
        return Source(
            items, labels, tuple(found.classes), f"folder {root.name} ({len(folders)} classes)"
        )
    paths = [p for p in visible if _is_image_file(p)]
    items = [(p, p.name) for p in paths]
    return Source(items, np.full(len(items), -1, np.int64), (), f"folder {root.name} (unlabelled)")


def _valid_file(path: str) -> bool:
    return _is_image_file(Path(path))


def _safe_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The zip's members, refused when a name escapes the folder, repeats, or expands absurdly."""
    members, seen, total = [], set(), 0
    for info in archive.infolist():
        name = info.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name):
            raise ImportRefused(f"the zip names a file outside its folder ({name}): refused")
        if info.is_dir():
            continue
        key = str(path).lower()
        if key in seen:
            raise ImportRefused(f"the zip holds two files called {name}")
        seen.add(key)
        total += info.file_size
        if total > MAX_ZIP_BYTES:
            raise ImportRefused(
                f"the zip expands to more than {MAX_ZIP_BYTES / 2**30:.0f} GB: refused"
            )
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
            raise ImportRefused(
                f"{name} expands {info.file_size / info.compress_size:.0f}-fold: refused"
            )
        members.append(info)
    if len(members) > MAX_IMAGES * 2:
        raise ImportRefused(
            f"the zip holds {len(members):,} files; the limit is {MAX_IMAGES:,} images"
        )
    return members


def _read_zip(path: Path, scratch: Path) -> Source:
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in _safe_members(archive):
                target = scratch / PurePosixPath(info.filename.replace("\\", "/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                # zipfile stops a member at the size its header states and checks its CRC
                with archive.open(info) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as error:
        raise ImportRefused(f"{path.name} is not a zip file that can be read ({error})") from None
    source = _read_folder(scratch)
    return Source(source.items, source.labels, source.class_names, f"zip {path.name}")


def _array_entry(found, keys: tuple[str, ...]):
    for key in keys:
        if key in found:
            return found[key]
    return None


def _read_array(path: Path) -> Source:
    """An .npz (images under images/x, labels under labels/y) or an .npy of images."""
    try:
        found = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ImportRefused(
            f"{path.name} is not a numpy array file that can be read ({error})"
        ) from None
    if isinstance(found, np.ndarray):
        images, labels = found, None
    else:
        with found:
            images = _array_entry(found, ARRAY_KEYS[0])
            labels = _array_entry(found, ARRAY_KEYS[1])
        if images is None:
            raise ImportRefused(f"{path.name} holds no array called images or x")
    return Source(
        _checked_array(images, path.name),
        *_checked_labels(labels, len(images), path.name),
        f"array {path.name}",
    )


def _checked_array(images: np.ndarray, shown: str) -> np.ndarray:
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[3] not in (1, 3, 4)):
        raise ImportRefused(
            f"{shown}: images must be [N, H, W] or [N, H, W, C] with C 1, 3 or 4; got "
            f"{list(images.shape)}"
        )
    if min(images.shape[1:3]) < MIN_SOURCE_SIDE or images.shape[1] * images.shape[2] > MAX_PIXELS:
        raise ImportRefused(
            f"{shown}: images of {images.shape[1]}x{images.shape[2]} pixels are refused"
        )
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind != "f":
        raise ImportRefused(
            f"{shown}: images must be uint8 or floats in [0, 1]; got {images.dtype}"
        )
    if not np.isfinite(images).all() or images.min() < 0 or images.max() > 1:
        raise ImportRefused(f"{shown}: float images must lie in [0, 1] (no NaN or infinity)")
    return np.rint(images * 255).astype(np.uint8)


def _checked_labels(labels, count: int, shown: str) -> tuple[np.ndarray, tuple[str, ...]]:
    if labels is None:
        return np.full(count, -1, np.int64), ()
    labels = np.asarray(labels)
    if labels.shape != (count,) or labels.dtype.kind not in "iu":
        raise ImportRefused(f"{shown}: labels must be whole numbers, one per image ({count})")
    if labels.min() < 0 or labels.max() >= 1000:
        raise ImportRefused(f"{shown}: labels must lie in 0..999")
    classes = int(labels.max()) + 1
    return labels.astype(np.int64), tuple(str(c) for c in range(classes))


def read_source(source: Path, scratch: Path) -> Source:
    """The images of a folder, zip, .npz or .npy, checked; ImportRefused otherwise."""
    if not source.exists():
        raise ImportRefused(f"{source} does not exist")
    if source.is_dir():
        found = _read_folder(source)
    elif source.suffix.lower() == ".zip":
        found = _read_zip(source, scratch)
    elif source.suffix.lower() in (".npz", ".npy"):
        found = _read_array(source)
    else:
        raise ImportRefused(f"{source.name}: give a folder, a .zip of one, or a .npz / .npy array")
    if len(found) < MIN_IMAGES:
        raise ImportRefused(
            f"{source.name} holds {len(found)} image(s): at least {MIN_IMAGES} are needed "
            "(some are held out to test on)"
        )
    if len(found) > MAX_IMAGES:
        raise ImportRefused(
            f"{source.name} holds {len(found):,} images; the limit is {MAX_IMAGES:,}"
        )
    return found


# ---- preparing and storing ----------------------------------------------------------------


GREY_MODES = ("L", "LA", "1", "I", "I;16", "I;16B", "I;16L", "F")


def _is_colour(image: Image.Image) -> bool:
    """Whether a picture is stored in colour (its mode: a grey photo saved as RGB is colour)."""
    return image.mode not in GREY_MODES


def prepare(found: Source, size: int, colour: bool | None, progress: Progress | None):
    """Every image squared (uint8 [N, S, S] grey or [N, S, S, 3]) and whether it is in colour;
    a mix of colour and grey pictures must be settled by ``colour``."""
    rgb = np.empty((len(found), size, size, 3), np.uint8)
    kinds = set()
    for index in range(len(found)):
        image = found.open(index)
        kinds.add(_is_colour(image))
        rgb[index] = square_picture(image, size, colour=True)
        if progress is not None:
            progress(index + 1, len(found))
    if colour is None:
        if len(kinds) > 1:
            raise ImportRefused(
                "the images mix colour and grey: pass --colour to keep colour (grey images get "
                "three equal channels) or --grey to store every image in grey"
            )
        colour = kinds.pop()
    if colour:
        return rgb, True
    return np.asarray(Image.fromarray(rgb.reshape(-1, size, 3)).convert("L")).reshape(
        len(found), size, size
    ), False


def _split(count: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(SPLIT_SEED).permutation(count)
    held = max(1, round(count * TEST_SHARE))
    return np.sort(order[held:]), np.sort(order[:held])


def _store(folder: Path, images: np.ndarray, labels: np.ndarray) -> dict[str, Split]:
    train, test = _split(len(images))
    splits = {
        "train": Split(images[train], labels[train]),
        "test": Split(images[test], labels[test]),
    }
    for name, split in splits.items():
        np.save(folder / f"{name}-images.npy", split.images)
        np.save(folder / f"{name}-labels.npy", split.labels)
    return splits


def store_dataset(
    name: str,
    source: str | os.PathLike,
    size: int = DEFAULT_SIZE,
    colour: bool | None = None,
    label: str | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Import ``source`` as the dataset ``name``; ImportRefused (nothing stored) otherwise."""
    name = check_name(name)
    if size not in SIZES:
        raise ImportRefused(
            f"--size {size} is refused: choose a side from {SIZES[0]} to {SIZES[-1]}"
        )
    root = user_data_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    except OSError as error:
        raise ImportRefused(f"cannot write under {root} ({error.strerror or error})") from None
    try:
        return _import_into(work, root / name, name, Path(source), size, colour, label, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _import_into(work, final, name, source, size, colour, label, progress) -> Dataset:
    found = read_source(source, work / "unpacked")
    needed = len(found) * size * size * 3
    if needed > MAX_STORED_BYTES:
        raise ImportRefused(
            f"{len(found):,} images of {size}x{size} would take {needed / 2**20:,.0f} MB; "
            f"the limit is {MAX_STORED_BYTES / 2**20:,.0f} MB: choose a smaller --size"
        )
    images, colour = prepare(found, size, colour, progress)
    folder = work / name
    folder.mkdir()
    try:
        splits = _store(folder, images, found.labels)
        manifest = _manifest(name, label, found, source, images.shape, splits)
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.rename(folder, final)
    except OSError as error:
        if final.exists():
            raise ImportRefused(
                f"a dataset called {name!r} exists already: choose another name"
            ) from None
        raise ImportRefused(
            f"cannot store the dataset under {final.parent} ({error.strerror or error})"
        ) from None
    return find(name)


def _manifest(name, label, found: Source, source: Path, shape, splits) -> dict:
    return {
        "format": FORMAT,
        "name": name,
        "label": label or name,
        "source": f"{found.description}, imported {time.strftime('%Y-%m-%d')}",
        "source_path": str(source),
        "count": int(shape[0]),
        "shape": [int(shape[3]) if len(shape) == 4 else 1, int(shape[1]), int(shape[2])],
        "class_names": list(found.class_names),
        "split": {split: len(splits[split].labels) for split in SPLITS},
        "split_seed": SPLIT_SEED,
        "checksums": {split: split_checksum(splits[split]) for split in SPLITS},
    }


# ---- finding stored datasets --------------------------------------------------------------

_found: dict[tuple[str, float], Dataset] = {}
_found_lock = threading.Lock()


def folder_of(name: str) -> Path:
    """Where an imported dataset is stored."""
    return user_data_dir() / name


def names() -> tuple[str, ...]:
    """The imported datasets' names, sorted."""
    root = user_data_dir()
    if not root.is_dir():
        return ()
    return tuple(sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file()))


def find(name: str) -> Dataset | None:
    """The imported dataset ``name``, or None; DatasetError when its manifest is damaged."""
    if not NAME_PATTERN.match(str(name)):
        return None
    path = user_data_dir() / name / MANIFEST
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    with _found_lock:
        key = (str(path), stamp)
        if key not in _found:
            _found[key] = _dataset(path)
        return _found[key]


def _dataset(path: Path) -> Dataset:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        shape = tuple(int(v) for v in manifest["shape"])
        sizes = {split: int(manifest["split"][split]) for split in SPLITS}
        checksums = {split: str(manifest["checksums"][split]) for split in SPLITS}
        class_names = tuple(str(c) for c in manifest["class_names"])
        name = str(manifest["name"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DatasetError(
            f"{path} is damaged ({error}): remove its folder and import the images again"
        ) from None
    return Dataset(
        name=name,
        label=str(manifest.get("label", name)),
        shape=shape,  # type: ignore[arg-type]
        reader=_reader(path.parent, shape, sizes, checksums),
        sizes=sizes,
        class_names=class_names,
        source=str(manifest.get("source", "")),
        checksum=combined_checksum(checksums),
        order=1000,
        builtin=False,
    )


def _reader(folder: Path, shape, sizes, checksums):
    def read(split: str) -> Split:
        try:
            images = np.load(folder / f"{split}-images.npy", allow_pickle=False)
            labels = np.load(folder / f"{split}-labels.npy", allow_pickle=False)
        except (OSError, ValueError, EOFError) as error:
            raise DatasetError(
                f"{folder.name} {split}: its files cannot be read ({error}); import it again"
            ) from None
        found = Split(images, labels)
        expected = (sizes[split], shape[1], shape[2], *((3,) if shape[0] == 3 else ()))
        if images.shape != expected or split_checksum(found) != checksums[split]:
            raise DatasetError(
                f"{folder.name} {split}: its files changed since they were imported; import it "
                "again"
            )
        return found

    return read
