"""The Compare cities page as an Efus analyst meets it: the focus cities side by side, each figure marked
against a reference, a shared link that reopens the view, presets, normalisations, a time axis that can
start at each city's first opening, and national death rates apart; data text stays text.

Most tests run on the published data, whose sourced figures are the point of the page (Copenhagen's
3,090 registered users since opening, Brussels' 249, the EMCDDA rates); the hostile-text test runs on
the small fixture dataset.
"""

from __future__ import annotations

import json
import re

import pytest
from apptest_helpers import (
    build_dataset,
    chart_frames,
    chart_specs,
    has_live_markup,
    markdown_texts,
    numbers,
    run_page_in_app,
    with_tables_open,
)

from benchmarks.survey import placed_elements
from sdcf_metrics.untrusted import escape_markdown
from sdcf_metrics.views import PRESETS

PAGE = "pages/2_Compare_cities.py"
# A tag `<` that no backslash has made literal (links and images: `has_live_markup`).
LIVE_TAG = re.compile(r"(?<!\\)<[a-z]")


def points(spec: dict) -> dict[str, list]:
    """City (the y label) -> the x values drawn for it, in the figure-per-city chart."""
    drawn: dict[str, list] = {}
    for trace in spec["data"]:
        if trace.get("y") and trace["y"][0] is not None:
            # A long name is broken into lines on the chart, so that it fits a phone.
            drawn.setdefault(trace["y"][0].replace("<br>", " "), []).extend(numbers(trace["x"]))
    return drawn


def test_the_page_opens_on_the_focus_cities_and_their_sourced_registered_users():
    app = run_page_in_app(PAGE)
    assert not app.exception
    assert app.query_params["metric"] == "registered_users"
    assert app.query_params["cities"] == ["copenhagen", "amsterdam", "brussels"]
    assert app.query_params["per"] == "absolute"
    latest, _, _ = chart_frames(app)
    # Amsterdam: the 2016 figure (a seed article, one facility), not the 1998 one 16 years from the
    # reference (issue 9: a figure more than three years away weighs more than another scope).
    assert points(latest.spec) == {"Copenhagen": [3090.0], "Amsterdam": [34.0], "Brussels": [249.0]}
    assert latest.heading.startswith(
        "**" + escape_markdown("Registered users: the figure per city closest to the reference") + "**"
    )
    behind = with_tables_open(app).dataframe[0].value
    assert list(behind["City"]) == ["Copenhagen", "Amsterdam", "Brussels"]
    assert list(behind.columns[:5]) == ["City", "Period", "Figure", "Comparability", "Where"]
    assert list(behind["Comparability"]) == [
        "reference",
        "different definition, different period kind, different scope",
        "different period length, years apart, different scope",
    ]
    assert behind["Source"][0] == "Successful drug injection rooms to be open at night"
    assert list(behind["Source kind"]) == ["seed article", "seed article", "authority quoted in the news"]
    reference = next(text for text in markdown_texts(app) if text.startswith("**Reference:**"))
    assert "Copenhagen, 3,090 (registered users)" in reference
    assert escape_markdown("Found only in a seed article") in "\n".join(c.value for c in app.caption)
    (warning,) = app.warning
    assert warning.value.startswith("**Not directly comparable:**")
    assert (
        escape_markdown(
            "Running totals of different lengths: Copenhagen (reference) 24 months; Brussels 3 months."
        )
        in warning.value
    )


def test_the_reference_and_each_source_in_the_warning_details_are_one_click_away():
    app = with_tables_open(run_page_in_app(PAGE))
    reference_source = (
        "Source: [Successful drug injection rooms to be open at night]"
        "(https://cphpost.dk/2014-09-18/general/successful-drug-injection-rooms-to-be-open-at-night/)"
    )
    assert any(caption.value.startswith(reference_source) for caption in app.caption)
    (listed,) = [text for text in markdown_texts(app) if text.startswith("- ") and "Quote" in text]
    details = listed.split("\n")
    linked = {line.split("\\:")[0][2:]: "[\\(open the source\\)](https://" in line for line in details}
    # Amsterdam's figure comes from a translated article with no web address: text, not a link.
    assert linked == {"Copenhagen": True, "Amsterdam": False, "Brussels": True}


