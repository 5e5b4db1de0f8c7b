"""deploy/prometheus and deploy/grafana: promtool accepts the config and the rules, the rules' unit tests
(KRX-hours silencing, each alert) pass, every dashboard query parses, and the dashboard's uids are fixed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml
from support.private_services import missing_service

from trading.config import PROJECT_ROOT

PROM = PROJECT_ROOT / "deploy" / "prometheus"
GRAFANA = PROJECT_ROOT / "deploy" / "grafana"


def _promtool(*args: str, cwd: Path = PROM) -> str:
    tool = shutil.which("promtool")
    if tool is None:
        missing_service("promtool (Debian package prometheus)", "not on PATH")
    done = subprocess.run([tool, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_promtool_checks_the_config_and_the_rules():
    assert "SUCCESS" in _promtool("check", "config", "prometheus.yml")
    out = _promtool("check", "rules", "rules/gslts.rules.yml")
    assert "SUCCESS: 8 rules found" in out


def test_alert_rules_unit_tests_pass():
    """Feed stale fires in the session only (not after 15:30 KST, not on Saturday), kill switch and
    halted, reject spike, Celery with no worker (absent or old heartbeat)."""
    assert "SUCCESS" in _promtool("test", "rules", "gslts.rules.test.yml", cwd=PROM / "rules")


def _dashboard() -> dict:
    return json.loads((GRAFANA / "dashboards" / "gslts.json").read_text(encoding="utf-8"))


def test_dashboard_queries_parse_and_uids_are_fixed(tmp_path):
    board = _dashboard()
    assert board["uid"] == "gslts-overview"
    source = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "gslts.yml").read_text())
    uid = source["datasources"][0]["uid"]
    exprs = []
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            assert panel["datasource"]["uid"] == target["datasource"]["uid"] == uid, panel["title"]
            exprs.append(target["expr"])
    assert len(exprs) >= 20
    # promtool parses every query as a recording rule's expression.
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:q{k}", "expr": e} for k, e in enumerate(exprs)
    ]}]}  # fmt: skip
    (tmp_path / "dashboard.rules.yml").write_text(yaml.safe_dump(rules))
    assert f"SUCCESS: {len(exprs)} rules found" in _promtool(
        "check", "rules", "dashboard.rules.yml", cwd=tmp_path
    )
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "gslts.yml").read_text())
    assert provider["providers"][0]["type"] == "file"


def _known_names() -> set[str]:
    from prometheus_client.metrics import MetricWrapperBase

    from app.metrics import SESSION_OPEN
    from trading import metrics
    from workers.recorder import metrics as recorder

    names = {m._name for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)}
    names |= {row[0] for row in (*recorder.GAUGES, *recorder.WRITER_COUNTERS, *recorder.FEED_COUNTERS)}
    names.add(SESSION_OPEN)  # computed at each scrape (app/metrics.py)
    names |= {"gslts_recorder_up", "gslts_recorder_status", "gslts_recorder_db_up", "gslts_recorder_waiting",
              "gslts_recorder_connections", "gslts_recorder_universe_codes", "gslts_recorder_tick_to_db_seconds",
              "gslts_recorder_connection_last_tick_age_seconds"}  # fmt: skip
    return names


def test_rules_and_dashboard_use_only_metrics_the_app_exports():
    known = _known_names()
    text = (PROM / "rules" / "gslts.rules.yml").read_text() + (
        GRAFANA / "dashboards" / "gslts.json"
    ).read_text()
    used = set(re.findall(r"\bgslts_[a-z_]+", text))
    base = {re.sub(r"_(total|bucket|count|sum)$", "", n) for n in used}
    assert base - known == set()
    assert {"gslts_orders", "gslts_kill_switch", "gslts_celery_heartbeat_timestamp_seconds"} <= base
