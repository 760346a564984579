"""How figures from different cities are put side by side: normalised, and marked for what differs.

Cities report different things under similar names: registered users since opening against distinct
clients in a year, "overdose situations" against naloxone reversals, one room against all rooms of a
city. This module never hides that. Every compared figure carries a comparability mark relative to one
reference figure (the most recent figure of the first selected city); a derived figure (per 100,000
residents, per facility, per 1,000 consumptions) is computed here from two sourced figures, labelled
as derived, and never stored; a bound stays a bound and a range a range; nothing is ever summed.

The modules are pure: they take rows as the store returns them (`observation_details` as dicts) and
return plain values, so `tests/test_compare.py` documents every rule with a few hand-made rows.

    marks        how a figure differs from the reference (definition, kind of period, scope)
    normalise    per 100,000 residents, per facility, per 1,000 consumptions, or why not
    comparison   the reference, every figure marked and normalised, the closest per city
    describe     the words and tables: warnings, hover text, summaries, the table behind a chart
    national     national rates, compared only with each other
"""
