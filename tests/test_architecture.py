"""The shape of the code, kept by tests: imports point down a declared order of layers; Streamlit only in the
user interface; every named query has its typed function and runs in a test; every page file is in the page
list; modules and functions stay small enough to read in one sitting, or say why not.

`docs/architecture.md` explains the layers; when this test fails, it names the import, file or function.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_queries import EXAMPLES, SETUP, SQL_FILES

from sdcf_metrics import paths, queries
from sdcf_metrics.ui.navigation import PAGES

PACKAGE = paths.PROJECT_ROOT / "src" / "sdcf_metrics"
# Lowest first: a module may import from its own layer and the layers before it, never from a later one.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "base: where data lives, the columns, the words, dates, translation, attribution, escaping",
        frozenset(
            {
                "paths",
                "vocabulary",
                "schema",
                "periods",
                "i18n",
                "attribution",
                "privacy",
                "untrusted",
                "export",
            }
        ),
    ),
    (
        "release: the extracts layout, on disk or in an object store",
        frozenset({"extracts", "release", "object_store"}),
    ),
    ("store: the sandboxed DuckDB store and its typed queries", frozenset({"store", "queries", "cache"})),
    ("pipeline: the steward's write side", frozenset({"pipeline"})),
    (
        "analysis: rows in, values and words out",
        frozenset(
            {
                "figures",
                "headlines",
                "trends",
                "litter",
                "compare",
                "catalogue",
                "overview",
                "geography",
                "datatable",
                "your_city",
            }
        ),
    ),
    ("output: figures and links that leave the site", frozenset({"charts", "images", "sharing"})),
    ("views: each page's charts, whole, for the pages and the static copy", frozenset({"views"})),
    ("ui: the only Streamlit importers, with app.py and pages/", frozenset({"ui"})),
    ("static: the static copy of every embeddable chart", frozenset({"static_site"})),
    ("cli: the command line", frozenset({"cli"})),
)
STREAMLIT_ALLOWED = ("src/sdcf_metrics/ui/", "app.py", "pages/", "tests/", "benchmarks/")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
# Longer than the limits, each with the sentence that says why it is still one piece.
LONG_ALLOWED: dict[str, str] = {
    "src/sdcf_metrics/vocabulary.py": "every allowed value of every column, one flat list each: the one "
    "place the domain's words live (docs/architecture.md); split, a reader would hunt for a list",
}


def layer_of(unit: str) -> int:
    """The position of a top-level module or subpackage of `sdcf_metrics` in `LAYERS`."""
    for position, (_, units) in enumerate(LAYERS):
        if unit in units:
            return position
    raise AssertionError(f"sdcf_metrics.{unit} is in no layer: add it to LAYERS (and docs/architecture.md)")


def library_modules() -> list[Path]:
    return sorted(
        path for path in PACKAGE.rglob("*.py") if path.name != "__init__.py" or path.parent != PACKAGE
    )


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Iterator[tuple[str, int]]:
    """Every module `path` imports (at any depth, type-checking blocks included), absolute, with its line."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            yield module, node.lineno
            yield from ((f"{module}.{alias.name}", node.lineno) for alias in node.names)


def unit_of(module: str) -> str | None:
    """`sdcf_metrics.compare.marks` -> `compare`; None outside the package or for the package itself."""
    parts = module.split(".")
    return parts[1] if parts[0] == "sdcf_metrics" and len(parts) > 1 else None


