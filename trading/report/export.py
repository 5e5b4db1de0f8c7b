"""Export a stored report dict as CSV (one row per pick) or Markdown (the PRD §4.1 layout)."""

from __future__ import annotations

import csv
import io
from typing import Any

from trading.krx.fmt import pct
from trading.report.text import amount, direction_text, note_text, reason_text, sector_name

CSV_COLUMNS = (
    "session_date",
    "rank",
    "code",
    "name",
    "sector_code",
    "sector",
    "value",
    "value_rank",
    "score",
    "reasons",
    "us_session_date",
    "data_source",
    "simulated",
)


def to_csv(report: dict[str, Any], lang: str = "ko") -> str:
    """The picks as CSV; amounts in won, reasons joined with " | "."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for i, p in enumerate(report["picks"], start=1):
        w.writerow(
            [
                report["session_date"],
                i,
                p["code"],
                p["name"] if lang == "ko" else (p.get("name_en") or p["name"]),
                p["sector_code"],
                sector_name(p["sector_code"], lang),
                p["value"],
                p["value_rank"],
                p["score"],
                " | ".join(reason_text(r, lang) for r in p["reasons"]),
                report["us_session_date"] or "",
                report["data_source"],
                "yes" if report["simulated"] else "no",
            ]
        )
    return buf.getvalue()


def picks_by_sector(report: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Picks grouped by sector, sectors in the order of their best pick."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in report["picks"]:
        groups.setdefault(p["sector_code"], []).append(p)
    return list(groups.items())


def to_markdown(report: dict[str, Any], lang: str = "ko") -> str:
    """The report as Markdown, same sections as the page."""
    en = lang == "en"
    lines = [f"# {'Sector report' if en else '오늘의 섹터 분석'} ({report['session_date']})", ""]
    src = report["data_source"] + (" — SIMULATED" if en else " — 시뮬레이션") * bool(report["simulated"])
    lines.append(f"{'US session' if en else '미국 세션'}: {report['us_session_date'] or '-'} · {src}")
    for n in ([report["stale_note"]] if report["stale_note"] else []) + report["notes"]:
        lines.append(f"> {note_text(n, lang)}")
    lines += ["", f"## {'US sectors (previous session)' if en else '미국 전일 섹터'}", ""]
    for m in report["us_sectors"]:
        lines.append(f"{m['rank']}. {m['name']} ({m['symbol']}) {pct(m['return_pct'])}")
    lines += ["", f"## {'Korean sectors (expected)' if en else '한국 섹터 (예상)'}", ""]
    for k in report["kr_sectors"]:
        if k["direction"] != "neutral":
            name = k["name_en"] if en else k["name_ko"]
            lines.append(f"- {name}: {direction_text(k['direction'], lang)}")
    lines += ["", f"## {'Picks (by trading value)' if en else '추천 종목 (거래대금 기준)'}", ""]
    for code, picks in picks_by_sector(report):
        lines.append(f"**[{sector_name(code, lang)}]**")
        for p in picks:
            rank = f"trading value #{p['value_rank']}" if en else f"거래대금 {p['value_rank']}위"
            lines.append(f"- {p['name']} ({p['code']}) | {rank} | {amount(p['value'], lang)}")
        lines.append("")
    lines.append(
        "_Not investment advice._" if en else "_투자 권유가 아닙니다. 투자 판단과 책임은 본인에게 있습니다._"
    )
    return "\n".join(lines) + "\n"
