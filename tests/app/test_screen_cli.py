"""``gslts screen run`` as a user runs it: a subprocess on a real, seeded SQLite database."""

from __future__ import annotations

import json

import pytest
from support.cli import run_cli
from support.screen import random_bars, reference_screen

from db.engine import make_engine
from db.repositories import bars as bars_repo
from db.repositories import screens as repo
from trading.screen.spec import parse_screen


@pytest.fixture
def env_bars(tmp_path, sqlite_url):
    env = {"DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path / "data")}
    for step in (("db", "upgrade"), ("db", "seed")):
        proc = run_cli(*step, env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    engine = make_engine(sqlite_url)
    metas = repo.stock_metas(engine)[:120]
    frame = random_bars(metas, 130, seed=5)
    for col in ("open", "high", "low"):
        frame[col] = frame["close"]
    frame["volume"] = 1
    bars_repo.insert_daily_bars(engine, frame)
    engine.dispose()
    return env, tmp_path, metas, frame


def test_screen_run_json_matches_the_reference(env_bars):
    env, cwd, metas, frame = env_bars
    out = run_cli(
        "screen", "run", "--rsi-max", "55", "--market", "kospi", "--limit", "500", "--json", env=env, cwd=cwd
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    spec = parse_screen({"rsi": {"max": 55}, "markets": ["KOSPI"], "limit": 500})
    want = [c for c, _ in reference_screen(spec, metas, frame)]
    assert want and [h["code"] for h in result["hits"]] == want
    assert result["spec"]["rsi"]["max"] == 55 and result["as_of"] == frame["day"].max().isoformat()
    hit = result["hits"][0]
    assert {
        "code",
        "name",
        "sector",
        "market",
        "close",
        "change_pct",
        "value",
        "value_rank",
        "matched",
    } <= set(hit)
    assert hit["matched"]["rsi"] <= 55


def test_screen_run_spec_json_and_text_output(env_bars):
    env, cwd, *_ = env_bars
    spec = json.dumps({"ma_cross": {"direction": "golden", "within": 10}, "limit": 5})
    out = run_cli("screen", "run", "--spec", spec, "--value-rank-max", "100", env=env, cwd=cwd)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("screen as of ") and "ma_cross_day=" in out.stdout


def test_screen_run_bad_criteria_name_the_fields_in_english(env_bars):
    env, cwd, *_ = env_bars
    out = run_cli("screen", "run", "--rsi-max", "300", "--spec", '{"price_min": "x"}', env=env, cwd=cwd)
    assert out.returncode == 1
    assert (
        "rsi.max: must be between 0 and 100" in out.stderr
        and "price_min: must be a whole number" in out.stderr
    )
    bad = run_cli("screen", "run", "--spec", "{nope", env=env, cwd=cwd)
    assert bad.returncode == 1 and "--spec is not valid JSON" in bad.stderr
