"""Every user-facing string goes through `t()`, and the English catalogue lists every one of them.

Translators start from `locales/en.json`; a message the code uses but the catalogue lacks would be
missed by every translation, so this test names it.
"""

from __future__ import annotations

import ast
import json

from sdcf_metrics import paths
from sdcf_metrics.i18n import format_number, t

SOURCES = [
    *sorted((paths.PROJECT_ROOT / "src" / "sdcf_metrics").rglob("*.py")),
    paths.PROJECT_ROOT / "app.py",
    *sorted((paths.PROJECT_ROOT / "pages").glob("*.py")),
]


def messages_in_code() -> dict[str, str]:
    """Each literal message passed to `t(...)`, with the first place it is used."""
    found: dict[str, str] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(paths.PROJECT_ROOT)}:{node.lineno}")
    return found


def test_the_english_catalogue_lists_every_message_the_code_uses():
    catalogue = json.loads((paths.PROJECT_ROOT / "src/sdcf_metrics/locales/en.json").read_text("utf-8"))
    missing = {message: where for message, where in messages_in_code().items() if message not in catalogue}
    assert missing == {}, "add these to locales/en.json:\n" + "\n".join(
        f"{w}: {m!r}" for m, w in missing.items()
    )


def test_placeholders_are_filled():
    assert t("Data version {version}, published {date}.", version="abc", date="2026-11-23") == (
        "Data version abc, published 2026-11-23."
    )


def test_numbers_read_as_people_write_them():
    assert format_number(3090) == "3,090"
    assert format_number(2.50) == "2.5"
    assert format_number(-60.0) == "-60"
