"""How each language of the sources writes numbers and qualifies them: the one table the audit reads.

`groups` are the thousands separators a language uses (a number may also be written without one), and
`decimal` its decimal mark. `words` are the words that say a qualifier (`about`, `more_than`...); `weak`
words may say it but often mean something else ("over the year", Danish "over" as "across"), so they
support a stored qualifier but never contradict an exact figure. Words are matched in lower case, as
whole words; a word ending in an apostrophe or a space is matched as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

_SPACES = (" ", "\u00a0", "\u202f")
_SWISS = ("'", "’")


@dataclass(frozen=True)
class LanguageWords:
    """How one language writes numbers and qualifiers."""

    language: str
    groups: tuple[str, ...]
    decimal: str
    words: Mapping[str, tuple[str, ...]]
    weak: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


LANGUAGE_WORDS: tuple[LanguageWords, ...] = (
    LanguageWords(
        "en",
        groups=(",", *_SPACES),
        decimal=".",
        words={
            "about": ("about", "around", "approximately", "roughly", "circa", "some", "a million"),
            "more_than": ("more than", "in excess of", "upwards of", "over", "exceeded", "above"),
            "nearly": ("nearly", "almost", "close to", "approaching", "just under", "approached"),
            "at_least": ("at least", "no fewer than", "not less than"),
            "less_than": ("less than", "fewer than", "under", "not even"),
            "up_to": ("up to", "a maximum of", "at most"),
        },
        weak={"more_than": ("over",), "less_than": ("under",), "about": ("some",)},
    ),
    LanguageWords(
        "fr",
        groups=(*_SPACES, ".", *_SWISS),
        decimal=",",
        words={
            "about": (
                "environ",
                "quelque",
                "quelques",
                "autour de",
                "une vingtaine",
                "une trentaine",
                "une quarantaine",
                "une cinquantaine",
                "une centaine",
                "un millier",
                "près d'un millier",
                "un million",
            ),
            "more_than": ("plus de", "plus d'", "dépassé", "au-delà de", "passé"),
            "nearly": ("près de", "près d'", "presque", "quasi", "pas loin de"),
            "at_least": ("au moins", "pas moins de"),
            "less_than": ("moins de", "moins d'"),
            "up_to": ("jusqu'à", "au maximum", "au plus"),
        },
        weak={"more_than": ("passé",)},
    ),
    LanguageWords(
        "de",
        groups=(".", *_SPACES, *_SWISS),
        decimal=",",
        words={
            "about": (
                "rund",
                "etwa",
                "ungefähr",
                "circa",
                "ca.",
                "zirka",
                "gut",
                "zwei dutzend",
                "schätzungsweise",
            ),
            "more_than": ("über", "mehr als", "überschritten", "knapp über"),
            "nearly": ("knapp", "fast", "beinahe", "nahezu"),
            "at_least": ("mindestens", "nicht weniger als", "wenigstens"),
            "less_than": ("weniger als", "unter", "nicht einmal"),
            "up_to": ("bis zu", "höchstens", "maximal"),
        },
        weak={"about": ("gut",), "less_than": ("unter",)},
    ),
    LanguageWords(
        "nl",
        groups=(".", *_SPACES),
        decimal=",",
        words={
            "about": ("ongeveer", "zo'n", "rond de", "circa", "ca.", "zowat"),
            "more_than": ("ruim", "meer dan"),
            "nearly": ("bijna", "nagenoeg"),
            "at_least": ("ten minste", "minstens", "tenminste"),
            "less_than": ("minder dan",),
            "up_to": ("tot", "maximaal", "hooguit"),
        },
        weak={"up_to": ("tot",)},
    ),
    LanguageWords(
        "es",
        groups=(".", *_SPACES),
        decimal=",",
        words={
            "about": (
                "unos",
                "unas",
                "alrededor de",
                "aproximadamente",
                "cerca de",
                "en torno a",
                "un millón",
            ),
            "more_than": ("más de", "y pico", "pasaron de", "superó", "supera"),
            "nearly": ("casi", "cerca de", "poco menos de", "rozó"),
            "at_least": ("al menos", "no menos de", "como mínimo"),
            "less_than": ("menos de",),
            "up_to": ("hasta",),
        },
        weak={"up_to": ("hasta",), "more_than": ("superó", "supera", "pasaron de")},
    ),
    LanguageWords(
        "ca",
        groups=(".", *_SPACES),
        decimal=",",
        words={
            "about": ("uns", "unes", "al voltant de", "aproximadament", "prop de", "entorn de"),
            "more_than": ("més de", "superen", "supera"),
            "nearly": ("gairebé", "prop de", "quasi"),
            "at_least": ("almenys", "com a mínim"),
            "less_than": ("menys de",),
            "up_to": ("fins a",),
        },
    ),
    LanguageWords(
        "pt",
        groups=(".", *_SPACES),
        decimal=",",
        words={
            "about": ("cerca de", "uns", "umas", "aproximadamente", "perto de", "à volta de"),
            "more_than": ("mais de", "acima de"),
            "nearly": ("quase", "cerca de", "perto de"),
            "at_least": ("pelo menos", "no mínimo"),
            "less_than": ("menos de",),
            "up_to": ("até",),
        },
        weak={"up_to": ("até",)},
    ),
    LanguageWords(
        "da",
        groups=(".", *_SPACES),
        decimal=",",
        words={
            "about": ("omkring", "cirka", "ca."),
            "more_than": ("over", "mere end", "flere end", "godt"),
            "nearly": ("næsten", "knap", "nærmere"),
            "at_least": ("mindst", "i hvert fald"),
            "less_than": ("under", "mindre end", "færre end"),
            "up_to": ("op til", "højst"),
        },
        weak={"more_than": ("over", "godt"), "less_than": ("under",)},
    ),
    LanguageWords(
        "no",
        groups=(*_SPACES, "."),
        decimal=",",
        words={
            "about": ("omkring", "rundt", "cirka", "ca.", "om lag"),
            "more_than": ("over", "mer enn", "flere enn", "i overkant av", "drøyt"),
            "nearly": ("nesten", "nær", "snaut"),
            "at_least": ("minst",),
            "less_than": ("under", "mindre enn", "færre enn"),
            "up_to": ("opp til", "inntil"),
        },
        weak={"more_than": ("over",), "less_than": ("under",), "nearly": ("nær",)},
    ),
    LanguageWords(
        "sv",
        groups=(*_SPACES, "."),
        decimal=",",
        words={
            "about": ("ungefär", "omkring", "cirka", "ca.", "runt"),
            "more_than": ("över", "mer än", "fler än", "drygt"),
            "nearly": ("nästan", "närmare", "knappt"),
            "at_least": ("minst",),
            "less_than": ("under", "mindre än", "färre än"),
            "up_to": ("upp till",),
        },
        weak={"less_than": ("under",)},
    ),
    LanguageWords(
        "is",
        groups=(".", *_SPACES),
        decimal=",",
        words={
            "about": ("um", "u.þ.b.", "í kringum"),
            "more_than": ("yfir", "rúmlega", "meira en", "fleiri en"),
            "nearly": ("hátt í", "tæplega", "nærri", "næstum"),
            "at_least": ("að minnsta kosti", "minnst"),
            "less_than": ("undir", "færri en", "minna en"),
            "up_to": ("allt að",),
        },
        weak={"about": ("um",)},
    ),
    LanguageWords(
        "it",
        groups=(".", *_SPACES),
        decimal=",",
        words={
            "about": ("circa", "intorno a", "all'incirca"),
            "more_than": ("oltre", "più di"),
            "nearly": ("quasi", "poco meno di"),
            "at_least": ("almeno",),
            "less_than": ("meno di",),
            "up_to": ("fino a",),
        },
    ),
    LanguageWords(
        "el",
        groups=(".", *_SPACES),
        decimal=",",
        words={
            "about": ("περίπου", "γύρω στους", "γύρω στις"),
            "more_than": ("πάνω από", "περισσότερους από", "περισσότερα από", "άνω των"),
            "nearly": ("σχεδόν",),
            "at_least": ("τουλάχιστον",),
            "less_than": ("λιγότερο από", "κάτω από"),
            "up_to": ("έως", "μέχρι"),
        },
    ),
    LanguageWords(
        "fi",
        groups=(*_SPACES,),
        decimal=",",
        words={
            "about": ("noin", "suunnilleen", "arviolta"),
            "more_than": ("yli",),
            "nearly": ("lähes", "melkein", "vajaa"),
            "at_least": ("vähintään", "ainakin"),
            "less_than": ("alle",),
            "up_to": ("enintään", "jopa"),
        },
    ),
)


def _nynorsk(bokmal: LanguageWords) -> LanguageWords:
    """Norwegian Nynorsk: Bokmål's numbers and words, with its own 'more than' (meir enn, fleire enn)."""
    more_than = ("over", "meir enn", "fleire enn", "i overkant av", "drygt")
    return replace(bokmal, language="nn", words={**bokmal.words, "more_than": more_than})


LANGUAGE_WORDS = (
    *LANGUAGE_WORDS,
    _nynorsk(next(entry for entry in LANGUAGE_WORDS if entry.language == "no")),
)
WORDS_BY_LANGUAGE: dict[str, LanguageWords] = {entry.language: entry for entry in LANGUAGE_WORDS}
