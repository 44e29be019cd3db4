"""Build explorer/frontend/decoder/dense.wasm from dense.wat (needs the ``wasmtime`` package for its
wat2wasm; the app ships the built file, so nothing is compiled at install time).

    python -m explorer.canvas.wasm          # writes dense.wasm
    python -m explorer.canvas.wasm --check  # exit 1 when dense.wasm is not dense.wat's build
"""

from __future__ import annotations

import sys
from pathlib import Path

KERNEL = Path(__file__).resolve().parents[1] / "frontend" / "decoder"  # dense.wat and dense.wasm


def build() -> bytes:
    import wasmtime

    return bytes(wasmtime.wat2wasm((KERNEL / "dense.wat").read_text()))


if __name__ == "__main__":
    built = build()
    if "--check" in sys.argv:
        sys.exit(0 if (KERNEL / "dense.wasm").read_bytes() == built else 1)
    (KERNEL / "dense.wasm").write_bytes(built)
    print(f"dense.wasm: {len(built)} bytes")
