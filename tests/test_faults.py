"""What an unlucky operator meets, and what the tools and the pages do about it.

The published files are readable by the user the app runs as (issue 13, point 3), a damaged extract is
found by its checksum and the last intact version served instead (point 4), and a damaged pointer is
repaired by `build` while every other command and the pages say what to run (point 5).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from apptest_helpers import build_dataset, chart_specs, run_page
from fixtures import default_rows, write_table

from sdcf_metrics import paths
from sdcf_metrics.pipeline.build import build, is_stale
from sdcf_metrics.release import POINTER_FILE, DataUnavailable, current_release, read_pointer

TRENDS = "pages/1_City_trends.py"
OTHER_USER = "nobody"


def run_cli(*arguments: str, data_root: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SDCF_DATA_DIR": str(data_root)}
    command = [sys.executable, "-m", "sdcf_metrics.cli", *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


def publish_two_versions(root: Path) -> tuple[str, str]:
    build_dataset(root)
    first = read_pointer(paths.extracts_dir(root)).data_version
    rows = default_rows("observations")
    rows[0]["notes"] = "a correction"
    write_table(paths.sources_dir(root), "observations", rows)
    return first, build(root).data_version


def damage(root: Path, version: str, table: str = "observations") -> None:
    """Flip bytes in the middle of one extract, as a bad disk or a careless copy would."""
    path = paths.extracts_dir(root) / version / f"{table}.parquet"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(16)
    path.write_bytes(bytes(data))


# Point 3: readable by the app's user ------------------------------------------------------------------------

# Run as root, import everything while the interpreter can still read its own files (they live under
# /root), become the other user, then open the store a test published and query it.
AS_OTHER_USER = """
import os, pwd, sys
from pathlib import Path
from sdcf_metrics import queries
from sdcf_metrics.store import get_store
from sdcf_metrics.paths import PROJECT_ROOT
queries.cities(get_store(PROJECT_ROOT / "data" / "extracts"))  # every import done, as root
user = pwd.getpwnam(sys.argv[2])
os.setgroups([])
os.setgid(user.pw_gid)
os.setuid(user.pw_uid)
print(len(queries.cities(get_store(Path(sys.argv[1])))))
"""


@pytest.fixture
def shared_root():
    """A data directory outside pytest's owner-only temporary tree, which the other user can traverse."""
    root = Path(tempfile.mkdtemp(prefix="sdcf-shared-", dir="/tmp"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root)


def published_under_a_strict_umask(root: Path) -> Path:
    previous = os.umask(0o077)
    try:
        build_dataset(root)
    finally:
        os.umask(previous)
    return paths.extracts_dir(root)


def test_everything_published_is_readable_by_others_whatever_the_umask(shared_root):
    extracts = published_under_a_strict_umask(shared_root)
    for path in [extracts, *extracts.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        wanted = 0o755 if path.is_dir() else 0o644
        assert mode == wanted, f"{path} is {oct(mode)}"


def test_another_user_opens_the_published_store(shared_root):
    """The app may run as another user than the steward, on a read-only mount: it reads every version."""
    extracts = published_under_a_strict_umask(shared_root)
    if os.geteuid() != 0:
        # Without root no process can become another user; what it would need is checked instead.
        assert all(path.stat().st_mode & 0o004 for path in [extracts, *extracts.rglob("*")])
        return
    result = subprocess.run(
        [sys.executable, "-c", AS_OTHER_USER, str(extracts), OTHER_USER],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout) > 0


def test_a_configured_group_reads_instead_of_everyone(shared_root, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_GROUP", "nogroup")
    extracts = published_under_a_strict_umask(shared_root)
    pointer = extracts / POINTER_FILE
    assert stat.S_IMODE(pointer.stat().st_mode) == 0o640
    assert pointer.stat().st_gid == 65534
    assert stat.S_IMODE(extracts.stat().st_mode) == 0o750


# Point 4: damaged extracts ----------------------------------------------------------------------------------


def test_a_damaged_current_version_gives_way_to_the_last_intact_one(tmp_path):
    first, second = publish_two_versions(tmp_path)
    damage(tmp_path, second)
    release = current_release(paths.extracts_dir(tmp_path))
    assert (release.data_version, release.damaged_version) == (first, second)


def test_a_page_says_which_version_it_shows_instead_of_a_damaged_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    first, second = publish_two_versions(tmp_path)
    damage(tmp_path, second)
    app = run_page(TRENDS, city="copenhagen")
    assert not app.exception
    assert len(chart_specs(app)) == 1
    warning = " ".join(element.value for element in app.warning)
    assert second in warning and first in warning and "sdcf-metrics build" in warning


def test_with_no_intact_version_the_frame_stays_and_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    build_dataset(tmp_path)
    damage(tmp_path, read_pointer(paths.extracts_dir(tmp_path)).data_version, "cities")
    app = run_page(TRENDS, city="copenhagen")
    assert not app.exception
    assert [title.value for title in app.title] == ["City trends"]
    assert "damaged" in app.error[0].value and "`sdcf-metrics build`" in app.error[0].value
    with pytest.raises(DataUnavailable) as unavailable:
        current_release(paths.extracts_dir(tmp_path))
    assert unavailable.value.reason == "damaged"


def test_build_repairs_a_damaged_version(tmp_path):
    build_dataset(tmp_path)
    version = read_pointer(paths.extracts_dir(tmp_path)).data_version
    damage(tmp_path, version)
    assert is_stale(tmp_path)
    result = run_cli("build", "--if-stale", data_root=tmp_path)
    assert result.returncode == 0, result.stderr
    assert current_release(paths.extracts_dir(tmp_path)).damaged_version is None


# Point 5: a damaged pointer -------------------------------------------------------------------------------


@pytest.fixture
def broken_pointer(tmp_path):
    build_dataset(tmp_path)
    (paths.extracts_dir(tmp_path) / POINTER_FILE).write_text('{"data_version": ', encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("arguments", [("build",), ("build", "--if-stale")])
def test_build_rebuilds_a_damaged_pointer_from_the_sources(broken_pointer, arguments):
    result = run_cli(*arguments, data_root=broken_pointer)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "current.json is damaged" in result.stderr
    assert current_release(paths.extracts_dir(broken_pointer)).data_version


@pytest.mark.parametrize(
    "arguments", [("rollback",), ("ingest", "figures.csv"), ("export", "--format", "csv", "--output", "-")]
)
def test_the_other_commands_say_to_run_build(broken_pointer, arguments):
    upload = broken_pointer / "figures.csv"
    upload.write_text("city,metric\n", encoding="utf-8")
    arguments = tuple(str(upload) if argument == "figures.csv" else argument for argument in arguments)
    result = run_cli(*arguments, data_root=broken_pointer)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "current.json is damaged" in result.stderr and "sdcf-metrics build" in result.stderr


def test_the_pages_say_the_pointer_is_damaged_and_what_repairs_it(broken_pointer, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(broken_pointer))
    app = run_page(TRENDS)
    assert not app.exception
    assert [title.value for title in app.title] == ["City trends"]
    assert "current.json" in app.error[0].value and "`sdcf-metrics build`" in app.error[0].value
