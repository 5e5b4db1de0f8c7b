"""The /screen page's logic without Dash callbacks: form values → screen dict → run → what the page shows.

Kept out of ``app/pages/screen.py`` so tests (and other pages) can import it: a page module is
re-imported by Dash for every app and registers its page and callbacks when imported.
"""

from __future__ import annotations

import time
from typing import Any

import dash_bootstrap_components as dbc

from app.components.data import sector_name
from app.runtime import runtime
from app.text import t
from trading.krx.fmt import amount_en, amount_kr
from trading.screen.spec import ScreenError

# error key of trading.screen.spec → the form field (component id) it belongs to
FIELDS: dict[str, str] = {
    "rsi.period": "screen-rsi-period",
    "rsi.min": "screen-rsi-min",
    "rsi.max": "screen-rsi-max",
    "macd_cross.direction": "screen-macd",
    "macd_cross.within": "screen-macd-within",
    "macd_cross.fast": "screen-macd-fast",
    "macd_cross.slow": "screen-macd-slow",
    "macd_cross.signal": "screen-macd-signal",
    "ma_cross.direction": "screen-ma",
    "ma_cross.within": "screen-ma-within",
    "ma_cross.fast": "screen-ma-fast",
    "ma_cross.slow": "screen-ma-slow",
    "value_rank_max": "screen-rank",
    "sectors": "screen-sectors",
    "markets": "screen-markets",
    "price_min": "screen-price-min",
    "price_max": "screen-price-max",
    "us_linked": "screen-us",
    "limit": "screen-limit",
}
DEFAULTS = {"screen-rsi-period": 14, "screen-macd-within": 3, "screen-macd-fast": 12, "screen-macd-slow": 26,
            "screen-macd-signal": 9, "screen-ma-within": 3, "screen-ma-fast": 5, "screen-ma-slow": 20,
            "screen-limit": 50}  # fmt: skip


def spec_from_form(v: dict[str, Any]) -> dict[str, Any]:
    """The screen dict of the form's values (by component id); empty criteria are left out."""
    spec: dict[str, Any] = {}
    if v.get("screen-rsi-min") is not None or v.get("screen-rsi-max") is not None:
        spec["rsi"] = {"period": v.get("screen-rsi-period"), "min": v.get("screen-rsi-min"),
                       "max": v.get("screen-rsi-max")}  # fmt: skip
    if v.get("screen-macd"):
        spec["macd_cross"] = {"direction": v["screen-macd"], "within": v.get("screen-macd-within"),
                              "fast": v.get("screen-macd-fast"), "slow": v.get("screen-macd-slow"),
                              "signal": v.get("screen-macd-signal")}  # fmt: skip
    if v.get("screen-ma"):
        spec["ma_cross"] = {"direction": v["screen-ma"], "within": v.get("screen-ma-within"),
                            "fast": v.get("screen-ma-fast"), "slow": v.get("screen-ma-slow")}  # fmt: skip
    for key in ("value_rank_max", "price_min", "price_max", "us_linked", "limit", "sectors", "markets"):
        value = v.get(FIELDS[key])
        if value not in (None, "", []):
            spec[key] = value
    return spec


def rows_for(hits: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Grid rows from hit dicts (``ScreenHit.to_dict``)."""
    fmt = amount_en if lang == "en" else amount_kr
    return [
        {
            "code": h["code"],
            "label": f"{h['name_en'] if lang == 'en' else h['name']} ({h['code']})",
            "market": h["market"],
            "sector": sector_name(h["sector"], lang),
            "close": h["close"],
            "change_pct": h["change_pct"],
            "value": h["value"],
            "value_text": fmt(h["value"]),
            "value_rank": h["value_rank"],
            "rsi": h["matched"].get("rsi"),
            "macd_cross_day": h["matched"].get("macd_cross_day"),
            "ma_cross_day": h["matched"].get("ma_cross_day"),
        }
        for h in hits
    ]


def run_form(values: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the page shows after a run: rows, status, an alert and one error text per field."""
    from services.screens import run

    errors = {cid: "" for cid in FIELDS.values()}
    out: dict[str, Any] = {"rows": [], "status": "", "alert": None, "errors": errors}
    started = time.perf_counter()
    try:
        result = run(runtime().engine, spec_from_form(values))
    except ScreenError as err:
        other = []
        for key, (ko, en) in err.errors.items():
            msg = en if lang == "en" else ko
            if key in FIELDS:
                errors[FIELDS[key]] = msg
            else:
                other.append(f"{key}: {msg}")
        if other:
            out["alert"] = dbc.Alert(
                t("screen.invalid", lang, err="; ".join(other)), color="danger", className="small"
            )
        return out
    except Exception as err:  # noqa: BLE001 - shown on the page
        out["alert"] = dbc.Alert(t("screen.failed", lang, err=err), color="warning", className="small")
        return out
    ms = round((time.perf_counter() - started) * 1000)
    data = result.to_dict()
    out["rows"] = rows_for(data["hits"], lang)
    if result.as_of is None:
        out["status"] = t("screen.no_bars", lang)
        return out
    out["status"] = t("screen.count", lang, n=len(out["rows"]), day=data["as_of"], total=result.stocks, ms=ms)
    if result.spec.us_linked is not None:
        if result.report_day is None:
            out["alert"] = dbc.Alert(
                t("screen.no_report", lang), color="warning", className="small", id="screen-no-report"
            )
        else:
            names = ", ".join(sector_name(c, lang) for c in result.us_sectors) or "-"
            out["alert"] = dbc.Alert(t("screen.us_used", lang, day=data["report_day"], sectors=names), color="info",
                                     className="small")  # fmt: skip
    return out
