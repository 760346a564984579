"""What one cell of a source file or an upload may hold, and how a problem with it is told.

Decoding (which encodings are accepted), cell hygiene (no invisible characters, NFC), and one parser per
column type, each raising a message that says what is wrong and how to write it instead. `Problem` is the
shape every check of the pipeline reports in: `FILE:ROW:COLUMN: message`, rows numbered as a spreadsheet
shows them (the header is row 1; row 0 means the whole file).
"""

from __future__ import annotations

import codecs
import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .. import periods
from ..schema import ID_PATTERN, Column

WHOLE_FILE = 0
NO_COLUMN = "-"

_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_INTEGER = re.compile(r"^-?\d+$")
_SHOWN_LENGTH = 40


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a source file, located as a curator would look for it."""

    path: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.row}:{self.column}: {self.message}"


@dataclass(frozen=True)
class DecodedText:
    """A file's text, the encoding it was read as (said to whoever sent the file), and any problem."""

    text: str
    encoding: str
    problems: list[Problem]


def decode_text(data: bytes, path: str, *, accept_legacy: bool = False) -> DecodedText:
    """Decode a CSV file: the one place that decides which encodings are accepted.

    Source files must be UTF-8, with or without a byte order mark. Uploads (`accept_legacy`) may also be
    UTF-16 with a byte order mark (Excel's "Unicode Text") or Windows-1252, which Excel writes on Western
    European systems and which covers every printable Latin-1 character; `encoding` says which was used.
    Undecodable files get a problem naming the line of the first bad byte (in the message: the spreadsheet
    row is unknowable when the file cannot be read) and an empty text.
    """
    if accept_legacy and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return DecodedText(data.decode("utf-16"), "UTF-16", [])
        except UnicodeDecodeError:
            message = "the file starts like UTF-16 but is damaged; save it again as CSV UTF-8"
            return DecodedText("", "", [Problem(path, WHOLE_FILE, NO_COLUMN, message)])
    try:
        encoding = "UTF-8 with a byte order mark" if data.startswith(codecs.BOM_UTF8) else "UTF-8"
        return DecodedText(data.decode("utf-8-sig"), encoding, [])
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = f"byte 0x{data[error.start]:02X} on line {line}"
    if accept_legacy:
        try:
            return DecodedText(data.decode("cp1252"), "Windows-1252", [])
        except UnicodeDecodeError:
            message = f"{byte} is neither UTF-8 nor Windows-1252; save the file as CSV UTF-8"
            return DecodedText("", "", [Problem(path, WHOLE_FILE, NO_COLUMN, message)])
    message = f"{byte} is not UTF-8; save the file as UTF-8 (in Excel: Save As, 'CSV UTF-8')"
    return DecodedText("", "", [Problem(path, WHOLE_FILE, NO_COLUMN, message)])


def decode_csv_bytes(data: bytes, path: str) -> tuple[str, list[Problem]]:
    """Decode a source CSV file, which must be UTF-8 with or without a byte order mark (see `decode_text`)."""
    decoded = decode_text(data, path)
    return decoded.text, decoded.problems


def parse_cell(column: Column, text: str) -> object:
    """Turn one cell's text into its typed value: None when empty, else float, int, bool or str by type.

    Raises ValueError whose message says what is wrong with the text and how to write it instead.
    """
    if text == "":
        return None
    if len(text) > column.length_limit:
        raise ValueError(
            f"{show(text)} is {len(text):,} characters long; this column holds at most "
            f"{column.length_limit:,}: shorten it"
        )
    return _PARSERS[column.type](text, column)


def hygiene_problem(text: str) -> str | None:
    """Invisible differences make equal-looking ids differ and can disguise names (RTL, zero-width)."""
    if text != text.strip():
        return f"{show(text)} starts or ends with spaces; delete them"
    for position, character in enumerate(text, 1):
        if unicodedata.category(character) in ("Cc", "Cf"):
            label = unicodedata.name(character, "a control character")
            return (
                f"{show(text)} contains the invisible character U+{ord(character):04X} ({label}) at "
                f"position {position}; delete it, and write line breaks and tabs as spaces"
            )
    if not unicodedata.is_normalized("NFC", text):
        return f"{show(text)} is not in Unicode NFC form; retype the accented letters or save it normalised"
    return None


# Cell types ----------------------------------------------------------------------------------------------


def _parse_number(text: str, column: Column) -> float:
    if not _NUMBER.match(text):
        raise ValueError(
            f"{show(text)} is not a plain number; write digits with '.' for decimals and no thousands "
            "separators, spaces or units, e.g. 1234 or 12.5"
        )
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{show(text)} is too large to be a number; check for a typo")
    return number


def _parse_integer(text: str, column: Column) -> int:
    if not _INTEGER.match(text):
        raise ValueError(f"{show(text)} is not a whole number; write digits only, e.g. 1234")
    return int(text)


def _parse_bool(text: str, column: Column) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"{show(text)} is not a yes/no value; write true or false")
    return text == "true"


def _parse_date(text: str, column: Column) -> str:
    try:
        periods.parse_partial_date(text)
    except periods.PartialDateError as error:
        # periods quotes the text in full; shorten it as every other message does.
        raise ValueError(str(error).replace(repr(text), show(text))) from None
    return text


def _parse_url(text: str, column: Column) -> str:
    scheme, _, rest = text.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if scheme not in ("http", "https") or not host or any(character.isspace() for character in text):
        raise ValueError(
            f"{show(text)} is not a web address; write the full http:// or https:// address with no spaces, "
            "e.g. https://example.org/report.pdf"
        )
    return text


def _parse_choice(text: str, column: Column) -> str:
    if text not in column.choices:
        hint = did_you_mean(text.lower(), column.choices)
        raise ValueError(f"{show(text)} is not allowed{hint}; write one of: {', '.join(column.choices)}")
    return text


def _parse_id(text: str, column: Column) -> str:
    if not ID_PATTERN.match(text):
        raise ValueError(
            f"{show(text)} is not an id; use lower-case letters, digits, '-' and '_', starting with a "
            "letter or digit, e.g. copenhagen-skyen"
        )
    return text


def _parse_text(text: str, column: Column) -> str:
    return text


_PARSERS: dict[str, Callable[[str, Column], object]] = {
    "number": _parse_number,
    "integer": _parse_integer,
    "bool": _parse_bool,
    "date": _parse_date,
    "url": _parse_url,
    "choice": _parse_choice,
    "id": _parse_id,
    "text": _parse_text,
}


# Messages ------------------------------------------------------------------------------------------------


def show(text: str) -> str:
    """A cell's text quoted for a message: shortened, with invisible characters made visible."""
    return repr(text if len(text) <= _SHOWN_LENGTH else text[:_SHOWN_LENGTH] + "…")


def did_you_mean(text: str, candidates: Iterable[str]) -> str:
    matches = difflib.get_close_matches(text, list(candidates), n=1)
    return f" (did you mean {matches[0]!r}?)" if matches else ""
