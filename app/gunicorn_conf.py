"""gunicorn settings of the full mode's web process (Procfile: ``gunicorn -c app/gunicorn_conf.py``).

Metrics in multiprocess mode (trading/metrics.py): a worker that exits has its live gauges dropped from
the shared ``PROMETHEUS_MULTIPROC_DIR``; its counters stay there, so the sums never go back.
"""

from __future__ import annotations

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:  # noqa: ARG001 - gunicorn's hook signature
    """Runs in the master, which imports no app code (so writes no metric files of its own)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
