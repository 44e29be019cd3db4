"""The browser's code is formatted (Prettier) and linted (ESLint) like the Python (ruff): both
tools are installed from the npm registry into a cache for the test run; nothing is built or
shipped from them, the browser still loads the files as they are."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.drivers.browser import ROOT

FRONTEND = ROOT / "explorer" / "frontend"
NODE_TESTS = ROOT / "tests" / "js"
TOOLS = ("prettier@3", "eslint@9", "@eslint/js@9", "globals@15")
NPM = shutil.which("npm")
pytestmark = pytest.mark.skipif(NPM is None, reason="needs npm (Node.js 20)")


@pytest.fixture(scope="module")
def tools(tmp_path_factory) -> Path:
    """A folder with node_modules holding the tools, and the repository's code linked beside
    them (ESLint reads only files under its configuration's folder)."""
    cache = Path(os.environ.get("VAE_EXPLORER_JS_TOOLS", Path.home() / ".cache" / "vae-js-tools"))
    if not (cache / "node_modules" / ".bin" / "eslint").exists():
        cache.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run(
            [NPM, "install", "--prefix", str(cache), "--no-audit", "--no-fund", *TOOLS],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if installed.returncode != 0:
            pytest.skip(f"the npm registry did not answer: {installed.stderr.strip()[-300:]}")
    work = tmp_path_factory.mktemp("js-style")
    (work / "node_modules").symlink_to(cache / "node_modules")
    (work / "frontend").symlink_to(FRONTEND)
    (work / "js").symlink_to(NODE_TESTS)
    shutil.copy(FRONTEND / "eslint.config.mjs", work / "eslint.config.mjs")
    return work


def run(tools: Path, tool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(tools / "node_modules" / ".bin" / tool), *args],
        cwd=tools,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_browsers_code_is_formatted(tools):
    checked = run(
        tools,
        "prettier",
        "--check",
        "--config",
        str(FRONTEND / ".prettierrc.json"),
        "frontend/**/*.{js,css,html}",
        "js/*.mjs",
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_browsers_code_is_linted(tools):
    checked = run(tools, "eslint", "--max-warnings", "0", "frontend", "js")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_linter_finds_a_fault(tools, tmp_path):
    (tools / "frontend-fault.js").write_text("export function f() {\n  return undefinedName;\n}\n")
    checked = run(tools, "eslint", "frontend-fault.js")
    assert checked.returncode == 1 and "no-undef" in checked.stdout
