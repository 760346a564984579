"""Every user-facing string goes through `t()`, so Danish, Dutch, French and German can follow.

Messages are keyed by their English text (gettext style). `locales/<lang>.json` maps each message to
its translation; English is the reference catalogue, and a test checks that every message the code
uses is in it, so translators start from a complete list. Numbers are formatted here too.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

DEFAULT_LANGUAGE = "en"
LANGUAGES = {"en": "English"}


@cache
def catalogue(language: str) -> dict[str, str]:
    """The messages of one language (empty when the language has no catalogue yet)."""
    try:
        text = resources.files("sdcf_metrics").joinpath("locales", f"{language}.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return json.loads(text)


def t(message: str, language: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """Translate `message` and fill its `{named}` placeholders."""
    translated = catalogue(language).get(message) or message
    return translated.format(**values) if values else translated


def format_number(value: float) -> str:
    """A figure as people read it: thousands separated, no spurious decimals (3090 -> 3,090)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
