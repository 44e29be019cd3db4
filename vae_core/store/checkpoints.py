"""The checkpoint store: folders of safetensors weights plus JSON, written atomically.

Layout of one checkpoint ``<root>/<dataset>-<model>-<d>d-<key>/``::

    model.safetensors   weights (float32, or float16 when saved compactly)
    config.json         {"format_version", "key", "model": {...}, "train": {...}, "storage_dtype",
                         "data": {"name", "shape", "classes", "checksum"}}
    metrics.json        evaluation results and training facts
    history.json        per-epoch loss terms, train and test

A checkpoint is written into a hidden temporary folder beside its final place and
renamed into place, so a crash never leaves a half-written checkpoint visible.
Loading reads JSON and safetensors only: nothing is ever unpickled.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from vae_core.data.paths import cache_dir, shipped_checkpoints_dir
from vae_core.models.config import (
    FORMAT_VERSION,
    ModelConfig,
    TrainConfig,
    config_from_dict,
    config_key,
    config_to_dict,
)

if TYPE_CHECKING:
    from vae_core.models.networks import LatentModel

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.json"
NAME_FILE = "name.json"  # a name a user gave the model; not part of its identity
MAX_NAME_LENGTH = 60
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class CheckpointError(ValueError):
    """A checkpoint folder cannot be used; the message names the folder and the reason."""


class CheckpointWriteError(CheckpointError, OSError):
    """A checkpoint could not be written (disk full, read-only store, ...)."""


@dataclass(frozen=True)
class CheckpointInfo:
    """What a listing knows about a checkpoint without loading its weights."""

    path: Path
    key: str
    model_config: ModelConfig
    train_config: TrainConfig
    metrics: dict[str, Any]
    data: dict[str, Any] | None = None  # the dataset it was trained on, as saved (None: older)

    @property
    def name(self) -> str:
        return self.path.name


def data_record(train_config: TrainConfig, model: LatentModel) -> dict[str, Any]:
    """What a checkpoint records of its dataset: name, image shape, classes and checksum."""
    from vae_core.data.catalog import get

    return {
        "name": train_config.dataset,
        "shape": list(model.image_shape),
        "classes": model.classes,
        "checksum": get(train_config.dataset).checksum,
    }


def check_data(info: CheckpointInfo):
    """The dataset a checkpoint was trained on, as registered here; CheckpointError when it
    is missing or is not the same set of images (another import under the same name)."""
    from vae_core.data.catalog import DatasetError, get

    try:
        dataset = get(info.train_config.dataset)
    except DatasetError as error:
        raise CheckpointError(f"{info.path}: {error}") from None
    recorded = info.data or {}
    shape = tuple(recorded.get("shape", dataset.shape))
    checksum = recorded.get("checksum", dataset.checksum)
    if shape != dataset.shape or (checksum and dataset.checksum and checksum != dataset.checksum):
        raise CheckpointError(
            f"{info.path} was trained on another dataset called {dataset.name!r} (images "
            f"{'x'.join(map(str, shape))}, checksum {str(checksum)[:12]}); the one here holds "
            f"{'x'.join(map(str, dataset.shape))} images with checksum {dataset.checksum[:12]}: "
            "import the same images again, or train a new model on these"
        )
    return dataset


def checkpoint_name(model_config: ModelConfig, train_config: TrainConfig) -> str:
    """Folder name: readable facts, then the config key, e.g. ``mnist-vae-2d-1a2b3c4d5e6f``."""
    model = model_config.model.replace("_", "-")
    key = config_key(model_config, train_config)
    return f"{train_config.dataset}-{model}-{model_config.latent_dim}d-{key}"


def user_store_dir() -> Path:
    """Run-time checkpoints: ``$VAE_EXPLORER_STORE`` or ``<cache>/checkpoints``.

    Falls back to a folder in the system temp dir (with a warning) when the
    preferred one cannot be created or written.
    """
    env = os.environ.get("VAE_EXPLORER_STORE")
    preferred = Path(env).expanduser() if env else cache_dir() / "checkpoints"
    if _writable(preferred):
        return preferred
    fallback = Path(tempfile.gettempdir()) / "vae-explorer-checkpoints"
    logger.warning("checkpoint store %s is not writable; using %s instead", preferred, fallback)
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


_PROBE_SECONDS = 60.0  # how long a folder that took a probe file counts as writable
_probed: dict[str, float] = {}  # folder -> when a probe file last went in


def _writable(folder: Path) -> bool:
    """Whether a file can be made in ``folder`` (made if missing). A success is trusted for a
    minute: every checkpoint look-up asks, and an app page makes several look-ups per run.
    A write that fails later still ends in CheckpointWriteError."""
    now, probed = time.monotonic(), _probed.get(str(folder))
    if probed is not None and now - probed < _PROBE_SECONDS:
        return True
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError:
        return False
    _probed[str(folder)] = now
    return True


def default_roots() -> list[Path]:
    """Where listings and look-ups search: shipped checkpoints first, then the user store."""
    roots = [shipped_checkpoints_dir(), user_store_dir()]
    return list(dict.fromkeys(roots))


def _write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, allow_nan=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def save_model(
    model: LatentModel,
    train_config: TrainConfig,
    root: str | os.PathLike | None = None,
    metrics: dict[str, Any] | None = None,
    history: list[dict] | None = None,
    half: bool = False,
    replay=None,
    codes=None,
) -> Path:
    """Write a checkpoint under ``root`` (default: the user store) and return its folder.

    An existing checkpoint with the same key is replaced only once the new one is
    complete. ``half=True`` stores weights as float16 (they load back as float32).
    ``replay`` (codes [epochs, n, d], see :mod:`vae_core.store.replay`) and ``codes`` (the test
    split's :class:`vae_core.store.codes.EncodedSplit`) are stored beside them.
    Raises :class:`CheckpointWriteError` when the disk refuses; nothing half-written remains.
    """
    root_path = Path(root) if root is not None else user_store_dir()
    name = checkpoint_name(model.config, train_config)
    final = root_path / name
    tmp = root_path / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    dtype = np.float16 if half else np.float32
    state = {
        k: np.ascontiguousarray(v.detach().float().cpu().numpy().astype(dtype))
        for k, v in model.state_dict().items()
    }
    header = {
        "format_version": FORMAT_VERSION,
        "key": config_key(model.config, train_config),
        "model": config_to_dict(model.config),
        "train": config_to_dict(train_config),
        "storage_dtype": "float16" if half else "float32",
        "data": data_record(train_config, model),
    }
    try:
        root_path.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        save_file(state, str(tmp / WEIGHTS_FILE), metadata={"format": "pt", "key": header["key"]})
        _write_files(tmp, header, metrics or {}, history or [], replay, codes)
        _move_into_place(tmp, final)
    except (OSError, SafetensorError) as error:
        shutil.rmtree(tmp, ignore_errors=True)
        reason = (
            os.strerror(error.errno) if isinstance(error, OSError) and error.errno else str(error)
        )
        raise CheckpointWriteError(f"could not write checkpoint {final}: {reason}") from error
    logger.info("saved checkpoint %s", final)
    return final


def _write_files(folder: Path, header: dict, metrics: dict, history: list, replay, codes) -> None:
    """The JSON files, and the replay and codes where given, into the unfinished folder."""
    _write_json(folder / CONFIG_FILE, header)
    _write_json(folder / METRICS_FILE, metrics)
    _write_json(folder / HISTORY_FILE, history)
    if replay is not None and len(replay):
        from vae_core.store.replay import write_replay

        write_replay(folder, replay)
    if codes is not None:
        from vae_core.store.codes import write_codes

        write_codes(folder, codes)


def _move_into_place(tmp: Path, final: Path) -> None:
    """Rename the finished folder to its name; an older one is moved aside first and removed
    after, so a reader finds either the old checkpoint or the new one, never neither."""
    if final.exists():
        trash = final.parent / f".old-{final.name}-{uuid.uuid4().hex[:8]}"
        os.rename(final, trash)
        os.rename(tmp, final)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.rename(tmp, final)


def remove_partials(root: str | os.PathLike, older_than: float = 3600.0) -> list[Path]:
    """Delete temporary folders left by writers that died mid-save (older than
    ``older_than`` seconds, so a save in progress elsewhere is left alone)."""
    import time

    removed = []
    root_path = Path(root)
    if not root_path.is_dir():
        return removed
    now = time.time()
    for folder in root_path.iterdir():
        if folder.name.startswith((".tmp-", ".old-")) and folder.is_dir():
            try:
                if now - folder.stat().st_mtime >= older_than:
                    shutil.rmtree(folder)
                    removed.append(folder)
            except OSError as error:
                logger.warning("could not remove %s: %s", folder, error)
    return removed


def _read_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise CheckpointError(f"{path.parent}: {what} file {path.name} is missing")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: unreadable {what} ({error})") from error


def read_checkpoint_info(path: str | os.PathLike) -> CheckpointInfo:
    """Validate a checkpoint's JSON (not its weights) and describe it."""
    folder = Path(path)
    if not folder.is_dir():
        raise CheckpointError(
            f"{folder} is not a checkpoint folder (it does not exist or is a file)"
        )
    header = _read_json(folder / CONFIG_FILE, "config")
    if not isinstance(header, dict) or "format_version" not in header:
        raise CheckpointError(
            f"{folder}: {CONFIG_FILE} is not a VAE Latent Explorer checkpoint config"
        )
    if header["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{folder}: checkpoint format version {header['format_version']!r} is not supported "
            f"(this version reads {FORMAT_VERSION}); retrain it with `python -m vae_core train`"
        )
    try:
        model_config = config_from_dict(ModelConfig, header.get("model"))
        train_config = config_from_dict(TrainConfig, header.get("train"))
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{folder}: invalid config ({error})") from error
    key = config_key(model_config, train_config)
    if header.get("key") != key:
        raise CheckpointError(f"{folder}: config does not match its key (edited by hand?)")
    metrics_path = folder / METRICS_FILE
    metrics = _read_json(metrics_path, "metrics") if metrics_path.exists() else {}
    data = header.get("data")
    return CheckpointInfo(
        folder,
        key,
        model_config,
        train_config,
        metrics if isinstance(metrics, dict) else {},
        data if isinstance(data, dict) else None,
    )


def load_model(path: str | os.PathLike, device="cpu") -> LatentModel:
    """Rebuild a model from a checkpoint folder alone, in eval mode.

    The model carries ``.config`` (ModelConfig) and its origin (``.train_config``,
    ``.checkpoint_key``, ``.checkpoint_path``). Raises :class:`CheckpointError` for anything amiss:
    missing or truncated files, wrong tensor names or shapes, foreign formats.
    """
    info = read_checkpoint_info(path)
    weights_path = info.path / WEIGHTS_FILE
    if not weights_path.is_file():
        raise CheckpointError(f"{info.path}: weights file {WEIGHTS_FILE} is missing")
    try:
        state = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(
            f"{weights_path}: unreadable or truncated weights ({error})"
        ) from error
    import torch

    from vae_core.models.networks import build_model

    model = build_model(info.model_config, check_data(info))
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        raise CheckpointError(
            f"{weights_path}: tensors do not match the config (missing: {missing[:3]}, unexpected: "
            f"{extra[:3]})"
        )
    for name, tensor in state.items():
        if tensor.shape != expected[name].shape:
            raise CheckpointError(
                f"{weights_path}: tensor {name} has shape {tuple(tensor.shape)}, the config needs "
                f"{tuple(expected[name].shape)}"
            )
        if not np.isfinite(tensor).all():
            raise CheckpointError(f"{weights_path}: tensor {name} holds NaN or infinite values")
    model.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) for k, v in state.items()})
    model.to(device).eval()
    model.set_origin(info.train_config, info.path)
    return model


