"""The ``vae-explorer`` command: ``vae-explorer app [streamlit options]`` starts the explorer
(as ``python -m explorer`` does), ``vae-explorer publish`` writes a model's map as one web page
(:mod:`explorer.standalone.command`); every other command is the library's
(:mod:`vae_core.cli`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROG = "vae-explorer"
PROJECT = Path(__file__).resolve().parent.parent  # explorer_app.py and .streamlit/ live here
APP_HELP = (
    f"usage: {PROG} app [streamlit run options]\n\nStart the explorer in the browser. Options go "
    "to "
    "`streamlit run` unchanged, e.g. --server.port 8600 --server.headless true."
)


def app_command(streamlit_args: list[str]) -> list[str]:
    """``streamlit run explorer_app.py`` with the given Streamlit options passed through."""
    script = str(PROJECT / "explorer_app.py")
    return [sys.executable, "-m", "streamlit", "run", script, *streamlit_args]


def run_app(streamlit_args: list[str]) -> int:
    """Replace this process with the Streamlit server, started in the project folder so that
    its ``.streamlit/config.toml`` applies."""
    if not (PROJECT / "explorer_app.py").is_file():
        print(
            f"{PROG}: error: explorer_app.py is not beside this package ({PROJECT})",
            file=sys.stderr,
        )
        return 1
    if any(arg in ("-h", "--help") for arg in streamlit_args):
        print(APP_HELP)
        return 0
    os.chdir(PROJECT)
    command = app_command(streamlit_args)
    os.execv(command[0], command)
    return 0  # not reached: execv does not return


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["app"]:  # everything after "app" belongs to Streamlit
        return run_app(argv[1:])
    if argv[:1] == ["publish"]:
        from explorer.standalone.command import main as publish_main

        return publish_main(argv[1:])
    from vae_core.cli import main as library_main

    if argv[:1] in (["-h"], ["--help"]):
        print(f"{PROG} app: start the explorer in the browser ({PROG} app --help)")
        print(f"{PROG} publish: a model's map as one web page ({PROG} publish --help)\n")
    return library_main(argv)
