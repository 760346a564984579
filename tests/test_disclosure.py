"""Disclosure control: no count of 1-9 in a breakdown is published, nor can one be worked out.

T-01 (threshold, derived rates, status column), T-02 (a differencing attack on random tables, as a
property test) and T-04 (a scan of the built extracts for raw small counts).
"""

from __future__ import annotations

import shutil
from collections import defaultdict

import pyarrow.parquet as pq
import pytest
from fixtures import add_row, write_sources
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdcf_metrics import paths
from sdcf_metrics.figures import describe_value
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.pipeline.disclosure import QUOTE_WITHHELD, protect
from sdcf_metrics.privacy import (
    POLICY_TEXT,
    SMALL_COUNT_THRESHOLD,
    STATUS_OK,
    STATUS_SECONDARY,
    STATUS_SMALL,
    STATUSES,
    THRESHOLD_ENV,
    ThresholdError,
    policy_text,
    small_count_threshold,
)
from sdcf_metrics.queries import observation_table
from sdcf_metrics.release import read_pointer
from sdcf_metrics.store import get_store

THRESHOLD = SMALL_COUNT_THRESHOLD
METRICS = [
    {"metric_id": "clients", "kind": "count"},
    {"metric_id": "visits", "kind": "count"},
    {"metric_id": "client_rate", "kind": "rate"},
    {"metric_id": "client_change", "kind": "percent_change"},
    {"metric_id": "litter_kg", "kind": "mass"},
]


def observation(observation_id, value, breakdown=None, **overrides):
    """A typed observation of the facility `room` in 2023, from source `report`."""
    return {
        "observation_id": observation_id,
        "scope": "facility",
        "country": "Denmark",
        "region": None,
        "city_id": "copenhagen",
        "facility_id": "room",
        "metric_id": "clients",
        "breakdown": breakdown,
        "period_kind": "year",
        "period_start": "2023",
        "period_end": "2023",
        "value": None if value is None else float(value),
        "value_low": None,
        "value_high": None,
        "qualifier": "exact",
        "rate_per": None,
        "unit": "persons",
        "counted_as": "clients",
        "source_id": "report",
        "quote": f"The quote of {observation_id}.",
        "notes": f"A note on {observation_id}.",
        **overrides,
    }


def published(rows, threshold=THRESHOLD):
    return {row["observation_id"]: row for row in protect(rows, METRICS, threshold).observations}


# T-01: the threshold, zero, and figures derived from a small count ------------------------------------------


@pytest.mark.parametrize(
    ("count", "status"),
    [
        (0, STATUS_OK),
        (1, STATUS_SMALL),
        (5, STATUS_SMALL),
        (9, STATUS_SMALL),
        (10, STATUS_OK),
        (11, STATUS_OK),
    ],
)
def test_counts_below_ten_in_a_breakdown_are_withheld_with_their_rates(count, status):
    rows = [
        observation("part", count, "age=18-24"),
        observation("rate", 123.4, "age=18-24", metric_id="client_rate", unit="per 100,000"),
        observation("change", -20, "age=18-24", metric_id="client_change", unit="percent"),
    ]
    out = published(rows)
    assert {row["status"] for row in out.values()} == {status}
    if status == STATUS_OK:
        assert out["part"]["value"] == count and out["rate"]["value"] == 123.4
        assert out["part"]["quote"] == "The quote of part."
    else:
        assert all(row["value"] is None and row["notes"] is None for row in out.values())
        assert out["part"]["quote"] == QUOTE_WITHHELD.format(threshold=THRESHOLD)


def test_every_row_carries_one_of_the_statuses_and_totals_are_never_withheld():
    rows = [
        observation("total", 7),
        observation("female", 3, "sex=female"),
        observation("male", 4, "sex=male"),
    ]
    out = published(rows)
    assert set(out) == {"total", "female", "male"}
    assert {row["status"] for row in out.values()} <= set(STATUSES)
    assert out["total"]["status"] == STATUS_OK and out["total"]["value"] == 7