def test_a_shared_link_restores_the_metric_the_cities_and_the_normalisation():
    app = run_page_in_app(PAGE, metric="registered_users", cities=["copenhagen", "brussels"], per="per_100k")
    assert not app.exception
    assert app.multiselect[0].value == ["copenhagen", "brussels"]
    assert app.radio[0].value == "per_100k"
    latest = chart_frames(app)[0]
    drawn = points(latest.spec)
    assert drawn["Copenhagen"] == [pytest.approx(3090 / 579_513 * 100_000)]
    assert drawn["Brussels"] == [pytest.approx(249 / 185_000 * 100_000)]
    assert escape_markdown("per 100,000 residents (populations of 2014–2020)") in latest.heading
    assert escape_markdown("Population years: Copenhagen 2014; Brussels 2020.") in latest.footer
    assert escape_markdown("computed by sdcf-metrics from two sourced figures") in latest.footer
    behind = with_tables_open(app).dataframe[0].value
    assert list(behind["Compared value"]) == ["533 per 100,000 residents", "135 per 100,000 residents"]
    assert behind["Divided by"][0] == "population 579,513 (2014), Copenhagen"


def test_changing_the_normalisation_the_cities_and_the_metric_redraws_the_chart():
    app = run_page_in_app(PAGE)
    app.radio[0].set_value("per_facility").run()
    assert not app.exception
    drawn = points(chart_specs(app)[0])
    assert "Copenhagen" not in drawn  # its facility list lacks an opening date, so not computable
    assert drawn["Brussels"] == [249.0]
    assert app.query_params["per"] == "per_facility"

    app.multiselect[0].set_value(["brussels", "lisbon"]).run()
    assert set(points(chart_specs(app)[0])) == {"Brussels", "Lisbon"}
    assert app.query_params["cities"] == ["brussels", "lisbon"]

    app.selectbox[0].select("unique_clients").run()
    latest = chart_frames(app)[0]
    assert latest.heading.startswith("**" + escape_markdown("Unique clients:"))
    assert points(latest.spec)["Brussels"] == [1000.0]  # "more than 1,000 different drug users" since 2022


def test_a_figure_that_cannot_be_normalised_says_why():
    app = run_page_in_app(PAGE, per="per_facility")
    footer = chart_frames(app)[0].footer
    assert escape_markdown("Not computable, not drawn: Copenhagen (see the table).") in footer
    copenhagen, amsterdam, _ = with_tables_open(app).dataframe[0].value["Compared value"]
    # Copenhagen's rooms are counted by a source only in 2024, not on 18 September 2014.
    assert (
        copenhagen
        == "not computable: no source counts the city's facilities for the figure's date (2014-09-18)"
    )
    assert amsterdam == "34 per facility"  # a figure for one facility is already per facility


def test_a_preset_selects_the_five_solidify_partners_and_shows_which_preset_is_chosen():
    app = run_page_in_app(PAGE)
    (presets,) = [group for group in app.button_group if group.label == "Preset selections"]
    assert presets.value == "Focus cities"
    presets.set_value("SOLIDIFY partners (Efus)").run()
    assert not app.exception
    assert app.multiselect[0].value == list(PRESETS["SOLIDIFY partners (Efus)"])
    assert app.query_params["cities"] == ["barcelona", "essen", "paris", "strasbourg", "the-hague"]
    (presets,) = [group for group in app.button_group if group.label == "Preset selections"]
    assert presets.value == "SOLIDIFY partners (Efus)"
    app.multiselect[0].unselect("essen").run()
    assert [group.value for group in app.button_group if group.label == "Preset selections"] == [None]


def test_a_city_with_no_figure_for_the_metric_says_so_and_the_cities_that_report_it_are_offered():
    app = run_page_in_app(PAGE, cities=["copenhagen", "essen"])
    assert not app.exception
    assert "No sourced figure for Registered users in Essen." in [info.value for info in app.info]
    assert set(points(chart_specs(app)[0])) == {"Copenhagen"}
    (offer,) = [button for button in app.button if button.label.startswith("Compare cities that report it")]
    assert offer.label.startswith("Compare cities that report it: Copenhagen, ")
    offer.click().run()
    assert not app.exception
    chosen = app.query_params["cities"]
    assert chosen[0] == "copenhagen" and "essen" not in chosen and len(chosen) == 5
    assert not [info.value for info in app.info if info.value.startswith("No sourced figure")]


