"""The /backtest page as a package (registered by ``app/pages/backtest.py``):

``page`` (the layout) · ``form`` (the form and its callbacks) · ``run`` (start, progress, cancel)
· ``history`` (past runs: show, compare, delete) · ``result`` / ``compare`` / ``figures`` /
``formatting`` (rendering) · ``jobs`` (the ``BacktestJobs`` service the app was given) · ``ids``
(every component id). The UI text is ``app.text_backtest``.

The page reads stored runs through ``db.repositories.backtests`` and starts, cancels and deletes
them only through ``services.backtest_jobs.BacktestJobs``; it never imports ``workers``, and its
layout never writes to the database.
"""
