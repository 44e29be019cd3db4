"""``python -m explorer publish MODEL --out PAGE.html``: a model's latent map as one web page
that needs no server (:mod:`explorer.standalone.page`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROG = "python -m explorer publish"


def _point(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not two numbers 'x,y'") from error
    return x, y


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Write a model's latent map as one HTML file: the decoder runs in the "
        "page (hover to decode, pin, interpolate, traversals), with no server and no network. "
        "Open it from the disk, put it on any static host or embed it in a course page.",
    )
    parser.add_argument("model", help="a checkpoint's name (as the app lists it) or its folder")
    parser.add_argument("--out", required=True, type=Path, help="the HTML file to write")
    parser.add_argument("--title", default="", help="the page's title (default: model and data)")
    parser.add_argument("--note", default="", help="a note for the students, shown as text")
    parser.add_argument("--point", type=_point, help="the pinned point 'x,y' the page opens on")
    parser.add_argument(
        "--plane", type=int, default=0, help="a wider model's plane to open on (0: main directions)"
    )
    parser.add_argument(
        "--ellipses", type=int, default=0, help="test images drawn with their posterior ellipses"
    )
    parser.add_argument(
        "--no-prior-circles", action="store_true", help="leave out the prior's 1σ and 2σ circles"
    )
    return parser


def _folder(model: str) -> Path:
    from vae_core.store.checkpoints import resolve_checkpoint

    path = Path(model)
    return path if path.is_dir() else resolve_checkpoint(model)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    from explorer.standalone.page import PublishedView, PublishError, write_page
    from vae_core.store.checkpoints import CheckpointError

    try:
        view = PublishedView(
            _folder(args.model),
            title=args.title,
            note=args.note,
            pinned=args.point,
            plane=args.plane,
            prior_circles=not args.no_prior_circles,
            ellipses=args.ellipses,
        )
        size = write_page(view, args.out)
    except (PublishError, CheckpointError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({size / 1e6:.2f} MB): open it in a browser, no server needed")
    return 0
