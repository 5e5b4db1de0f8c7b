"""Navbar badge: recorder health as green / amber / red with the current lag (refreshes every 5 s)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.text import t
from workers.recorder.health import COLORS, assess, waiting_for


def _read() -> dict:
    from app.runtime import runtime
    from workers.recorder.metrics import load_health

    try:
        return load_health(runtime().settings)
    except Exception:  # noqa: BLE001 - Redis away: show red, never break the navbar
        return {}


def badge_content(health: dict | None = None, embedded: bool | None = None) -> tuple[str, str, str]:
    """(text, bootstrap colour, tooltip) for the current health.

    No recorder at all is red in full mode (its Procfile entry is down) but only grey in the embedded
    mode, where recording is optional (`gslts record`) and trading works without it.
    """
    health = health if health is not None else _read()
    if embedded is None:
        from app.runtime import runtime

        embedded = runtime().settings.embedded
    level, reason, lag = assess(health)
    if embedded and reason == "no recorder":
        return "REC off", "secondary", "recorder: not running (optional here; start it with `gslts record`)"
    waiting = waiting_for(health)
    if waiting:
        what = t(f"recorder.dep_{waiting}") if waiting in ("redis", "database") else waiting
        return (
            f"REC {t('recorder.waiting_badge', what=what)}",
            COLORS[level],
            t("recorder.waiting_title", what=what),
        )
    text = "REC" if lag is None else f"REC {lag:.1f}s"
    return text, COLORS[level], f"recorder: {reason}"


def status_badge() -> html.Span:
    """The badge plus its refresh interval; links to /admin/status."""
    text, color, title = badge_content()
    return html.Span(
        [
            html.A(
                dbc.Badge(text, color=color, id="recorder-badge", title=title, className="ms-2"),
                href="/admin/status",
            ),
            dcc.Interval(id="recorder-badge-interval", interval=5000),
        ]
    )


@dash.callback(
    output=dict(
        text=dash.Output("recorder-badge", "children"),
        color=dash.Output("recorder-badge", "color"),
        title=dash.Output("recorder-badge", "title"),
    ),
    inputs=[dash.Input("recorder-badge-interval", "n_intervals")],
    prevent_initial_call=True,
)
def _refresh(_n: int | None) -> dict[str, str]:
    text, color, title = badge_content()
    return {"text": text, "color": color, "title": title}