def test_a_total_below_ten_is_published_and_every_part_of_it_shown_as_small_zero_included():
    rows = [
        observation("total", 5),
        observation("female", 5, "sex=female"),
        observation("male", 0, "sex=male"),
    ]
    out = published(rows)
    assert out["total"]["value"] == 5
    assert out["female"]["status"] == out["male"]["status"] == STATUS_SMALL
    assert out["male"]["value"] is None, "a published 0 would give away that all five are women"


def test_zero_is_published_when_nothing_can_be_worked_out_from_it():
    rows = [
        observation("total", 120),
        observation("female", 0, "sex=female"),
        observation("male", 120, "sex=male"),
    ]
    assert {row["status"] for row in published(rows).values()} == {STATUS_OK}


def test_copenhagen_split_of_3090_users_is_published():
    rows = [
        observation("total", 3090),
        observation("women", 511, "sex=female"),
        observation("men", 2579, "sex=male"),
    ]
    assert {row["status"] for row in published(rows).values()} == {STATUS_OK}


def test_a_room_of_34_split_5_and_29_hides_both_parts():
    rows = [
        observation("total", 34),
        observation("women", 5, "sex=female"),
        observation("men", 29, "sex=male"),
    ]
    out = published(rows)
    assert out["total"]["value"] == 34
    assert (out["women"]["status"], out["men"]["status"]) == (STATUS_SMALL, STATUS_SECONDARY)
    assert out["women"]["value"] is None and out["men"]["value"] is None


def test_the_next_smallest_part_is_the_one_withheld_to_protect_a_small_one():
    rows = [
        observation("total", 500),
        observation("a", 4, "drug=cocaine"),
        observation("b", 60, "drug=heroin"),
        observation("c", 436, "drug=methadone"),
    ]
    statuses = {key: row["status"] for key, row in published(rows).items()}
    assert statuses == {"total": STATUS_OK, "a": STATUS_SMALL, "b": STATUS_SECONDARY, "c": STATUS_OK}


def test_parts_that_no_choice_can_protect_are_not_published_but_the_total_is():
    # 18 = 9 + 9: two cells "<10" adding up to 18 can only be 9 and 9.
    out = published(
        [observation("total", 18), observation("a", 9, "sex=female"), observation("b", 9, "sex=male")]
    )
    assert set(out) == {"total"} and out["total"]["value"] == 18
    assert protect([observation("total", 18)], METRICS).report.withheld_rows == 0


def test_two_small_parts_of_a_published_total_are_not_left_alone_if_they_give_each_other_away():
    # 1 + 1 + 98 = 100: "<10" and "<10" summing to 2 would be 1 and 1, so 98 is withheld too.
    rows = [
        observation("total", 100),
        observation("a", 1, "age=18-24"),
        observation("b", 1, "age=25-34"),
        observation("c", 98, "age=35+"),
    ]
    assert published(rows)["c"]["status"] == STATUS_SECONDARY


def test_averages_are_judged_by_the_count_they_imply_over_their_period():
    rows = [
        observation("rare", 0.02, "sex=female", metric_id="visits", rate_per="day", qualifier="about"),
        observation("common", 0.5, "sex=male", metric_id="visits", rate_per="day", qualifier="about"),
        observation("today", 3, "sex=male", metric_id="visits", rate_per="day", period_kind="snapshot",
                     period_start="2023-05-01", period_end="2023-05-01"),
    ]  # fmt: skip
    out = published(rows)
    assert out["rare"]["status"] == STATUS_SMALL, "0.02 a day over 2023 is 7 visits"
    assert out["common"]["status"] == STATUS_OK, "0.5 a day over 2023 is 183 visits"
    assert out["today"]["status"] == STATUS_SMALL
    assert describe_value({**out["rare"], "metric_kind": "count"}) == "withheld"


