"""The layers keep to their places: vae_core is a library without Streamlit, pages only
show what the app package hands them, one module reaches into Streamlit's runtime, and
functions stay short enough to read."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import ROOT

LIBRARY = sorted((ROOT / "vae_core").rglob("*.py"))
APP = sorted((ROOT / "explorer").rglob("*.py"))
PAGES = sorted((ROOT / "pages").glob("*.py"))
PAGE_IMPORTS = ("__future__", "streamlit", "explorer", "vae_core.viz")
LONGEST_FUNCTION = 60  # lines


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


def within(module: str, packages) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_library_imports_neither_streamlit_nor_the_app(path):
    assert not [m for m in imported_modules(path) if within(m, ("streamlit", "explorer"))]


def test_importing_every_library_module_loads_no_streamlit():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in LIBRARY]
    modules.remove("vae_core.__main__")  # importing it runs the command line
    code = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\nprint('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("path", [*PAGES, ROOT / "explorer_app.py"], ids=lambda p: p.name)
def test_pages_import_only_the_app_package_and_the_figure_builders(path):
    assert not [m for m in imported_modules(path) if not within(m, PAGE_IMPORTS)]


@pytest.mark.parametrize("path", [*APP, *PAGES, ROOT / "explorer_app.py"], ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_reaches_into_streamlits_runtime(path):
    """Streamlit's internals change between releases: the app uses its public API only (st.App routes for the live channel)."""
    assert not [m for m in imported_modules(path) if within(m, ("streamlit.runtime", "streamlit.proto", "streamlit.web"))]


@pytest.mark.parametrize("path", LIBRARY + APP + PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_functions_are_short_enough_to_read(path):
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION
    ]
    assert not long
