"""The browser's modules as one HTML file needs them: every module an entry module imports,
each a ``data:`` URL under a bare name of an import map, its relative imports rewritten to those
names. No build step and no second file: the page runs the very modules the app serves.

The modules' imports are the plain forms Prettier leaves (``import … from "./x.js"``,
``import "./x.js"``, ``export … from "./x.js"``); a component's URL
(``../explorer.canvas.latent_canvas/…``) names the frontend folder itself.
"""

from __future__ import annotations

import base64
import json
import posixpath
import re
from pathlib import Path

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
COMPONENT_ROOT = "explorer.canvas.latent_canvas/"  # the canvas component's URL is this folder
PREFIX = "@vae-explorer/"  # the bare names of the import map
IMPORT = re.compile(
    r"""((?:^|\n)\s*(?:import|export)\b[^;"']*?\bfrom\s*["']|(?:^|\n)\s*import\s*["'])"""
    r"""(\.{1,2}/[^"']+)(["'])"""
)


class BundleError(ValueError):
    """A module the page needs is missing or imports one outside the frontend folder."""


def _resolve(module: str, specifier: str) -> str:
    """The frontend-relative path ``specifier`` names from ``module`` (both posix)."""
    path = posixpath.normpath(posixpath.join(posixpath.dirname(module), specifier))
    if path.startswith(COMPONENT_ROOT):
        path = path[len(COMPONENT_ROOT) :]
    if path.startswith("../") or path == "..":
        raise BundleError(f"{module} imports {specifier}, outside the frontend folder")
    return path


def modules(entry: str, root: Path = FRONTEND) -> dict[str, str]:
    """Every module ``entry`` imports, directly or not, with its imports rewritten to bare
    names: {frontend-relative path: source}, the entry first."""
    found: dict[str, str] = {}
    waiting = [entry]
    while waiting:
        module = waiting.pop()
        if module in found:
            continue
        try:
            source = (root / module).read_text(encoding="utf-8")
        except OSError as error:
            raise BundleError(f"the page needs {module}, which cannot be read ({error})") from error

        def bare(match: re.Match, module: str = module) -> str:
            path = _resolve(module, match.group(2))
            waiting.append(path)
            return f"{match.group(1)}{PREFIX}{path}{match.group(3)}"

        found[module] = IMPORT.sub(bare, source)
    return found


def import_map(sources: dict[str, str]) -> str:
    """The import map of ``sources``: each bare name to a ``data:`` URL of its module, as
    the text of a ``<script type="importmap">`` (no ``<`` in it, so it cannot end the tag)."""
    imports = {
        f"{PREFIX}{path}": "data:text/javascript;base64,"
        + base64.b64encode(source.encode()).decode()
        for path, source in sources.items()
    }
    return json.dumps({"imports": imports}, separators=(",", ":"))


def entry_name(entry: str) -> str:
    """The bare name a page's inline module imports ``entry`` by."""
    return f"{PREFIX}{entry}"


def stylesheets(*paths: str, root: Path = FRONTEND) -> str:
    """The text of the frontend's stylesheets ``paths``, in order, safe inside ``<style>``."""
    text = "\n".join((root / path).read_text(encoding="utf-8") for path in paths)
    if "</" in text:
        raise BundleError("a stylesheet of the page contains '</'")
    return text