def test_approximate_figures_hide_the_whole_breakdown_when_one_part_is_small():
    rows = [
        observation("total", 40, qualifier="about"),
        observation("a", 5, "sex=female", qualifier="about"),
        observation("b", 35, "sex=male", qualifier="about"),
    ]
    out = published(rows)
    assert (out["a"]["status"], out["b"]["status"], out["total"]["status"]) == (
        STATUS_SMALL,
        STATUS_SECONDARY,
        STATUS_OK,
    )


def test_a_rate_for_a_part_withheld_to_protect_another_is_withheld_too():
    rows = [
        observation("total", 34),
        observation("women", 5, "sex=female"),
        observation("men", 29, "sex=male"),
        observation("men_rate", 12.1, "sex=male", metric_id="client_rate", source_id="other"),
        observation("men_kg", 3.5, "sex=male", metric_id="litter_kg"),
    ]
    out = published(rows)
    assert out["men_rate"]["status"] == STATUS_SECONDARY and out["men_rate"]["value"] is None
    assert out["men_kg"]["status"] == STATUS_OK, "a mass is not computed from a count of people"


def test_every_quote_stating_a_withheld_figure_is_withheld():
    quote = "52 people used the room on its first day, among them eight women."
    rows = [
        observation("total", 52, quote=quote),
        observation("women", 8, "sex=female", quote=quote),
        observation("elsewhere", 52, metric_id="visits", quote=quote),
        observation("unrelated", 12, metric_id="visits", period_end="2022", period_start="2022"),
    ]
    out = published(rows)
    assert out["total"]["value"] == 52 and out["elsewhere"]["value"] == 52
    for key in ("total", "women", "elsewhere"):
        assert "eight" not in out[key]["quote"]
    assert out["unrelated"]["quote"] == "The quote of unrelated."
    assert protect(rows, METRICS).report.withheld_quotes == 3


def test_the_threshold_can_be_set_for_a_build(monkeypatch):
    monkeypatch.setenv(THRESHOLD_ENV, "5")
    assert small_count_threshold() == 5
    rows = [observation("four", 4, "sex=female"), observation("five", 5, "sex=male")]
    statuses = {row["observation_id"]: row["status"] for row in protect(rows, METRICS).observations}
    assert statuses == {"four": STATUS_SMALL, "five": STATUS_OK}


@pytest.mark.parametrize("setting", ["2", "0", "ten", "-5", "1001", "7.5"])
def test_an_unusable_threshold_is_refused_with_a_clear_message(monkeypatch, setting):
    monkeypatch.setenv(THRESHOLD_ENV, setting)
    with pytest.raises(ThresholdError, match=THRESHOLD_ENV):
        small_count_threshold()


def test_the_policy_is_stated_in_plain_sentences_with_the_threshold_in_force(monkeypatch):
    assert "{threshold}" in POLICY_TEXT
    text = policy_text()
    assert "1 to 9" in text and "<10" in text and "Zero is shown as zero" in text
    monkeypatch.setenv(THRESHOLD_ENV, "5")
    assert "1 to 4" in policy_text() and "<5" in policy_text()


def test_a_withheld_count_reads_as_below_the_threshold_and_a_protecting_part_as_withheld():
    assert describe_value({"status": STATUS_SMALL, "value": None, "metric_kind": "count"}) == "<10"
    assert describe_value({"status": STATUS_SECONDARY, "value": None, "metric_kind": "count"}) == "withheld"
    assert describe_value({"status": STATUS_SMALL, "value": None, "metric_kind": "rate"}) == "withheld"
    assert describe_value({"status": STATUS_OK, "value": 1234.0, "qualifier": "about"}) == "about 1,234"


# T-02: a differencing attack on random tables ---------------------------------------------------------------

part_values = st.one_of(st.integers(0, 12), st.integers(0, 40))


