"""Fixtures shared by every test module; the source data itself is built in `fixtures.py`."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures import write_sources


@pytest.fixture
def sources_dir(tmp_path: Path) -> Path:
    """A directory holding the valid fixture source set, fresh for each test."""
    return write_sources(tmp_path / "sources")
