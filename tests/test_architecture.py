"""The layers keep to their places: vae_core is a library without Streamlit, pages only
show what the app package hands them, one module reaches into Streamlit's runtime, and
functions stay short enough to read."""

from __future__ import annotations

import ast
import importlib.util
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
LONGEST_PAGE = 120  # lines: a page reads the request, calls its feature and lays out the result


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports: plain and relative imports (resolved against its package),
    and ``importlib.import_module`` / ``__import__`` of a spelled-out name."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names if node.level)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def test_the_import_reader_sees_relative_and_importlib_imports(tmp_path, monkeypatch):
    folder = ROOT / "vae_core" / "analysis"
    sample = folder / "sample_for_the_reader.py"
    monkeypatch.setattr(Path, "read_text", lambda self: SAMPLE if self == sample else "")
    assert imported_modules(sample) >= {
        "vae_core.viz",
        "vae_core.viz.figures",
        "vae_core.analysis.latent",
        "streamlit",
        "explorer.core",
    }


SAMPLE = """
from ..viz import figures
from . import latent
import importlib
importlib.import_module("streamlit")
__import__("explorer.core")
"""


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
    routes for the live channel). An import, or a use such as ``st.runtime.get_instance()``."""
    assert not private_streamlit_uses(path.read_text(), imported_modules(path))


PRIVATE = ("runtime", "proto", "web", "elements", "delta_generator", "components.lib")


def private_streamlit_uses(source: str, modules: set[str]) -> list[str]:
    private = tuple(f"streamlit.{name}" for name in PRIVATE)
    found = [m for m in modules if within(m, private)]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("st", "streamlit") and node.attr in PRIVATE:
                found.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
    return found


def test_the_runtime_guard_sees_uses_as_well_as_imports():
    assert private_streamlit_uses("import streamlit as st\nst.runtime.get_instance()\n", set())
    assert private_streamlit_uses("", {"streamlit.runtime.scriptrunner"})
    assert not private_streamlit_uses("import streamlit as st\nst.session_state\n", set())


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


def documented_floors(heading: str) -> tuple[str, ...]:
    """The floors docs/ARCHITECTURE.md draws in the first diagram after ``heading``, bottom
    first: each line of the diagram that starts one space in names a folder or a module."""
    section = ARCHITECTURE_TEXT.split(heading, 1)[1]
    diagram = section.split("```", 2)[1]
    names = re.findall(r"^ (\S+)", diagram, re.M)
    return tuple(name.removesuffix("/").removesuffix(".py") for name in reversed(names))


ARCHITECTURE_TEXT = (ROOT / "docs" / "ARCHITECTURE.md").read_text()


@pytest.mark.parametrize("path", EVERY_SCRIPT, ids=lambda p: str(p.relative_to(ROOT)))
def test_comments_sit_above_their_line_not_after_a_lone_bracket(path):
    """A comment after a line of its own closing bracket, or inside brackets kept only to hold
    it, reads as rewrapping debris: it goes above the statement it describes."""
    text = path.read_text()
    lone = re.findall(r"^[ \t]*\)[ \t]+#.*", text, re.M)
    held = re.findall(r"= \(\n[ \t]*[^\n#]+#[^\n]*\n[ \t]*\)\n", text)
    assert not lone + held


def test_the_debris_check_finds_both_forms(tmp_path):
    sample = tmp_path / "sample.py"
    for debris in ("x = (\n    1\n)  # one\n", 'y = (\n    "a"  # the letter\n)\n'):
        sample.write_text(debris)
        with pytest.raises(AssertionError):
            test_comments_sit_above_their_line_not_after_a_lone_bracket(sample)
    sample.write_text("z = f(\n    1,\n)\n# a comment on the next statement\nw = 2\n")
    test_comments_sit_above_their_line_not_after_a_lone_bracket(sample)


# The library's floors, bottom first, as the architecture draws them: a module imports from its
# own floor or those below.
LAYERS = documented_floors("## The library")
APP_FLOORS = documented_floors("## The app")


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


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_are_thin(path):
    """A page reads the request, calls its feature module and lays out what comes back: short,
    and with no function or class of its own (those live in the feature folders, where a test
    can call them)."""
    source = path.read_text()
    assert len(source.splitlines()) <= LONGEST_PAGE
    defined = [
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    assert not defined, f"{path.name} defines {defined}: move them to its feature module"


def test_the_app_is_grouped_by_feature():
    """explorer/ holds feature packages; only the package's door, its command and the app shell
    sit beside them."""
    loose = {p.name for p in (ROOT / "explorer").glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "launch.py", "app.py"}
    features = {p.name for p in (ROOT / "explorer").iterdir() if (p / "__init__.py").is_file()}
    assert features == {
        "core",
        "canvas",
        "maps",
        "standalone",
        "comparisons",
        "classroom",
        "training",
    }


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
    frontend = ROOT / "explorer" / "frontend"
    browser = [p.relative_to(frontend).as_posix() for p in sorted(frontend.rglob("*.js"))]
    unnamed += [name for name in browser if name not in ARCHITECTURE]  # with its feature folder
    assert not unnamed, "docs/ARCHITECTURE.md does not say where these live"


@pytest.mark.parametrize("command", [["format", "--check"], ["check"]], ids=["format", "lint"])
def test_the_code_is_formatted_and_linted(command):
    """ruff format at 100 columns, and ruff check with the line length enforced (pyproject)."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def app_floor(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "explorer" or len(parts) < 2:
        return None
    return APP_FLOORS.index(parts[1]) if parts[1] in APP_FLOORS else None


