"""The sizes the convolutional networks go through, without torch (the browser export and the
memory estimate need them before any network is built)."""

from __future__ import annotations


def conv_side(side: int, layers: int) -> int:
    """The side of the feature map after ``layers`` strided 3x3 'valid' convolutions."""
    for _ in range(layers):
        side = (side - 3) // 2 + 1
    return side


def upsamplings(side: int, layers: int) -> int:
    """How many stride-2 upsamplings a decoder with ``layers`` convolutions makes: one per
    layer (at least two), as long as the side halves evenly (a side of 28 takes two: 7, 14,
    28; 64 with four layers starts from 4 x 4)."""
    wanted, halvings = max(2, layers), 0
    while side % 2 ** (halvings + 1) == 0 and halvings < wanted:
        halvings += 1
    return halvings


def decoder_widths(side: int, channels: tuple[int, ...]) -> tuple[int, int, list[int]]:
    """(channels of the first map, its side, the width of each upsampling) of the decoder that
    mirrors convolutions of ``channels`` for images of ``side`` pixels."""
    count = upsamplings(side, len(channels))
    widths = list(reversed(channels))[:count]
    while len(widths) < count:
        widths.append(widths[-1])
    return channels[-1] // 2 or 1, side // 2**count, widths


AUTO = "auto"  # the architecture a network picks from its images' side


def network_for(architecture: str, side: int, conv_channels: tuple[int, ...] | None = None) -> dict:
    """The ModelConfig fields an architecture choice means for images of ``side`` pixels:
    ``auto`` is an MLP below 32 pixels and convolutional from 32 (four layers from 64 pixels);
    ``conv_channels`` (when given) overrides the channels a convolutional choice gets."""
    if architecture == AUTO:
        architecture = "conv" if side >= 32 else "mlp"
    if architecture != "conv":
        return {"architecture": architecture}
    default = (16, 32, 32, 32) if side >= 64 else (32, 32, 64) if side >= 32 else (32, 64)
    return {"architecture": "conv", "conv_channels": tuple(conv_channels or default)}