@st.composite
def breakdown_tables(draw):
    """A total (or none) with one or two breakdown dimensions of 1-4 parts; parts may or may not add up."""
    dimensions = {
        name: draw(st.lists(part_values, min_size=1, max_size=4))
        for name in draw(st.sampled_from([["sex"], ["sex", "age"]]))
    }
    largest = max(sum(values) for values in dimensions.values())
    extra = draw(st.one_of(st.just(0), st.just(0), st.integers(1, 15)))
    total = draw(st.one_of(st.none(), st.just(largest + extra)))
    return total, dimensions


def table_rows(total, dimensions):
    rows = [] if total is None else [observation("total", total)]
    for name, values in dimensions.items():
        rows += [observation(f"{name}-{i}", value, f"{name}=part{i}") for i, value in enumerate(values)]
    return rows


def possible_values(domains, total_of_hidden, exact):
    """For each hidden cell, every value it can take when the hidden cells add up to `total_of_hidden`
    (exactly, or at most), each within its domain: brute force over sets, no interval arithmetic."""
    result = []
    for index, domain in enumerate(domains):
        sums = {0}
        for other in domains[:index] + domains[index + 1 :]:
            sums = {a + b for a in sums for b in other if a + b <= total_of_hidden}
        if exact:
            result.append({value for value in domain if total_of_hidden - value in sums})
        else:
            result.append({value for value in domain if total_of_hidden - value >= min(sums)})
    return result


def attack(total, values, out, threshold):
    """What an attacker can tell about each withheld part of one dimension from the published rows."""
    keys = [key for key in values if key in out]
    hidden = [key for key in keys if out[key]["status"] != STATUS_OK]
    shown = [out[key]["value"] for key in keys if out[key]["status"] == STATUS_OK]
    cap = total if total is not None else 10 * threshold
    largest_secondary = min([int(value) for value in shown if value > 0] or [cap])
    domains = []
    for key in hidden:
        if out[key]["status"] == STATUS_SMALL:
            lowest = 0 if total is not None and total < threshold else 1
            domains.append(set(range(lowest, min(threshold - 1, cap) + 1)))
        else:
            domains.append({0, *range(threshold, min(largest_secondary, cap) + 1)})
    if total is None:
        return dict(zip(hidden, domains, strict=True))
    # Parts that add up to their total give the attacker an equation; one listed part alone never does,
    # since nothing says it is the only one.
    exact = sum(values.values()) == total and len(values) > 1
    remainder = int(total - sum(shown))
    return dict(zip(hidden, possible_values(domains, remainder, exact), strict=True))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(breakdown_tables())
def test_no_withheld_part_can_be_worked_out_from_what_is_published(table):
    """T-02: subtract, add, and use every bound the statuses give away: each withheld part keeps two or
    more possible values. Published values are the true ones, and no 1-9 is published in a breakdown."""
    total, dimensions = table
    out = published(table_rows(total, dimensions))
    if total is not None:
        assert out["total"]["value"] == total
    for name, values in dimensions.items():
        truth = {f"{name}-{i}": value for i, value in enumerate(values)}
        present = [key for key in truth if key in out]
        assert present in ([], list(truth)), "a dimension is published whole or not at all"
        for key in present:
            if out[key]["status"] == STATUS_OK:
                assert out[key]["value"] == truth[key]
                assert not 0 < truth[key] < THRESHOLD
        for key, possible in attack(total, truth, out, THRESHOLD).items():
            assert truth[key] in possible, "the attack model must hold for the true table"
            assert len(possible) >= 2, f"{key}={truth[key]} recovered from {out}"


def test_the_attack_recovers_a_lone_small_part_when_nothing_else_is_withheld():
    """The property test can find a leak: with complementary suppression switched off, it does."""
    truth = {"sex-0": 5, "sex-1": 29}
    out = {"sex-0": {"status": STATUS_SMALL, "value": None}, "sex-1": {"status": STATUS_OK, "value": 29.0}}
    assert attack(34, truth, out, THRESHOLD) == {"sex-0": {5}}


