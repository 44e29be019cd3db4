"""Models for other runtimes: a network as a short program of layer operations plus its
weights in one safetensors file, so a browser can decode (and encode) without Python.

The program is read from the ModelConfig alone (which layers, in which order, with which
tensor names); the weights come from a checkpoint folder (read with safetensors' numpy API,
no torch) or from a model in memory. :func:`run_program` is the reference interpreter in
numpy: the tests hold it to torch, and the JavaScript interpreter in
``explorer/frontend/decoder.js`` to the same numbers.

Operations (each a JSON object with ``op``):

- ``linear`` {weight, bias, relu}: y = W x + b ([out, in] weights), then ReLU if asked
- ``conv2d`` {weight, bias, stride, padding, relu}: PyTorch Conv2d, weights [out, in, k, k]
- ``conv_transpose2d`` {weight, bias, stride, padding, output_padding, relu}: PyTorch
  ConvTranspose2d, weights [in, out, k, k]
- ``reshape`` {shape}; ``flatten``; ``concat_label`` {classes}: append the one-hot class
- ``sigmoid``: the decoder's mean image from its logits
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from vae_core.data.catalog import Dataset
from vae_core.models.config import ModelConfig
from vae_core.models.layout import conv_side, decoder_widths

BROWSER_FORMAT = 1  # bump when the program's meaning changes
WEIGHTS_FILE = "model.safetensors"


def _linears(prefix: str, widths: list[int], final_relu: bool) -> list[dict]:
    """The Linear layers of vae_core.models.networks._mlp(widths): tensors <prefix>.0, .2, .4 …"""
    count = len(widths) - 1
    return [
        {
            "op": "linear",
            "weight": f"{prefix}.{2 * i}.weight",
            "bias": f"{prefix}.{2 * i}.bias",
            "relu": i < count - 1 or final_relu,
        }
        for i in range(count)
    ]


def decoder_program(config: ModelConfig, data: Dataset) -> list[dict]:
    """z [d] (plus the class for a conditional VAE) -> the mean image in [0, 1], flattened in
    the model's order (channel, row, column) for ``data``'s image shape."""
    d, hidden = config.latent_dim, list(config.hidden_sizes)
    n_cond = data.classes if config.is_conditional else 0
    ops: list[dict] = [{"op": "concat_label", "classes": n_cond}] if n_cond else []
    if config.architecture == "mlp":
        return (
            ops
            + _linears(
                "decoder_body", [d + n_cond, *reversed(hidden), data.pixels], final_relu=False
            )
            + [{"op": "sigmoid"}]
        )
    ops += _linears("decoder_body", [d + n_cond, *reversed(hidden)], final_relu=True)
    base, start, widths = decoder_widths(data.side, config.conv_channels)
    dense = {"weight": "decoder_out.dense.0.weight", "bias": "decoder_out.dense.0.bias"}
    ops += [
        {"op": "linear", **dense, "relu": True},
        {"op": "reshape", "shape": [base, start, start]},
    ]
    for index in range(len(widths) + 1):
        last = index == len(widths)
        ops.append(
            {
                "op": "conv_transpose2d",
                "weight": f"decoder_out.net.{2 * index}.weight",
                "bias": f"decoder_out.net.{2 * index}.bias",
                "stride": 1 if last else 2,
                "padding": 1,
                "output_padding": 0 if last else 1,
                "relu": not last,
            }
        )
    return ops + [{"op": "flatten"}, {"op": "sigmoid"}]


def encoder_program(config: ModelConfig, data: Dataset) -> list[dict]:
    """An image of ``data``'s shape in [0, 1], flattened (plus the class for a conditional VAE)
    -> the encoder's statistics: [mu, logvar] (2d values) for a stochastic encoder, the code
    (d) otherwise."""
    stats = 2 * config.latent_dim if config.has_stochastic_encoder else config.latent_dim
    ops: list[dict] = []
    if config.architecture == "mlp":
        features = data.pixels
    else:
        ops.append({"op": "reshape", "shape": list(data.shape)})
        for index in range(len(config.conv_channels)):
            ops.append(
                {
                    "op": "conv2d",
                    "weight": f"features.net.{2 * index}.weight",
                    "bias": f"features.net.{2 * index}.bias",
                    "stride": 2,
                    "padding": 0,
                    "relu": True,
                }
            )
        ops.append({"op": "flatten"})
        side = conv_side(data.side, len(config.conv_channels))
        features = config.conv_channels[-1] * side * side
    n_cond = data.classes if config.is_conditional else 0
    if n_cond:
        ops.append({"op": "concat_label", "classes": n_cond})
    return ops + _linears(
        "encoder_head", [features + n_cond, *config.hidden_sizes, stats], final_relu=False
    )


def program_tensors(program: list[dict]) -> list[str]:
    return [op[key] for op in program for key in ("weight", "bias") if key in op]


def browser_spec(config: ModelConfig, data: Dataset) -> dict[str, Any]:
    """Everything a browser needs besides the weights, for a model of ``data``'s images."""
    return {
        "format": BROWSER_FORMAT,
        "latent_dim": config.latent_dim,
        "conditional": config.is_conditional,
        "classes": data.classes,
        "stochastic": config.has_stochastic_encoder,
        "logvar_range": [
            -30.0,
            20.0,
        ],  # the encoder's clamp (vae_core.models.networks.LatentModel.encode)
        "image_shape": list(data.shape),
        "decoder": decoder_program(config, data),
        "encoder": encoder_program(config, data),
    }


