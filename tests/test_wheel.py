"""The library reads no file outside its package: built as a wheel and installed away from the repository,
the steward's commands still validate the sources and export the dataset, and the pages' documents ship
inside it.

The wheel is built offline (`pip wheel --no-deps --no-build-isolation --no-index`) from a copy of the
project, installed with `pip install --target` into a directory of its own, and run from another working
directory with only that directory in front of the environment's packages.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sdcf_metrics import paths
from sdcf_metrics.queries import observation_table
from sdcf_metrics.store import get_store

PACKAGE_DATA = ("sql/views.sql", "locales/en.json", "assets/europe_outline.json", "docs/methodology.md")


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"], check=True)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """The built wheel, and the directory it is installed into."""
    root = tmp_path_factory.mktemp("wheel")
    project = root / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(paths.PROJECT_ROOT / name, project)
    shutil.copytree(
        paths.PROJECT_ROOT / "src",
        project / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    pip("wheel", str(project), "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", str(root))
    (wheel,) = root.glob("sdcf_metrics-*.whl")
    target = root / "site"
    pip("install", str(wheel), "--no-deps", "--no-index", "--target", str(target))
    return wheel, target


@pytest.fixture
def data(tmp_path) -> Path:
    """A copy of the published data, somewhere the package knows nothing about."""
    copy = tmp_path / "data"
    shutil.copytree(paths.sources_dir(), paths.sources_dir(copy))
    shutil.copytree(paths.extracts_dir(), paths.extracts_dir(copy))
    return copy


def run(installed: tuple[Path, Path], data: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """`sdcf-metrics ARGS` from the installed copy, in an empty working directory."""
    _, target = installed
    workdir = data.parent / "elsewhere"
    workdir.mkdir(exist_ok=True)
    environment = {**os.environ, "PYTHONPATH": str(target), "SDCF_DATA_DIR": str(data)}
    command = [str(target / "bin" / "sdcf-metrics"), *args]
    return subprocess.run(command, cwd=workdir, env=environment, capture_output=True, check=False)


def test_the_wheel_holds_the_package_and_its_data_and_nothing_else(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for data_file in PACKAGE_DATA:
        assert f"sdcf_metrics/{data_file}" in names
    assert not [name for name in names if name.startswith(("benchmarks/", "tests/", "pages/", "data/"))]


def test_the_installed_command_runs_the_installed_package(installed, data):
    _, target = installed
    result = subprocess.run(
        [sys.executable, "-c", "import sdcf_metrics; print(sdcf_metrics.__file__)"],
        cwd=data.parent,
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        check=True,
    )
    assert Path(result.stdout.decode().strip()).is_relative_to(target)


def test_validate_runs_from_the_wheel(installed, data):
    result = run(installed, data, "validate", str(paths.sources_dir(data)))
    assert result.returncode == 0, result.stderr.decode()
    assert "valid" in result.stderr.decode()


def test_export_runs_from_the_wheel_and_gives_the_published_rows(installed, data):
    result = run(installed, data, "export", "--format", "csv", "--output", "-")
    assert result.returncode == 0, result.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8-sig"))))
    expected = observation_table(get_store(paths.extracts_dir(data))).column("observation_id").to_pylist()
    assert [row["observation_id"] for row in rows] == expected


def test_the_documents_the_pages_show_are_read_from_the_installed_package(installed, data):
    _, target = installed
    script = (
        "from sdcf_metrics.catalogue import FORMAT_FILE, methodology_sections; "
        "print(len(methodology_sections()), len(methodology_sections(FORMAT_FILE)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=data.parent,
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        check=True,
    )
    sections, format_sections = map(int, result.stdout.split())
    assert sections > 3 and format_sections > 3
