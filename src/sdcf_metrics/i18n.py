"""Every user-facing string goes through `t()`, in English, Danish, Dutch, French, German or Spanish.

Messages are keyed by their English text (gettext style). `locales/<lang>.json` maps each message to
its translation; English is the reference catalogue, and tests check that every message the code uses is
in it and that every other catalogue translates every message with the same placeholders. The domain's
terms are kept consistent by a glossary (`locales/glossary.json`), which the tests check too.

The reader's language is set once per script run (`use_language`, from the page frame) and read by `t()`
and the formatters below. It is held in a context variable, not a global: Streamlit runs each visitor's
script in its own thread, so two readers in two languages never see each other's words. Code outside a
page (the command line, the tests) reads English unless it asks for another language with `in_language`.

Numbers and dates follow the reader's conventions from CLDR (Babel): 3,090 in English, 3.090 in Danish,
Dutch, German and Spanish, 3 090 in French. English dates stay ISO 8601 (2014-09-18), which reads the
same in London and in Brussels; the other languages write them as their readers do (18. sep. 2014).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache, lru_cache
from importlib import resources

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

DEFAULT_LANGUAGE = "en"
# Each language in its own name, as a reader looks for it in a list; English first, then A to Z by code.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "da": "Dansk",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "nl": "Nederlands",
}
_DATE_SKELETONS = {"year": "y", "month": "yMMM", "day": "yMMMd"}

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def supported(language: str | None) -> str | None:
    """`language` when the dashboard speaks it (`fr`, `FR`, `fr-BE` -> `fr`), else None."""
    if not language:
        return None
    code = language.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if code in LANGUAGES else None


def preferred_language(browser_locales: Sequence[str]) -> str:
    """The first of the browser's languages the dashboard speaks (`fr-BE` -> `fr`), else English."""
    return next((code for code in map(supported, browser_locales) if code), DEFAULT_LANGUAGE)


def use_language(language: str) -> None:
    """Make `language` the reader's language for the rest of this script run (this thread)."""
    _language.set(supported(language) or DEFAULT_LANGUAGE)


def current_language() -> str:
    """The reader's language: what `use_language` set in this thread, English otherwise."""
    return _language.get()


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Speak `language` inside the block (the command line, a test, a file made for another reader)."""
    token = _language.set(supported(language) or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


@cache
def catalogue(language: str) -> dict[str, str]:
    """The messages of one language (empty when the language has no catalogue)."""
    try:
        text = resources.files("sdcf_metrics").joinpath("locales", f"{language}.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return json.loads(text)


def t(message: str, language: str | None = None, /, **values: object) -> str:
    """Translate `message` into the reader's language (or `language`) and fill its `{named}` placeholders.

    A message a catalogue lacks falls back to English rather than failing the page; the tests keep every
    catalogue complete, so a reader does not meet that fallback in a release.
    """
    translated = catalogue(language or current_language()).get(message) or message
    return translated.format(**values) if values else translated


def format_number(value: float, language: str | None = None) -> str:
    """A figure as the reader writes it: thousands grouped, at most two decimals, none spurious
    (3090 -> 3,090 / 3.090 / 3 090)."""
    number = int(value) if float(value).is_integer() else round(float(value), 2)
    return _formatted(number, _locale(language))


@lru_cache(maxsize=8192)
def _formatted(number: int | float, locale: str) -> str:
    """Babel's formatting, kept: it parses the locale's pattern on every call (about 20 µs), and the
    same few hundred figures are written on every rerun of every page."""
    return format_decimal(number, locale=locale)


def format_partial_date(text: str, language: str | None = None) -> str:
    """A `YYYY`, `YYYY-MM` or `YYYY-MM-DD` date as precise as its source, in the reader's way of writing
    dates (`2014-09` -> `sep. 2014` in Danish); English keeps ISO 8601. Text that is not such a date is
    returned as it is."""
    chosen = language or current_language()
    parts = text.strip().split("-")
    if chosen == DEFAULT_LANGUAGE or not all(part.isdigit() for part in parts) or len(parts) > 3:
        return text
    try:
        numbers = [int(part) for part in parts]
        day = date(*numbers, *[1] * (3 - len(numbers)))
    except ValueError:
        return text
    precision = ("year", "month", "day")[len(parts) - 1]
    return format_skeleton(_DATE_SKELETONS[precision], day, locale=_locale(chosen))


def number_separators(language: str | None = None) -> str:
    """The decimal mark then the thousands separator, as Plotly's `separators` takes them (`,.` in
    German), so chart axes and hover labels write numbers as the page does."""
    locale = _locale(language)
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def language_name(code: str, language: str | None = None) -> str:
    """The name of a language (an ISO 639-1 code such as a source's `de`) in the reader's language."""
    try:
        return Locale(_locale(language)).languages.get(code, code)
    except UnknownLocaleError:
        return code


def _locale(language: str | None) -> str:
    return language or current_language()
