"""Serve the web app with gunicorn (one worker process, threads) for ``gslts run``."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201
        from app.wsgi import application

        return application


# Threads of the one worker: each open trade page holds one for its live stream (app/stream.py, at most
# settings.live_stream_max), the rest serve the pages' callbacks.
THREADS = 32


def serve(host: str, port: int, threads: int = THREADS) -> None:
    """Block serving on host:port. One worker keeps the in-process market a single owner."""
    print(f"GSLTS on http://{host}:{port}  (Ctrl+C to stop)", flush=True)
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 120,
            "accesslog": None,
            "loglevel": "warning",
        }
    ).run()