def zip_checkpoint(path: str | os.PathLike) -> bytes:
    """A checkpoint folder as zip bytes (for download); validated first."""
    import io
    import zipfile

    info = read_checkpoint_info(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in (
            WEIGHTS_FILE,
            CONFIG_FILE,
            METRICS_FILE,
            HISTORY_FILE,
            NAME_FILE,
            "replay.npz",
            "codes.npz",
        ):
            file = info.path / name
            if file.is_file():
                archive.write(file, arcname=f"{info.name}/{name}")
    return buffer.getvalue()


def read_history(path: str | os.PathLike) -> list[dict]:
    """The per-epoch history stored beside a checkpoint ([] when absent or unreadable)."""
    history_path = Path(path) / HISTORY_FILE
    try:
        data = json.loads(history_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def read_name(folder: str | os.PathLike) -> str | None:
    """The name a user gave a checkpoint, if any (an unreadable file counts as none)."""
    try:
        name = json.loads((Path(folder) / NAME_FILE).read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and name.strip() else None


def write_name(folder: str | os.PathLike, name: str) -> str:
    """Give a checkpoint a name for pickers (an empty name removes it). ValueError for a
    name that is too long or holds control characters; CheckpointWriteError when the disk
    refuses."""
    name = " ".join(str(name).split())
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(
            f"a name has at most {MAX_NAME_LENGTH} characters; this one has {len(name)}"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError("a name cannot hold control characters")
    path = Path(folder) / NAME_FILE
    try:
        if not name:
            path.unlink(missing_ok=True)
            return name
        tmp = path.with_name(f".{NAME_FILE}.{uuid.uuid4().hex[:8]}")
        tmp.write_text(json.dumps({"name": name}) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as error:
        raise CheckpointWriteError(
            f"could not name {folder}: {os.strerror(error.errno) if error.errno else error}"
        ) from error
    return name


def update_metrics(folder: str | os.PathLike, section: str, values: dict[str, Any]) -> None:
    """Replace one section of a checkpoint's metrics.json (a measure that changed), written
    beside it and renamed into place; CheckpointWriteError when the disk refuses."""
    path = Path(folder) / METRICS_FILE
    metrics = _read_json(path, "metrics")
    metrics[section] = values
    tmp = path.with_name(f".{METRICS_FILE}.{uuid.uuid4().hex[:8]}")
    try:
        _write_json(tmp, metrics)
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise CheckpointWriteError(
            f"could not update {path}: {os.strerror(error.errno) if error.errno else error}"
        ) from error


def list_checkpoints(roots: list[str | os.PathLike] | None = None) -> list[CheckpointInfo]:
    """Every valid checkpoint under the roots, sorted by name; invalid ones are skipped with a
    warning."""
    found: dict[str, CheckpointInfo] = {}
    for root in roots if roots is not None else default_roots():
        root_path = Path(root)
        if not root_path.is_dir():
            continue
        for folder in sorted(root_path.iterdir()):
            if folder.name.startswith(".") or folder.name == "classifiers" or not folder.is_dir():
                continue  # hidden work folders; the classifiers of vae_core.analysis.classifier
            try:
                info = read_checkpoint_info(folder)
            except CheckpointError as error:
                logger.warning("skipping %s", error)
                continue
            found.setdefault(info.key, info)
    return sorted(found.values(), key=lambda info: info.name)


def resolve_checkpoint(name: str, roots: list[str | os.PathLike] | None = None) -> Path:
    """Map a checkpoint name (from a picker or a URL) to its folder inside a store root.

    Only plain folder names are accepted: separators, '..' and hidden names are
    refused, so no name can reach outside the store.
    """
    if not isinstance(name, str) or not _NAME_PATTERN.match(name) or ".." in name:
        raise CheckpointError(f"{name!r} is not a checkpoint name")
    for root in roots if roots is not None else default_roots():
        candidate = Path(root) / name
        if candidate.is_dir():
            return candidate
    raise CheckpointError(f"no checkpoint named {name!r} in the store")


def find_checkpoint(
    model_config: ModelConfig,
    train_config: TrainConfig,
    roots: list[str | os.PathLike] | None = None,
) -> Path | None:
    """The folder holding a valid checkpoint for exactly these configs, if any."""
    name = checkpoint_name(model_config, train_config)
    for root in roots if roots is not None else default_roots():
        candidate = Path(root) / name
        if candidate.is_dir():
            try:
                read_checkpoint_info(candidate)
                return candidate
            except CheckpointError as error:
                logger.warning("ignoring %s", error)
    return None
