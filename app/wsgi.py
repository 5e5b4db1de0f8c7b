"""WSGI entry: ``gunicorn app.wsgi:server`` (full mode) or ``gslts run`` (embedded)."""

from __future__ import annotations

import signal
import threading

from app.server import create_app
from app.stream import end_streams


def _end_streams_on_sigterm() -> None:
    """A gunicorn worker stops gracefully on SIGTERM: it waits for the requests in flight, and a live
    stream (app/stream.py) is one that never ends by itself. Ending the streams first lets the worker
    stop at once. Only a handler gunicorn installed is chained; anything else is left alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return

    def on_term(signum, frame):  # noqa: ANN001, ANN202
        end_streams()
        previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)


dash_app = create_app(start_background=True)
server = dash_app.server
application = server
_end_streams_on_sigterm()
