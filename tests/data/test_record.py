"""The Work Programme record tables: they load typed, every figure is sourced and tagged, and a
broken CSV is reported by file and line."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

from pbrlab.data import record
from pbrlab.data.record import Row, load, tables, value
from pbrlab.errors import InputError

REQUIRED = {
    "first_14_months_all": 0.036,
    "first_14_months_jsa_25_plus": 0.034,
    "cohort_12m_2011_06": 0.085,
    "cohort_12m_2012_06": 0.130,
    "cohort_12m_2012_09": 0.12,
    "completers_jsa_25_plus": 0.27,
    "completers_esa_flow": 0.11,
    "cumulative_job_outcomes_2012_07": 31000,
    "cumulative_job_outcomes_2013_06": 168000,
    "cumulative_job_outcomes_2014_03": 296000,
    "cumulative_job_outcomes_2014_06": 331000,
    "sustainment_median_2011_09": 16,
    "sustainment_median_2011_12": 13,
    "sustainment_median_2012_03": 11,
    "sustainment_median_2012_06": 8,
    "sustainment_median_2012_09": 5,
    "sustainment_median_2012_12": 1,
    "sustainment_median_2013_03": 0,
    "year_2_performance_esa_flow": 0.053,
    "year_2_performance_jsa_18_24": 0.32,
    "expected_first_14_months_all": 0.119,
    "esa_spend_per_participant": 630,
    "esa_spend_per_participant_planned": 1360,
    "subcontractors_no_referrals_first_year": 1 / 3,
}
"""Ids the model's calibration and validation code relies on, with their published values."""

REPORTS = re.compile(
    r"\b(PAC|NAO|WPC|DWP|HoC|ONS)\b|record §|inputs-and-market §|Channel 4|Journal"
)
"""Sources without a URL must name the report (or the section of the reference file) instead."""

TIME_UNITS = {"days", "weeks", "months", "years", "hours"}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {name: load(name) for name in tables()}


@pytest.mark.parametrize("name", tables())
def test_every_table_loads_typed(name: str) -> None:
    frame = load(name)
    assert len(frame) > 0
    assert list(frame.columns) == list(record.SCHEMAS[name])
    assert frame["value"].dtype == "float64"
    assert isinstance(frame["tag"].dtype, pd.CategoricalDtype)
    assert list(frame["tag"].cat.categories) == ["F", "S", "I"]
    for column, kind in record.SCHEMAS[name].items():
        if kind.startswith("date"):
            assert pd.api.types.is_datetime64_any_dtype(frame[column]), column
    if "payment_group" in frame:
        assert set(frame["payment_group"].dropna()) <= set(record.PAYMENT_GROUPS)


def test_load_returns_a_copy() -> None:
    frame = load("outcomes")
    frame.loc[0, "value"] = -1.0
    assert load("outcomes").loc[0, "value"] != -1.0


def test_units_are_allowed_and_consistent_per_measure(frames: dict[str, pd.DataFrame]) -> None:
    for name, frame in frames.items():
        assert set(frame["unit"]) <= record.UNITS, name
        key = next(k for k in ("measure", "payment", "rule") if k in frame)
        units = frame.groupby(key)["unit"].nunique()
        assert (units == 1).all(), f"{name}: several units for {list(units[units > 1].index)}"
        assert frame[key].str.fullmatch(r"[a-z0-9_]+").all(), name
        rates = frame[frame[key].str.contains(r"rate|share")]
        assert (rates["unit"] == "share").all(), f"{name}: {list(rates[key].unique())}"


def test_values_fit_their_units(frames: dict[str, pd.DataFrame]) -> None:
    every = pd.concat(frames.values(), ignore_index=True)
    by_unit = dict(tuple(every.groupby("unit")))
    shares = by_unit["share"]["value"]
    assert shares.between(0.0, 1.0).all()
    for unit in ("count", "payments", "count_change"):
        whole = by_unit[unit]["value"]
        assert (whole == whole.round()).all(), unit
    assert (by_unit["count"]["value"] > 0).all()
    assert (by_unit["payments"]["value"] >= 0).all()
    assert (by_unit["count_change"]["value"] != 0).all()
    assert (by_unit["ratio"]["value"] > 0).all()
    gbp = by_unit["gbp"]
    assert (gbp["value"] >= 0).all()
    assert list(gbp.loc[gbp["value"] == 0, "id"]) == ["attachment_fee_y4"]  # abolished from year 4
    times = every[every["unit"].isin(TIME_UNITS)]["value"]
    assert (times > 0).all()


