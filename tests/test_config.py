"""The Streamlit configuration is the hardened baseline for a public, privacy-sensitive site (R-2.1)."""

from __future__ import annotations

import tomllib

import pytest

from sdcf_metrics import paths

CONFIG = tomllib.loads((paths.PROJECT_ROOT / ".streamlit" / "config.toml").read_text())

BASELINE = [
    ("browser", "gatherUsageStats", False),
    ("client", "showErrorDetails", "none"),
    ("client", "toolbarMode", "viewer"),
    ("server", "enableXsrfProtection", True),
    ("server", "enableCORS", True),
    ("server", "maxUploadSize", 5),
    ("server", "enableStaticServing", False),
    ("server", "enableAgentApi", False),
    ("server", "fileWatcherType", "none"),
    ("server", "runOnSave", False),
    ("server", "headless", True),
    ("server", "address", "127.0.0.1"),
    ("runner", "magicEnabled", False),
]


@pytest.mark.parametrize(("section", "option", "expected"), BASELINE)
def test_hardened_option(section, option, expected):
    assert CONFIG[section][option] == expected


def test_streamlit_accepts_every_option():
    from streamlit import config

    known = config._config_options_template
    for section, options in CONFIG.items():
        for option in options:
            assert f"{section}.{option}" in known, f"{section}.{option} is not a Streamlit option"
