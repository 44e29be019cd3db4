"""The layers keep to their places: vae_core is a library without Streamlit, pages only
show what the app package hands them, one module reaches into Streamlit's runtime, and
functions stay short enough to read."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.drivers.browser import ROOT

LIBRARY = sorted((ROOT / "vae_core").rglob("*.py"))
APP = sorted((ROOT / "explorer").rglob("*.py"))
PAGES = sorted((ROOT / "pages").glob("*.py"))
PAGE_IMPORTS = ("__future__", "streamlit", "explorer", "vae_core.viz")
LONGEST_FUNCTION = 50  # lines
LONGEST_APP_MODULE = 320  # lines: about 300, read in one sitting


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
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in LIBRARY
    ]
    modules.remove("vae_core.__main__")  # importing it runs the command line
    code = (
        f"import importlib, sys\nfor m in {modules!r}: "
        "importlib.import_module(m)\nprint('streamlit' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("path", [*PAGES, ROOT / "explorer_app.py"], ids=lambda p: p.name)
def test_pages_import_only_the_app_package_and_the_figure_builders(path):
    assert not [m for m in imported_modules(path) if not within(m, PAGE_IMPORTS)]


@pytest.mark.parametrize(
    "path", [*APP, *PAGES, ROOT / "explorer_app.py"], ids=lambda p: str(p.relative_to(ROOT))
)
def test_nothing_reaches_into_streamlits_runtime(path):
    """Streamlit's internals change between releases: the app uses its public API only (st.App
    routes for the live channel)."""
    assert not [
        m
        for m in imported_modules(path)
        if within(m, ("streamlit.runtime", "streamlit.proto", "streamlit.web"))
    ]


EVERY_SCRIPT = sorted(
    path
    for folder in ("vae_core", "explorer", "pages", "tests", "benchmarks", "docs")
    for path in (ROOT / folder).rglob("*.py")
) + [ROOT / "explorer_app.py"]


@pytest.mark.parametrize("path", EVERY_SCRIPT, ids=lambda p: str(p.relative_to(ROOT)))
def test_functions_are_short_enough_to_read(path):
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION
    ]
    assert not long


# The library's floors, bottom first: a module imports from its own floor or those below.
LAYERS = ("data", "models", "store", "training", "analysis", "viz", "experiments", "cli")


def library_module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def layer_of(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else len(LAYERS)


def runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:`` (names for type hints only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            yield from (
                inner for branch in node.orelse for inner in [branch, *runtime_nodes(branch)]
            )
            continue
        yield node
        yield from runtime_nodes(node)


def library_imports(path: Path) -> set[str]:
    """vae_core modules ``path`` imports when it runs, at the top or inside a function."""
    found = set()
    for node in runtime_nodes(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module.startswith("vae_core")
        ):
            known = [f"{node.module}.{alias.name}" for alias in node.names]
            found.add(node.module)
            found.update(name for name in known if name in MODULES)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("vae_core"))
    return found


MODULES = {library_module(path): path for path in LIBRARY}


def test_the_library_is_folders_of_layers():
    folders = {
        p.name for p in (ROOT / "vae_core").iterdir() if p.is_dir() and p.name != "__pycache__"
    }
    loose = {p.stem for p in (ROOT / "vae_core").glob("*.py")} - {"__init__", "__main__"}
    assert folders | loose == set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES), ids=str)
def test_no_library_module_imports_from_a_higher_layer(module):
    if module in ("vae_core", "vae_core.__main__"):
        return  # the package's public names and ``python -m vae_core`` stand above every floor
    upward = [m for m in library_imports(MODULES[module]) if layer_of(m) > layer_of(module)]
    assert not upward, f"{module} (floor {LAYERS[layer_of(module)]}) imports {upward}"
    assert "vae_core" not in library_imports(MODULES[module]), (
        "inside the library, import the module that defines a name"
    )


def test_the_library_import_graph_has_no_circle():
    graph = {
        module: {m for m in library_imports(path) if m in MODULES and m != module}
        for module, path in MODULES.items()
    }
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                raise AssertionError(" -> ".join([*trail[trail.index(imported) :], imported]))
            if imported not in state:
                visit(imported, [*trail, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


SCRIPTS = sorted(
    path
    for folder in ("tests", "benchmarks", "docs", "vae_core", "explorer", "pages")
    for path in (ROOT / folder).rglob("*.py")
)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_edits_the_import_path(path):
    """Shared drivers live in tests.drivers and benchmarks run as modules from the repository
    root (python -m benchmarks.load), so no file reaches for another through sys.path."""
    edits = [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and getattr(node.value, "id", None) == "sys"
    ]
    assert not edits, f"sys.path used on lines {edits}"


@pytest.mark.parametrize("path", APP, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_modules_are_short_enough_to_read(path):
    assert len(path.read_text().splitlines()) <= LONGEST_APP_MODULE


def test_the_app_is_grouped_by_feature():
    """explorer/ holds feature packages; only the package's door, its command and the app shell
    sit beside them."""
    loose = {p.name for p in (ROOT / "explorer").glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "launch.py", "app.py"}
    features = {p.name for p in (ROOT / "explorer").iterdir() if (p / "__init__.py").is_file()}
    assert features == {"core", "canvas", "maps", "comparisons", "classroom", "training"}


ARCHITECTURE = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
NAMED = re.findall(r"`([^`\s]+)`", ARCHITECTURE)
FLOORS = "|".join(LAYERS[:-1])


def test_every_path_the_architecture_names_exists():
    paths = [n.rstrip("/") for n in NAMED if re.match(r"(vae_core|explorer|pages|tests|docs)/", n)]
    paths += [
        f"explorer/frontend/{n[len('frontend/') :]}" for n in NAMED if n.startswith("frontend/")
    ]
    assert paths and not [p for p in paths if not (ROOT / p).exists()]


def test_every_library_name_the_architecture_names_exists():
    missing = []
    for name in (n for n in NAMED if re.fullmatch(rf"({FLOORS})\.\w+(\.\w+)?", n)):
        floor, module, *attribute = name.split(".")
        path = ROOT / "vae_core" / floor / f"{module}.py"
        package = (ROOT / "vae_core" / floor / "__init__.py").read_text()
        if not path.exists() and not (ROOT / "vae_core" / floor / module).is_dir():
            if not re.search(rf"\b{module}\b", package):  # a name the floor's package exports
                missing.append(name)
        elif attribute and not re.search(
            rf"^(def |class )?{attribute[0]}\b", path.read_text(), re.M
        ):
            missing.append(name)
    assert not missing


def test_the_architecture_names_every_module_and_browser_file():
    words = set(re.findall(r"[\w-]+", ARCHITECTURE))
    modules = [p for p in LIBRARY + APP if p.stem not in ("__init__", "__main__")]
    unnamed = [str(p.relative_to(ROOT)) for p in modules if p.stem not in words]
    browser = sorted((ROOT / "explorer" / "frontend").glob("*.js"))
    unnamed += [p.name for p in browser if p.name not in NAMED and p.name not in ARCHITECTURE]
    assert not unnamed, "docs/ARCHITECTURE.md does not say where these live"


@pytest.mark.parametrize("command", [["format", "--check"], ["check"]], ids=["format", "lint"])
def test_the_code_is_formatted_and_linted(command):
    """ruff format at 100 columns, and ruff check with the line length enforced (pyproject)."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
