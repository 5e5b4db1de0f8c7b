"""Bilingual notes the report carries (Korean first), built from facts only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from trading.report.model import Note


def _dates(days: Sequence[date]) -> str:
    return ", ".join(d.isoformat() for d in days)


def several_us_sessions(days: Sequence[date]) -> Note:
    return Note(
        "us_sessions_gap",
        f"지난 KRX 세션 이후 미국 장 {len(days)}회 ({_dates(days)}): 최신 세션 {days[-1]} 등락을 사용합니다.",
        f"US sessions since the last KRX session: {len(days)} ({_dates(days)}); "
        f"using the latest, {days[-1]}.",
    )


def repeated_us_session(us_day: date, prev_krx: date) -> Note:
    return Note(
        "us_session_repeated",
        f"지난 KRX 세션({prev_krx}) 이후 미국 장이 열리지 않았습니다: {us_day} 신호를 다시 사용합니다.",
        f"No US session since the last KRX session ({prev_krx}); the {us_day} signal is used again.",
    )


def stale(expected: date, used: date | None) -> Note:
    if used is None:
        return Note(
            "us_data_missing",
            f"{expected} 미국 데이터가 없고 저장된 이전 데이터도 없습니다.",
            f"No US data for {expected} and no earlier stored data.",
        )
    return Note(
        "us_data_stale",
        f"{expected} 미국 데이터가 아직 없어 마지막 저장 데이터({used})를 사용했습니다.",
        f"US data for {expected} is not available; the last stored data ({used}) is used.",
    )


def simulated() -> Note:
    return Note(
        "simulated",
        "데모 모드: 미국 섹터 시세는 시뮬레이션 데이터입니다 (실제 시장 아님).",
        "Demo mode: the US sector prices are simulated (not the real market).",
    )


def no_values(prev_krx: date) -> Note:
    return Note(
        "no_kr_values",
        f"{prev_krx} 거래대금 데이터가 없어 종목을 고를 수 없습니다.",
        f"No 거래대금 (trading value) data for {prev_krx}; no stocks can be picked.",
    )


def no_rising(n_rising: int) -> Note:
    return Note(
        "no_rising_sector",
        f"상승한 미국 섹터 ETF가 {n_rising}개뿐이라 강세 예상 섹터가 없습니다.",
        f"Only {n_rising} US sector ETFs rose, so no Korean sector is called up.",
    )


def few_picks(found: int, wanted: int, in_sectors: int, top_pct: float, cutoff_rank: int) -> Note:
    return Note(
        "few_picks",
        f"추천 {found}종목 (목표 {wanted}종목 이상): 강세 예상 섹터 종목 {in_sectors}개 중 "
        f"거래대금 상위 {top_pct:g}% (1~{cutoff_rank:,}위) 안에 든 종목이 {found}개뿐입니다.",
        f"{found} picks (aim: at least {wanted}): of {in_sectors} stocks in the sectors called up, "
        f"only {found} are in the top {top_pct:g}% by 거래대금 (rank 1–{cutoff_rank:,}).",
    )


def kr_simulated(prev_krx: date) -> Note:
    return Note(
        "kr_simulated",
        f"{prev_krx} 한국 일봉(거래대금)은 시뮬레이션 데이터입니다 (실제 시장 아님).",
        f"The Korean daily bars (거래대금) of {prev_krx} are simulated (not the real market).",
    )


def us_missing(symbols: Sequence[str], day: date | None) -> Note:
    names = ", ".join(symbols)
    when = f"{day} " if day else ""
    return Note(
        "us_symbols_missing",
        f"{when}미국 데이터 없음: {names} (이 종목은 계산에서 빠졌습니다).",
        f"US data missing for {when}{names} (left out of the calculation).",
    )