def export_weights(
    state: dict[str, np.ndarray], config: ModelConfig, data: Dataset, parts=("decoder", "encoder")
) -> bytes:
    """The tensors of the programs named in ``parts`` as float16 safetensors bytes, the spec
    in the file's metadata (a browser loads the decoder first, the encoder when it needs
    one). KeyError when ``state`` lacks a tensor."""
    from safetensors.numpy import save

    spec = browser_spec(config, data) | {"parts": list(parts)}
    names = [name for part in parts for name in program_tensors(spec[part])]
    tensors = {name: np.ascontiguousarray(np.asarray(state[name], np.float16)) for name in names}
    return save(tensors, metadata={"spec": json.dumps(spec, separators=(",", ":"))})


# The shipped classifiers (vae_core.analysis.classifier): pixels -> 512 (ReLU) -> class logits;
# the browser adds the softmax.
CLASSIFIER_PROGRAM = [
    {"op": "linear", "weight": "hidden.weight", "bias": "hidden.bias", "relu": True},
    {"op": "linear", "weight": "out.weight", "bias": "out.bias", "relu": False},
]


def export_classifier(weights: dict[str, np.ndarray]) -> bytes:
    """A classifier's weights as float16 safetensors bytes with its program (the classifier
    lens runs it in the browser on every decoded image)."""
    from safetensors.numpy import save

    spec = {
        "format": BROWSER_FORMAT,
        "classes": int(np.asarray(weights["out.bias"]).shape[0]),
        "classifier": CLASSIFIER_PROGRAM,
        "parts": ["classifier"],
    }
    tensors = {
        name: np.ascontiguousarray(np.asarray(weights[name], np.float16))
        for name in program_tensors(CLASSIFIER_PROGRAM)
    }
    return save(tensors, metadata={"spec": json.dumps(spec, separators=(",", ":"))})


def checkpoint_state(folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """A checkpoint's weights as numpy arrays, read without torch. ValueError when the file is
    not safetensors (damaged, cut short); OSError when it cannot be read."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    path = Path(folder) / WEIGHTS_FILE
    try:
        return load_file(str(path))
    except SafetensorError as error:
        raise ValueError(f"{path} is not a whole safetensors file ({error})") from error


def model_state(model) -> dict[str, np.ndarray]:
    """A model's weights (in memory) as numpy arrays."""
    return {
        name: tensor.detach().float().cpu().numpy() for name, tensor in model.state_dict().items()
    }


def read_exported(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The spec and float32 tensors of an exported file (what a browser reads)."""
    from safetensors.numpy import load

    header_length = int.from_bytes(data[:8], "little")
    spec = json.loads(json.loads(data[8 : 8 + header_length])["__metadata__"]["spec"])
    return spec, {name: array.astype(np.float32) for name, array in load(data).items()}


# --- the reference interpreter ----------------------------------------------------


def _conv2d(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int, padding: int
) -> np.ndarray:
    """x [C_in, H, W], weight [C_out, C_in, k, k] -> [C_out, H', W'] (cross-correlation, as
    PyTorch)."""
    k = weight.shape[2]
    x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    out_h, out_w = (x.shape[1] - k) // stride + 1, (x.shape[2] - k) // stride + 1
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))[
        :, ::stride, ::stride
    ][:, :out_h, :out_w]
    return np.einsum("chwij,ocij->ohw", windows, weight) + bias[:, None, None]


def _conv_transpose2d(
    x, weight, bias, stride: int, padding: int, output_padding: int
) -> np.ndarray:
    """x [C_in, H, W], weight [C_in, C_out, k, k] -> [C_out, (H-1)s - 2p + k + op, ...] (PyTorch
    ConvTranspose2d)."""
    c_in, height, width = x.shape
    k = weight.shape[2]
    full_h, full_w = (height - 1) * stride + k, (width - 1) * stride + k
    full = np.zeros((weight.shape[1], full_h + output_padding, full_w + output_padding), np.float64)
    # each input pixel's k x k footprint per output channel
    contributions = np.einsum("chw,coij->ohwij", x, weight)
    for i in range(k):
        for j in range(k):
            full[
                :,
                i : i + (height - 1) * stride + 1 : stride,
                j : j + (width - 1) * stride + 1 : stride,
            ] += contributions[..., i, j]
    out_h = (height - 1) * stride - 2 * padding + k + output_padding
    out_w = (width - 1) * stride - 2 * padding + k + output_padding
    return full[:, padding : padding + out_h, padding : padding + out_w] + bias[:, None, None]


def run_program(
    program: list[dict], tensors: dict[str, np.ndarray], x, label: int | None = None
) -> np.ndarray:
    """Run a program on one input in float64 numpy (the reference for other interpreters)."""
    value = np.asarray(x, np.float64)
    for op in program:
        kind = op["op"]
        if kind == "linear":
            value = tensors[op["weight"]] @ value + tensors[op["bias"]]
        elif kind == "conv2d":
            value = _conv2d(
                value, tensors[op["weight"]], tensors[op["bias"]], op["stride"], op["padding"]
            )
        elif kind == "conv_transpose2d":
            value = _conv_transpose2d(
                value,
                tensors[op["weight"]],
                tensors[op["bias"]],
                op["stride"],
                op["padding"],
                op["output_padding"],
            )
        elif kind == "reshape":
            value = value.reshape(op["shape"])
        elif kind == "flatten":
            value = value.reshape(-1)
        elif kind == "concat_label":
            if label is None or not 0 <= int(label) < op["classes"]:
                raise ValueError(f"this model needs a class label in 0..{op['classes'] - 1}")
            value = np.concatenate([value, np.eye(op["classes"])[int(label)]])
        elif kind == "sigmoid":
            value = 1.0 / (1.0 + np.exp(-value))
        else:
            raise ValueError(f"unknown operation {kind!r}")
        if op.get("relu"):
            value = np.maximum(value, 0.0)
    return value
