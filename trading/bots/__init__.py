"""Automatic trading (자동매매): bot configs, the runner that turns closed bars into orders through the
order gateway with the backtest's ``Strategy.signals``, exits watched on live ticks, and the bots' own
limits. Framework-free; the database side is ``db/repositories/bots.py``, the wiring ``services/bots.py``."""
