"""What the Compare cities and Your city pages share: the verdict on whether compared figures are comparable,
and the choice of the kind of period a chart over time shows (the divisors are `views.load_denominators`)."""

from __future__ import annotations

import streamlit as st

from ..compare.comparison import ComparedValue, Comparison
from ..compare.describe import comparability_details, comparability_lines, period_groups
from ..i18n import t
from ..periods import period_group_label
from ..untrusted import escape_markdown, markdown_link, web_address
from ..views import default_period, values_in_period
from . import state
from .frame import stable_slot
from .tables import opened_expander


def comparability_verdict(comparison: Comparison, *, linked: bool = True) -> None:
    """A warning listing, one line each, how the compared figures differ, with the sources' own words in
    the details, each with a link to its source unless `linked` is off (a visitor's own file is never
    turned into links); or a note that they are counted alike. One slot whatever it says, so the elements
    under it keep their place."""
    lines = comparability_lines(comparison.latest, comparison.reference)
    with stable_slot():
        if lines:
            items = "\n".join(f"- {escape_markdown(line)}" for line in lines)
            st.warning(t("**Not directly comparable:**") + "\n\n" + items, icon=":material/warning:")
            with opened_expander(t("What each source counted, in its own words"), key="counted") as opened:
                if opened:
                    details = comparability_details(comparison.latest, comparison.reference)
                    st.markdown("\n".join(_detail(line, address, linked) for line, address in details))
        elif len(comparison.latest) > 1:
            st.success(
                t(
                    "These figures are counted in the same way: same definition, kind and length of period, "
                    "scope, and within three years of each other."
                )
            )


def _detail(line: str, address: str | None, linked: bool) -> str:
    """One item of the list of what each source counted, with a link to its source when `linked`."""
    link = " " + markdown_link(t("(open the source)"), address) if linked and web_address(address) else ""
    return "- " + escape_markdown(line) + link


def period_choice(comparison: Comparison) -> tuple[list[ComparedValue], str]:
    """The figures of the kind of period the visitor picks (kept in the URL as `period`; the reference's
    kind by default), and that kind's name: one kind of period per chart over time."""
    options = period_groups(comparison.values)
    period = state.choice(
        "period",
        t("Kind of period (one per chart)"),
        list(options),
        default_period(comparison),
        format_func=options.get,
    )
    return values_in_period(comparison, period), period_group_label(period)
