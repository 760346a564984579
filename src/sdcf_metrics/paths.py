"""Where the data lives: `data/` in the repository, or `SDCF_DATA_DIR` when set (tests use copies)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The data directory holding `sources/` and `extracts/`."""
    configured = os.environ.get("SDCF_DATA_DIR")
    return Path(configured).resolve() if configured else PROJECT_ROOT / "data"


def sources_dir(root: Path | None = None) -> Path:
    return (root or data_dir()) / "sources"


def extracts_dir(root: Path | None = None) -> Path:
    return (root or data_dir()) / "extracts"
