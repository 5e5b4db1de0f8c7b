"""The morning sector report: US sector moves → Korean sector calls → liquid stock picks (framework-free)."""

from trading.report.calendar import ReportDateError, SignalWindow, check_report_date, signal_window
from trading.report.config import SECTOR_ETFS, US_INDEXES, US_SYMBOLS, ReportConfig
from trading.report.engine import build_report
from trading.report.model import MapRow, ReportInput, SectorReport, StockRef, UsClose
from trading.report.track import TrackInput, compute_track_record

__all__ = [
    "SECTOR_ETFS",
    "US_INDEXES",
    "US_SYMBOLS",
    "MapRow",
    "ReportConfig",
    "ReportDateError",
    "ReportInput",
    "SectorReport",
    "SignalWindow",
    "StockRef",
    "TrackInput",
    "UsClose",
    "build_report",
    "check_report_date",
    "compute_track_record",
    "signal_window",
]
