"""The dataset checked by machine against its own quotes: `sdcf-metrics audit`.

The validator checks that the files are well formed; the audit checks that each figure says what its
quote says. For every observation:

    value_in_quote        the value (or both ends of a range) is in the quote, written as the source's
                          language writes numbers (3,090 / 3.090 / 3 090 / 3'090 / 3090, decimal comma);
                          in a `table_reading` the digits may run into their neighbours
    qualifier_words       the quote's words for "about", "more than", "nearly"... match the stored
                          qualifier, in the source's language (`audit_words`)
    period_year_in_quote  the year the period ends is in the quote, or the period is marked inferred
    duplicate             no other row gives the same figure (place, metric, period and value)
    conflict              no two sources disagree about one figure without `conflicts.csv` saying so

A finding that is right on reading (a number written in words, a qualifier that belongs to another number
of the same sentence) is accepted in `data/audit-exceptions.csv` with its reason; an exception that no
finding needs any more is itself a finding, so the file stays the list of what was actually accepted.
Findings read `FILE:ROW:COLUMN: message [rule]`.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..schema import CONFLICTS, OBSERVATIONS, SOURCES, Table
from .audit_words import WORDS_BY_LANGUAGE, LanguageWords
from .conflicts import CONFLICT_KEY, number, unrecorded
from .validate import read_table_rows

Row = Mapping[str, str]

EXCEPTIONS_FILE = "audit-exceptions.csv"
EXCEPTION_COLUMNS = ("observation_id", "rule", "reason")


@dataclass(frozen=True)
class Rule:
    """One check of the audit: its id (as the exceptions file writes it) and what it checks."""

    id: str
    checks: str


RULES: tuple[Rule, ...] = (
    Rule(
        "value_in_quote",
        "The value, or both ends of a range, appears in the quote as the source's language writes numbers.",
    ),
    Rule("qualifier_words", "The quote's words for about, more than, nearly... match the stored qualifier."),
    Rule(
        "period_year_in_quote", "The year the period ends is in the quote, or the period is marked inferred."
    ),
    Rule("duplicate", "No other row gives the same figure for the same place, metric and period."),
    Rule("conflict", "Two sources that disagree about one figure are recorded in conflicts.csv."),
    Rule("exceptions", "Each accepted exception names a figure, a rule and a reason, and is still needed."),
)
RULE_IDS = tuple(rule.id for rule in RULES)


@dataclass(frozen=True, order=True)
class Finding:
    """Something the audit found, located as a curator would look for it."""

    path: str
    row: int
    column: str
    message: str
    rule: str
    observation_id: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.row}:{self.column}: {self.message} [{self.rule}]"


# Numbers in quotes -------------------------------------------------------------------------------------


def _plain(value: float) -> str:
    text = f"{abs(value):.6f}".rstrip("0").rstrip(".")
    return text or "0"


def number_forms(value: float, style: LanguageWords, *, table_cell: bool = False) -> set[str]:
    """Every way the language writes the number: `3090`, `3,090` / `3.090` / `3 090`, `12,5`; a table
    cell may print a whole number as a decimal (`184.0`)."""
    whole, _, fraction = _plain(value).partition(".")
    decimals = [f"{style.decimal}{fraction}"] if fraction else ["", ".0"] if table_cell else [""]
    wholes = {whole}
    if len(whole) > 3:
        grouped = f"{int(whole):,}"
        wholes |= {grouped.replace(",", separator) for separator in style.groups}
    return {f"{body}{tail}" for body in wholes for tail in decimals}


_GROUP_AFTER = re.compile(r"\d{3}(?!\d)")


def _stands_alone(quote: str, start: int, end: int, style: LanguageWords) -> bool:
    """Whether the match is a whole number, not a piece of a longer one: not `3` in `3,090` or `12,5`, not
    `90` in `1990` or `090` in `3 090`; but `91` in `2020 91`, since a group of thousands has three digits."""
    before, ahead = (
        quote[start - 1 : start] if start else "",
        quote[start - 2 : start - 1] if start > 1 else "",
    )
    if before.isdigit() or (before == style.decimal and ahead.isdigit()):
        return False
    leading = re.match(r"\d+", quote[start:end])
    if before in style.groups and ahead.isdigit() and leading and len(leading[0]) == 3:
        return False
    after, rest = quote[end : end + 1], quote[end + 1 :]
    if after.isdigit() or (after == style.decimal and rest[:1].isdigit()):
        return False
    return not (after in style.groups and _GROUP_AFTER.match(rest))


def value_in_quote(
    value: float, quote: str, style: LanguageWords, *, table_reading: bool = False, table_cell: bool = False
) -> bool:
    """Whether the quote gives the number, as a whole number (anywhere, in a table reading)."""
    for form in number_forms(value, style, table_cell=table_cell):
        for match in re.finditer(re.escape(form), quote):
            if table_reading or _stands_alone(quote, match.start(), match.end(), style):
                return True
    return False


# Words in quotes ---------------------------------------------------------------------------------------


def has_word(word: str, text: str) -> bool:
    """A word or phrase in lower-case text, not inside a longer word."""
    word = word.strip()
    closing = r"(?!\w)" if word[-1].isalnum() else ""
    return re.search(r"(?<!\w)" + re.escape(word) + closing, text) is not None


def words_found(quote: str, words: Iterable[str]) -> list[str]:
    text = quote.casefold()
    return [word.strip() for word in words if has_word(word, text)]


# The checks --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Observation:
    number: int
    text: Row
    language: str

    @property
    def id(self) -> str:
        return self.text["observation_id"]


def _value_findings(item: _Observation, style: LanguageWords, path: str) -> Iterator[Finding]:
    row = item.text
    columns = ("value_low", "value_high") if row["qualifier"] == "range" else ("value",)
    form = row.get("quote_form")
    for column in columns:
        value = number(row[column])
        found = value is None or value_in_quote(
            value,
            row["quote"],
            style,
            table_reading=form == "table_reading",
            table_cell=form == "table_cell",
        )
        if not found:
            yield Finding(
                path,
                item.number,
                column,
                f"{row[column]} is not in the quote as {item.language} writes numbers",
                "value_in_quote",
                item.id,
            )


def _qualifier_findings(item: _Observation, style: LanguageWords, path: str) -> Iterator[Finding]:
    qualifier, quote = item.text["qualifier"], item.text["quote"]
    if qualifier == "exact":
        strong = {
            name: [word for word in words if word not in style.weak.get(name, ())]
            for name, words in style.words.items()
        }
        said = {name: found for name, words in strong.items() if (found := words_found(quote, words))}
        if said:
            words = ", ".join(f"'{word}' ({name})" for name, found in said.items() for word in found)
            message = f"stored as exact, but the quote says {words}"
            yield Finding(path, item.number, "qualifier", message, "qualifier_words", item.id)
    elif qualifier in style.words:
        candidates = (*style.words[qualifier], *style.weak.get(qualifier, ()))
        if not words_found(quote, candidates):
            message = f"stored as {qualifier}, but the quote has no {item.language} word that says so"
            yield Finding(path, item.number, "qualifier", message, "qualifier_words", item.id)


def _year_findings(item: _Observation, path: str) -> Iterator[Finding]:
    row = item.text
    year = row["period_end"][:4]
    if year and year not in row["quote"] and row.get("period_inferred") != "true":
        message = (
            f"the period ends in {year}, which the quote does not say; set period_inferred to true if the "
            "year comes from the source's context"
        )
        yield Finding(path, item.number, "period_end", message, "period_year_in_quote", item.id)


def _figure(row: Row) -> tuple[str, ...]:
    return tuple(row[column] for column in (*CONFLICT_KEY, "value", "value_low", "value_high", "qualifier"))


def _duplicate_findings(items: Sequence[_Observation], path: str) -> Iterator[Finding]:
    groups: dict[tuple[str, ...], list[_Observation]] = {}
    for item in items:
        groups.setdefault(_figure(item.text), []).append(item)
    for group in groups.values():
        if len(group) < 2:
            continue
        for item in group:
            others = ", ".join(f"row {other.number} ({other.id})" for other in group if other is not item)
            message = f"the same figure as {others}: keep one, or accept both if two documents give it"
            yield Finding(path, item.number, "-", message, "duplicate", item.id)


def _conflict_findings(
    items: Sequence[_Observation], conflicts: Sequence[Row], path: str
) -> Iterator[Finding]:
    rows = [item.text for item in items]
    for pair in unrecorded(rows, conflicts):
        first, second = items[pair.first], items[pair.second]
        if first.text["source_id"] == second.text["source_id"]:
            continue
        message = (
            f"sources disagree with row {first.number} ({first.id}) about the same figure; record the "
            "conflict in conflicts.csv"
        )
        yield Finding(path, second.number, "-", message, "conflict", second.id)


def audit_observations(
    observations: Sequence[Row], sources: Sequence[Row], conflicts: Sequence[Row], path: str
) -> list[Finding]:
    """Every finding of the audit rules for the observations (text rows, the first on spreadsheet row 2)."""
    languages = {source["source_id"]: source.get("language", "") for source in sources}
    items = [
        _Observation(number, row, languages.get(row["source_id"], ""))
        for number, row in enumerate(observations, start=2)
    ]
    findings: list[Finding] = []
    for item in items:
        style = WORDS_BY_LANGUAGE.get(item.language)
        if style is not None:
            findings.extend(_value_findings(item, style, path))
            findings.extend(_qualifier_findings(item, style, path))
        findings.extend(_year_findings(item, path))
    findings.extend(_duplicate_findings(items, path))
    findings.extend(_conflict_findings(items, conflicts, path))
    return findings


# Accepted exceptions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """An accepted finding: the figure, the rule, and why it is right on reading."""

    number: int
    observation_id: str
    rule: str
    reason: str


def read_exceptions(path: Path) -> tuple[list[Accepted], list[Finding]]:
    """The accepted exceptions, and what is wrong with the file itself."""
    name = str(path)
    if not path.is_file():
        return [], []
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        if tuple(reader.fieldnames or ()) != EXCEPTION_COLUMNS:
            message = f"the header must be {','.join(EXCEPTION_COLUMNS)}"
            return [], [Finding(name, 1, "-", message, "exceptions")]
        rows = list(reader)
    accepted, problems = [], []
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(rows, start=2):
        item = Accepted(line, row["observation_id"] or "", row["rule"] or "", (row["reason"] or "").strip())
        if item.rule not in RULE_IDS[:-1]:
            message = f"unknown rule {item.rule!r}; use one of {', '.join(RULE_IDS[:-1])}"
            problems.append(Finding(name, line, "rule", message, "exceptions", item.observation_id))
        elif not item.reason:
            message = "an exception needs its reason: why the finding is right on reading"
            problems.append(Finding(name, line, "reason", message, "exceptions", item.observation_id))
        elif (item.observation_id, item.rule) in seen:
            message = "the same exception twice; keep one"
            problems.append(Finding(name, line, "-", message, "exceptions", item.observation_id))
        else:
            accepted.append(item)
        seen.add((item.observation_id, item.rule))
    return accepted, problems


# The audit ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditResult:
    """What the audit found: every finding, which of them an exception accepts, and what is left open
    (findings nobody accepted, and problems of the exceptions file, stale exceptions included)."""

    observations: int
    findings: tuple[Finding, ...]
    accepted: tuple[Finding, ...]
    open: tuple[Finding, ...]
    exceptions: tuple[Accepted, ...]

    def counts(self) -> dict[str, tuple[int, int, int]]:
        """Rule -> (findings, accepted, open)."""
        found = Counter(finding.rule for finding in self.findings)
        accepted = Counter(finding.rule for finding in self.accepted)
        still_open = Counter(finding.rule for finding in self.open)
        return {rule: (found[rule], accepted[rule], still_open[rule]) for rule in RULE_IDS}


def _read(directory: Path, table: Table) -> tuple[list[dict[str, str]], list[Finding]]:
    path = directory / table.file_name
    if not path.is_file():
        return [], []
    rows, problems = read_table_rows(path, table)
    return rows, [Finding(p.path, p.row, p.column, p.message, "exceptions") for p in problems]


def audit(data_dir: Path) -> AuditResult:
    """Audit `data_dir/sources` against `data_dir/audit-exceptions.csv`."""
    sources_dir = data_dir / "sources"
    observations, broken = _read(sources_dir, OBSERVATIONS)
    sources, broken_sources = _read(sources_dir, SOURCES)
    conflicts, broken_conflicts = _read(sources_dir, CONFLICTS)
    path = str(sources_dir / OBSERVATIONS.file_name)
    findings = sorted(audit_observations(observations, sources, conflicts, path))
    exceptions, exception_problems = read_exceptions(data_dir / EXCEPTIONS_FILE)
    by_key = {(item.observation_id, item.rule): item for item in exceptions}
    accepted = [finding for finding in findings if (finding.observation_id, finding.rule) in by_key]
    needed = {(finding.observation_id, finding.rule) for finding in findings}
    stale = [
        Finding(
            str(data_dir / EXCEPTIONS_FILE),
            item.number,
            "-",
            f"{item.observation_id} {item.rule}: no finding needs this exception any more; delete it",
            "exceptions",
            item.observation_id,
        )
        for item in exceptions
        if (item.observation_id, item.rule) not in needed
    ]
    still_open = [finding for finding in findings if (finding.observation_id, finding.rule) not in by_key]
    problems = [*broken, *broken_sources, *broken_conflicts, *exception_problems, *stale]
    return AuditResult(
        observations=len(observations),
        findings=tuple(findings + problems),
        accepted=tuple(accepted),
        open=tuple(sorted(still_open + problems)),
        exceptions=tuple(exceptions),
    )


def report(result: AuditResult, data_version: str) -> str:
    """`docs/data-audit.md`: the counts by rule, what each rule checks, and every accepted exception."""
    lines = [
        "# Data audit",
        "",
        "Generated by `sdcf-metrics audit --report docs/data-audit.md` from `data/sources/` and",
        f"`data/{EXCEPTIONS_FILE}` (data version {data_version}); `tests/test_audit.py` keeps it current.",
        f"{result.observations} observations checked.",
        "",
        "| rule | what it checks | findings | accepted | open |",
        "|---|---|---:|---:|---:|",
    ]
    counts = result.counts()
    for rule in RULES:
        found, accepted, still_open = counts[rule.id]
        lines.append(f"| `{rule.id}` | {rule.checks} | {found} | {accepted} | {still_open} |")
    lines += ["", "## Accepted exceptions", ""]
    reasons = {(item.observation_id, item.rule): item.reason for item in result.exceptions}
    for rule in RULES[:-1]:
        accepted_here = [finding for finding in result.accepted if finding.rule == rule.id]
        if not accepted_here:
            continue
        lines += [f"### `{rule.id}` ({len(accepted_here)})", ""]
        lines += [
            f"- {finding.observation_id}: {reasons[(finding.observation_id, rule.id)]}"
            for finding in sorted(accepted_here, key=lambda finding: finding.row)
        ]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