@pytest.mark.parametrize("path", library_modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    importer = unit_of(module_name(path))
    upward = [
        f"line {line}: {module} ({LAYERS[layer_of(unit)][0].split(':')[0]})"
        for module, line in imported_modules(path)
        if (unit := unit_of(module)) and unit != importer and layer_of(unit) > layer_of(importer)
    ]
    assert upward == [], f"{LAYERS[layer_of(importer)][0].split(':')[0]} imports a later layer"


def python_files() -> list[Path]:
    root = paths.PROJECT_ROOT
    return sorted(
        path
        for pattern in ("src/**/*.py", "*.py", "pages/*.py", "tests/**/*.py", "benchmarks/*.py")
        for path in root.glob(pattern)
    )


def test_only_the_user_interface_imports_streamlit():
    """ruff's banned-api rule (TID251) says the same at lint time; this keeps it true if the rule is lost."""
    offenders = []
    for path in python_files():
        relative = path.relative_to(paths.PROJECT_ROOT).as_posix()
        if relative.startswith(STREAMLIT_ALLOWED):
            continue
        for module, line in imported_modules(path) if relative.startswith("src/") else _plain_imports(path):
            if module == "streamlit" or module.startswith("streamlit."):
                offenders.append(f"{relative}:{line}")
    assert offenders == []


def _plain_imports(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, node.lineno


def test_every_sql_file_has_its_typed_function_and_runs_in_a_test():
    for name in set(SQL_FILES) - SETUP:
        function = getattr(queries, name, None)
        assert callable(function), f"sql/{name}.sql has no function queries.{name}"
        assert inspect.getdoc(function), f"queries.{name} says nothing about what it returns"
        _store, *rest = inspect.signature(function).parameters.values()
        assert all(parameter.kind is parameter.KEYWORD_ONLY for parameter in rest), name
        assert name in EXAMPLES, f"tests/test_queries.py does not run queries.{name}"


def test_pages_and_the_library_call_queries_by_function_not_by_name():
    """`store.query("name", ...)` is the store's own door; everything else goes through `queries`."""
    callers = []
    for path in [
        *PACKAGE.rglob("*.py"),
        paths.PROJECT_ROOT / "app.py",
        *paths.PROJECT_ROOT.glob("pages/*.py"),
    ]:
        if path.parent == PACKAGE / "queries":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "query"
            ):
                callers.append(f"{path.relative_to(paths.PROJECT_ROOT)}:{node.lineno}")
    assert callers == []


def test_every_page_file_is_in_the_page_list():
    on_disk = {"app.py", *(f"pages/{path.name}" for path in paths.PROJECT_ROOT.glob("pages/*.py"))}
    assert {page.file for page in PAGES} == on_disk


def test_the_library_reads_no_file_of_the_repository():
    """Only `paths` knows where the repository is (the default data directory); documents, queries and
    translations are package data, so an installed copy works (tests/test_wheel.py installs one)."""
    users = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "paths.py" and "PROJECT_ROOT" in path.read_text(encoding="utf-8")
    ]
    assert users == []


def code_files() -> list[Path]:
    root = paths.PROJECT_ROOT
    return sorted(
        [*PACKAGE.rglob("*.py"), root / "app.py", *root.glob("pages/*.py"), *root.glob("benchmarks/*.py")]
    )


def test_no_module_is_longer_than_a_reader_holds_in_mind():
    long = [
        f"{path.relative_to(paths.PROJECT_ROOT)} ({length} lines)"
        for path in code_files()
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        and str(path.relative_to(paths.PROJECT_ROOT)) not in LONG_ALLOWED
    ]
    assert long == [], f"split these, or add them to LONG_ALLOWED with the reason (limit {MAX_MODULE_LINES})"


def test_no_function_is_longer_than_a_screen_or_two():
    long = []
    for path in code_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            where = f"{path.relative_to(paths.PROJECT_ROOT)}:{node.name}"
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES and where not in LONG_ALLOWED:
                long.append(f"{where} ({length} lines)")
    assert long == [], (
        f"split these, or add them to LONG_ALLOWED with the reason (limit {MAX_FUNCTION_LINES})"
    )


def test_every_exception_to_the_limits_says_why_and_is_still_needed():
    for where, reason in LONG_ALLOWED.items():
        assert len(reason.split()) >= 8, f"{where}: say in a sentence why it is one piece"