def test_the_architecture_draws_every_floor_of_both_packages():
    assert set(LAYERS) == {p.stem for p in (ROOT / "vae_core").iterdir() if p.stem[0] != "_"} - {""}
    folders = {p.stem for p in (ROOT / "explorer").iterdir() if p.suffix in (".py", "")}
    assert set(APP_FLOORS) == folders - {"__init__", "__main__", "frontend", "__pycache__"}
    assert APP_FLOORS[:2] == ("core", "canvas") and APP_FLOORS[-1] == "app"


@pytest.mark.parametrize("path", APP, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_app_imports_only_its_own_floor_or_those_below(path):
    """core below canvas below the features below the shell, as ARCHITECTURE.md draws them."""
    own = app_floor(module_name(path))
    if own is None:
        return  # the package's door and its command line
    upward = [
        m for m in imported_modules(path) if (app_floor(m) or 0) > own and app_floor(m) is not None
    ]
    assert not upward, f"{module_name(path)} imports from a floor above it: {upward}"


def test_the_apps_folders_import_each_other_without_a_loop():
    edges = {
        (module_name(path).split(".")[1], m.split(".")[1])
        for path in APP
        for m in imported_modules(path)
        if within(m, ("explorer",))
        and len(m.split(".")) > 1
        and len(module_name(path).split(".")) > 1
    }
    graph = {a: {b for x, b in edges if x == a and b != a} for a, _ in edges}
    assert not find_loop(graph)


def find_loop(graph: dict[str, set[str]]) -> list[str]:
    """A loop in ``graph`` (as its path), or []."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in done:
            return []
        for nxt in sorted(graph.get(node, ())):
            loop = visit(nxt, [*path, node])
            if loop:
                return loop
        done.add(node)
        return []

    return next((loop for node in sorted(graph) if (loop := visit(node, []))), [])


def test_the_floor_and_loop_checks_catch_an_upward_arrow():
    loop = find_loop({"core": {"classroom"}, "classroom": {"core"}, "maps": {"core"}})
    assert loop[0] == loop[-1] and set(loop) == {"core", "classroom"}
    assert not find_loop({"classroom": {"core"}, "maps": {"core", "canvas"}, "canvas": {"core"}})
    assert app_floor("explorer.core.sidebar") < app_floor("explorer.classroom.membership")


def test_the_start_up_warm_up_loads_every_module_the_first_view_imports():
    """The shell's warm-up imports what the Home page and the Latent map import, so the first
    view's run finds them loaded (a page that gains a module must add it there)."""
    first_view = sorted(
        {
            name
            for path in (ROOT / "pages" / "2_Latent_map.py", ROOT / "explorer" / "core" / "home.py")
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("explorer.")
            for name in (node.module, *(f"{node.module}.{a.name}" for a in node.names))
            if _is_module(name)
        }
    )
    assert "explorer.maps.map_canvas" in first_view
    code = (
        "import sys\n"
        "from explorer import app\n"
        "app.warm_up()\n"
        f"print(sorted(m for m in {first_view!r} if m not in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]", f"not warmed up: {result.stdout}"


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name imported from a module, not a module
        return False