def test_a_notice_that_comes_with_another_figure_moves_nothing_under_it():
    """The browser redraws what changed, not every element a notice would push down: here, the national
    rates, which do not depend on the figure chosen."""
    app = run_page_in_app(PAGE)
    before = placed_elements(app)
    app.selectbox[0].select("visits").run()
    assert "No sourced figure for Visits in Amsterdam." in [info.value for info in app.info]
    after = placed_elements(app)
    (heading,) = [place for place, drawn in after.items() if b"Drug-induced death rates by country" in drawn]
    national = [place for place in after if place >= heading]
    assert len(national) > 5
    assert [place for place in national if before.get(place) != after[place]] == []


def test_the_time_axis_can_count_years_from_each_city_s_first_opening():
    calendar = run_page_in_app(PAGE, cities=["copenhagen", "brussels"])
    aligned = run_page_in_app(PAGE, cities=["copenhagen", "brussels"], axis="since_opening")
    assert not aligned.exception
    calendar_spec, aligned = chart_specs(calendar)[1], chart_frames(aligned)[1]
    assert calendar_spec["data"][0]["x"] == ["2014-09-18"]
    axis_title = aligned.spec["layout"]["xaxis"]["title"]["text"].replace("<br>", " ")
    assert axis_title == "Years since the city's first facility opened"
    assert escape_markdown("x axis: years since each city's first facility opened") in aligned.heading
    copenhagen = next(trace for trace in aligned.spec["data"] if trace["name"] == "Copenhagen · reference")
    # From the Halmtorvet room, October 2012, to 18 Sept 2014: the volunteer Mobile Fixerum of 2011 is not
    # an official opening, so it no longer counts as the city's first (issue 9).
    assert numbers(copenhagen["x"]) == [1.96]
    assert escape_markdown("Copenhagen 2012-10") in aligned.footer


def test_national_death_rates_are_a_separate_sorted_chart_with_the_emcdda_caveat():
    app = run_page_in_app(PAGE)
    assert any("EMCDDA discourages direct comparison" in info.value for info in app.info)
    # The latest year comes first, not the 2010 column of the 2012 bulletin that covers most countries.
    assert app.selectbox[2].value == "2018"
    app.selectbox[2].select("2010").run()
    national = chart_specs(app)[2]
    (bars,) = national["data"]
    rates = numbers(bars["x"])
    assert rates == sorted(rates, reverse=True)
    assert len(rates) == 30
    assert bars["y"][0] == "Estonia"
    assert "Denmark" in bars["y"] and "Copenhagen" not in bars["y"]

    app.selectbox[2].select("2016").run()
    (bars,) = chart_specs(app)[2]["data"]
    assert bars["y"] == ["Denmark", "Germany", "Spain"]


def test_untrusted_city_names_stay_text_on_the_page_and_in_every_chart(tmp_path, monkeypatch):
    image = "<img src=x onerror=alert(1)>"
    link = "[x](javascript:alert(1))"

    def rename(rows):
        names = {"copenhagen": image, "brussels": link}
        return [{**row, "name": names.get(row["city_id"], row["name"])} for row in rows]

    monkeypatch.setenv("SDCF_DATA_DIR", str(build_dataset(tmp_path, cities=rename)))
    app = run_page_in_app(PAGE, metric="visits", cities=["copenhagen", "brussels"], axis="since_opening")
    app = with_tables_open(app)
    assert not app.exception
    texts = markdown_texts(app)
    assert not [text for text in texts if has_live_markup(text) or LIVE_TAG.search(text)]
    assert any(escape_markdown(image) in text for text in texts)
    assert any(escape_markdown(link) in text for text in texts)

    specs = chart_specs(app)
    assert len(specs) == 3
    for spec in specs:
        assert "<img" not in json.dumps(spec)
    latest, over_time, _ = specs
    assert set(points(latest)) == {"&lt;img src=x onerror=alert(1)&gt;", link}
    legend_entry = over_time["data"][0]["name"].replace("<br>", " ")
    assert legend_entry == "&lt;img src=x onerror=alert(1)&gt; · reference"
    summaries = [text.value for text in app.text]
    assert summaries[0].startswith(
        "Visits, as reported, the figure per city closest to the reference. " + image
    )
