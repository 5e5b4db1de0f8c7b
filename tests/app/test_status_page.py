"""/admin/status and the recorder badge: admins see the health, others a Korean message."""

from __future__ import annotations

import json
import sys
import time

import dash
from flask_login import login_user

from app.auth import SessionUser
from app.components.status_badge import badge_content
from trading.orders.context import Role
from workers.recorder.health import FileHealthStore, assess
from workers.recorder.metrics import render_metrics
from workers.recorder.stats import LatencyHistogram


def _health(lag_ms: float = 300.0, db_up: bool = True, age: float = 0.0) -> dict:
    h = LatencyHistogram()
    h.observe(120, 990)
    h.observe(1900, 10)
    now = time.time() - age
    return {
        "writer": {"updated": now, "lag_ms": lag_ms, "db_up": db_up, "buffer_depth": 3, "buffer_unit": "entries",
                   "ticks_per_s": 1234.5, "committed_rows": 98765, "malformed_entries": 1, "malformed_rows": 2,
                   "db_errors": 0, "method": "load_data", "last_commit": now, "latency": h.to_dict()},
        "feed": {"updated": now, "broker": "paper", "universe": 120, "received": 99000, "malformed_events": 0,
                 "dropped": 0, "connections": [{"id": 1, "codes": 50, "last_tick_age": 0.4, "error": ""}],
                 "last_tick_age": {"005930": 0.2, "000660": 7.5}},
    }  # fmt: skip


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def test_levels():
    assert assess(_health())[0] == "green"
    assert assess(_health(lag_ms=5000))[0] == "amber"
    assert assess(_health(lag_ms=20000))[0] == "red"
    assert assess(_health(db_up=False))[0] == "red"
    assert assess(_health(age=30))[0] == "red"
    assert assess({})[:2] == ("red", "no recorder")
    assert badge_content(_health(lag_ms=5000), embedded=False)[:2] == ("REC 5.0s", "warning")
    # No recorder: red where the Procfile runs one, grey (optional) in the embedded mode.
    assert badge_content({}, embedded=False)[:2] == ("REC", "danger")
    assert badge_content({}, embedded=True)[:2] == ("REC off", "secondary")
    assert badge_content(_health(lag_ms=5000), embedded=True)[1] == "warning"


def _page_module():
    """The status page module as Dash loaded it (importing it again would register it twice)."""
    (page,) = [p for p in dash.page_registry.values() if p["path"] == "/admin/status"]
    return sys.modules[page["module"]]


def test_page_is_registered_and_admin_only(dash_app, app_settings):
    status = _page_module()
    FileHealthStore(app_settings.data_dir / "recorder" / "health.json").write("writer", _health()["writer"])
    with dash_app.server.test_request_context("/admin/status"):
        login_user(SessionUser("t1", 1, "trader", Role.ADMIN))
        page = _text(status.layout())
        assert "98,765" in page and "load_data" in page and "status-writer" in page
    with dash_app.server.test_request_context("/admin/status"):
        login_user(SessionUser("t2", 2, "viewer", Role.VIEWER))
        page = _text(status.layout())
        assert status.NOT_ADMIN in page and "98,765" not in page


def test_render_shows_connections_and_stale_stocks(dash_app):
    page = _text(_page_module().render(_health()))
    assert "000660" in page and "7.5" in page and "status-connections" in page


def test_metrics_exposition():
    out = render_metrics(_health())
    assert "# TYPE gslts_recorder_tick_to_db_seconds histogram" in out
    assert 'gslts_recorder_tick_to_db_seconds_bucket{le="+Inf"} 1000' in out
    assert "gslts_recorder_committed_rows_total 98765" in out
    assert 'gslts_recorder_connection_last_tick_age_seconds{connection="1"} 0.4' in out
    assert "gslts_recorder_status 0" in out