def test_required_ids_exist_with_published_values() -> None:
    for row_id, expected in REQUIRED.items():
        row = value(row_id)
        assert row.value == pytest.approx(expected, abs=1e-6), row_id
    assert value("cohort_12m_2012_09").tag == "S"
    assert value("subcontractors_no_referrals_first_year").tag == "S"
    assert value("esa_spend_per_participant").unit == "gbp"
    assert value("sustainment_median_2011_09").unit == "payments"
    assert value("cumulative_job_outcomes_2014_06").unit == "count"
    medians = (
        load("outcomes")
        .set_index("id")
        .loc[[k for k in REQUIRED if k.startswith("sustainment_median_")]]
    )
    assert (medians["as_at"] == pd.Timestamp("2013-03-31")).all()
    assert list(medians["period_start"].dt.strftime("%Y-%m")) == [
        "2011-09",
        "2011-12",
        "2012-03",
        "2012-06",
        "2012-09",
        "2012-12",
        "2013-03",
    ]


def test_every_row_is_sourced_and_tagged(frames: dict[str, pd.DataFrame]) -> None:
    for name, frame in frames.items():
        assert frame["tag"].notna().all(), name
        assert set(frame["tag"]) <= {"F", "S", "I"}, name
        for row_id, source in zip(frame["id"], frame["source"], strict=True):
            assert "http" in source or REPORTS.search(source), f"{name} {row_id}: {source}"


def test_inferences_say_so(frames: dict[str, pd.DataFrame]) -> None:
    """An [I] row points at the reference file's own inference, never at a published source."""
    every = pd.concat(frames.values(), ignore_index=True)
    inferred = every[every["tag"] == "I"]
    assert len(inferred) > 0
    assert inferred["source"].str.contains(r"\[I\]").all()


def test_ids_unique_across_tables(frames: dict[str, pd.DataFrame]) -> None:
    ids = pd.concat([f["id"] for f in frames.values()], ignore_index=True)
    assert not ids.duplicated().any(), list(ids[ids.duplicated()])


def test_dates_and_periods_parse_and_are_ordered(frames: dict[str, pd.DataFrame]) -> None:
    assert frames["referrals"]["date"].notna().all()
    for name, frame in frames.items():
        if {"period_start", "period_end"} <= set(frame.columns):
            both = frame.dropna(subset=["period_start", "period_end"])
            assert (both["period_start"] <= both["period_end"]).all(), name
        for column in ("date", "period_start", "period_end", "as_at"):
            if column in frame:
                dates = frame[column].dropna()
                assert dates.between("2009-01-01", "2024-12-31").all(), (name, column)
    for period in frames["unemployment"]["period"]:
        start, _, end = period.partition("/")
        assert pd.Period(start) <= pd.Period(end or start), period


def test_value_finds_a_row_in_any_table() -> None:
    row = value("cohort_12m_2012_06")
    assert row == Row("outcomes", "cohort_12m_2012_06", 0.13, "share", "F", row.source)
    assert "http" in row.source
    assert value("primes").table == "market"
    assert value("jsa_18_24_max_total_y1").value == 3810
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.value = 0.0  # type: ignore[misc]
    with pytest.raises(KeyError, match="no_such_row"):
        value("no_such_row")


GOOD = (
    "id,measure,value,unit,tag,source\n"
    "primes,primes,18,count,F,https://example.org : '18 prime contractors'\n"
    "bid_discount,bid_discount,0.06,share,S,https://example.org : '6 per cent'\n"
)


def _broken(tmp_path: Path, text: str) -> InputError:
    (tmp_path / "market.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        record._read("market", tmp_path)
    assert caught.value.file == str(tmp_path / "market.csv")
    return caught.value


def test_reader_accepts_a_good_file(tmp_path: Path) -> None:
    (tmp_path / "market.csv").write_text(GOOD, encoding="utf-8")
    assert list(record._read("market", tmp_path)["id"]) == ["primes", "bid_discount"]


@pytest.mark.parametrize(
    ("old", "new", "where", "problem"),
    [
        (",F,https", ",X,https", "line 2 (id primes), column tag", "expected a tag"),
        (",18,", ",eighteen,", "line 2 (id primes), column value", "expected a number"),
        (",0.06,", ",6,", "line 3 (id bid_discount), column value", "share in [0, 1], found 6"),
        (
            "bid_discount,bid",
            "primes,bid",
            "line 3 (id primes)",
            "repeated id; first used on line 2",
        ),
        (
            ",S,https://example.org : '6 per cent'",
            ",S,",
            "line 3 (id bid_discount), column source",
            "empty",
        ),
        (",count,", ",dozens,", "line 2 (id primes), column unit", "expected a unit"),
        (
            "6 per cent'\n",
            "6 per cent',extra\n",
            "line 3 (id bid_discount)",
            "expected 6 fields, found 7",
        ),
    ],
)
def test_reader_names_file_line_and_problem(
    tmp_path: Path, old: str, new: str, where: str, problem: str
) -> None:
    error = _broken(tmp_path, GOOD.replace(old, new, 1))
    assert error.where == where
    assert problem in error.problem
    assert str(tmp_path / "market.csv") in str(error)


def test_reader_names_a_missing_column(tmp_path: Path) -> None:
    error = _broken(tmp_path, GOOD.replace(",tag,", ",", 1))
    assert error.where == "header"
    assert "missing ['tag']" in error.problem


def test_unknown_table_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown table 'nonsense'"):
        load("nonsense")
