"""Parsing screen specs: defaults, the JSON round trip and one (Korean, English) error per bad field."""

from __future__ import annotations

import json

import pytest

from trading.screen.spec import MacdCross, MaCross, RsiRule, ScreenError, ScreenSpec, parse_screen


def test_empty_spec_has_defaults():
    spec = parse_screen({})
    assert spec == ScreenSpec()
    assert spec.limit == 50


def test_full_spec_parses_and_round_trips_through_json():
    raw = {
        "rsi": {"period": 14, "max": "30"},
        "macd_cross": {"direction": "golden", "within": 3},
        "ma_cross": {"direction": "dead", "fast": 5, "slow": 20, "within": "2"},
        "value_rank_max": 100,
        "sectors": ["반도체", "FIN", "Health Care"],
        "markets": ["kospi"],
        "price_min": "1,000",
        "price_max": 500000,
        "us_linked": "up",
        "limit": 20,
    }
    spec = parse_screen(raw)
    assert spec.rsi == RsiRule(14, None, 30.0)
    assert spec.macd_cross == MacdCross("golden", 3, 12, 26, 9)
    assert spec.ma_cross == MaCross("dead", 2, 5, 20)
    assert spec.sectors == ("SEMI", "FIN", "HEALTH") and spec.markets == ("KOSPI",)
    assert (spec.price_min, spec.price_max, spec.us_linked, spec.limit) == (1000, 500000, "up", 20)
    again = parse_screen(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert spec.lookback() == 26 + 9 + 3


def test_blank_form_values_are_unset():
    spec = parse_screen({"rsi": None, "price_min": "", "price_max": None, "sectors": [], "us_linked": ""})
    assert spec == ScreenSpec()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"rsi": {"max": 130}}, "rsi.max"),
        ({"rsi": {"min": "abc"}}, "rsi.min"),
        ({"rsi": {"period": 1, "max": 30}}, "rsi.period"),
        ({"rsi": {"period": 14}}, "rsi.max"),  # no bound
        ({"rsi": {"min": 60, "max": 40}}, "rsi.max"),
        ({"macd_cross": {"direction": "up"}}, "macd_cross.direction"),
        ({"macd_cross": {"fast": 30, "slow": 20}}, "macd_cross.slow"),
        ({"macd_cross": {"signal": 0}}, "macd_cross.signal"),
        ({"ma_cross": {"within": 0}}, "ma_cross.within"),
        ({"ma_cross": {"slow": 500}}, "ma_cross.slow"),
        ({"ma_cross": {"slow": 120, "within": 15}}, "ma_cross.within"),
        ({"ma_cross": {"fast": 2.5}}, "ma_cross.fast"),
        ({"ma_cross": {"colour": 1}}, "ma_cross.colour"),
        ({"ma_cross": 5}, "ma_cross"),
        ({"value_rank_max": 0}, "value_rank_max"),
        ({"sectors": ["달나라"]}, "sectors"),
        ({"sectors": "SEMI,FIN"}, "sectors"),
        ({"markets": ["NASDAQ"]}, "markets"),
        ({"price_min": -1}, "price_min"),
        ({"price_min": 5000, "price_max": 1000}, "price_max"),
        ({"us_linked": "sideways"}, "us_linked"),
        ({"limit": 0}, "limit"),
        ({"limit": True}, "limit"),
        ({"volume_min": 3}, "volume_min"),
    ],
)
def test_each_bad_field_has_its_own_korean_and_english_error(raw, field):
    with pytest.raises(ScreenError) as info:
        parse_screen(raw)
    errors = info.value.errors
    assert field in errors, errors
    ko, en = errors[field]
    assert any("\uac00" <= ch <= "\ud7a3" for ch in ko), ko  # Hangul
    assert en.split(":")[0].isascii(), en
    assert field in str(info.value)


def test_all_bad_fields_are_reported_at_once():
    with pytest.raises(ScreenError) as info:
        parse_screen({"rsi": {"max": 500}, "price_min": "x", "markets": ["NYSE"], "limit": 0})
    assert set(info.value.errors) == {"rsi.max", "price_min", "markets", "limit"}


def test_not_a_dict():
    with pytest.raises(ScreenError) as info:
        parse_screen(["rsi"])  # type: ignore[arg-type]
    assert set(info.value.errors) == {"spec"}