# T-04: no raw small count in the published extracts ---------------------------------------------------------


def small_counts_published(extracts_dir):
    version = read_pointer(extracts_dir).data_version
    metrics = pq.read_table(extracts_dir / version / "metrics.parquet").to_pylist()
    counts = {row["metric_id"] for row in metrics if row["kind"] in ("count", "population")}
    rows = pq.read_table(extracts_dir / version / "observations.parquet").to_pylist()
    for row in rows:
        assert row["status"] in STATUSES
        if row["status"] != STATUS_OK:
            assert row["value"] is None and row["value_low"] is None and row["value_high"] is None
    return [
        row
        for row in rows
        if row["breakdown"]
        and row["metric_id"] in counts
        and row["status"] == STATUS_OK
        and not row["rate_per"]
        for number in (row["value"], row["value_low"], row["value_high"])
        if number is not None and 0 < number < THRESHOLD
    ]


def test_the_committed_extracts_hold_no_small_count_in_a_breakdown():
    assert small_counts_published(paths.extracts_dir(paths.PROJECT_ROOT / "data")) == []


def test_the_real_dataset_withholds_its_two_small_counts_and_the_sentences_that_state_them(tmp_path):
    shutil.copytree(paths.sources_dir(paths.PROJECT_ROOT / "data"), paths.sources_dir(tmp_path))
    publication = build(tmp_path)
    assert small_counts_published(paths.extracts_dir(tmp_path)) == []
    assert publication.disclosure.suppressed_small == 2  # Madrid's 8 women on day one; 9 methadone deaths
    rows = observation_table(get_store(paths.extracts_dir(tmp_path)))
    by_id = {row["observation_id"]: row for row in rows.to_pylist()}
    assert by_id["o0194"]["status"] == STATUS_SMALL and by_id["o0194"]["value"] is None
    assert by_id["o0193"]["value"] == 52, "the total of the first day stays published"
    assert all("ocho mujeres" not in row["quote"] for row in by_id.values())
    assert all("mod 9 året" not in row["quote"] for row in by_id.values())
    assert by_id["o0002"]["value"] == 511 and by_id["o0003"]["value"] == 2579


def test_the_build_protects_small_counts_and_records_its_settings_in_the_manifest(tmp_path):
    rows = add_row(4, observation_id="obs-female-small", breakdown="sex=other", value="3")
    write_sources(paths.sources_dir(tmp_path), observations=rows)
    publication = build(tmp_path)
    extracts = paths.extracts_dir(tmp_path)
    assert small_counts_published(extracts) == []
    manifest = (extracts / publication.data_version / "manifest.json").read_text()
    assert '"small_count_threshold": 10' in manifest and '"suppressed_small": 1' in manifest


def test_a_different_threshold_publishes_a_different_version(tmp_path, monkeypatch):
    write_sources(paths.sources_dir(tmp_path))
    default = build(tmp_path).data_version
    monkeypatch.setenv(THRESHOLD_ENV, "20")
    assert build(tmp_path).data_version != default


def test_groups_are_kept_apart_by_source_period_and_place():
    rows = [
        observation("total", 34),
        observation("women", 5, "sex=female", source_id="another report"),
        observation("men", 29, "sex=male", period_start="2022", period_end="2022"),
    ]
    statuses = defaultdict(str, {key: row["status"] for key, row in published(rows).items()})
    assert statuses["women"] == STATUS_SMALL and statuses["men"] == STATUS_OK


def test_protecting_is_deterministic_and_leaves_the_input_untouched():
    rows = table_rows(34, {"sex": [5, 29], "age": [3, 11, 20]})
    before = [dict(row) for row in rows]
    first, second = protect(rows, METRICS).observations, protect(list(reversed(rows)), METRICS).observations
    assert rows == before
    key = lambda row: row["observation_id"]  # noqa: E731
    assert sorted(first, key=key) == sorted(second, key=key)
