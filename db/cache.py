"""The read cache: expensive, shared database reads memoized in a store every process of a deployment shares.

What is cached, by topic (``Topic``), and which writes invalidate it:

| topic | reads | invalidated by |
|---|---|---|
| ``STOCKS`` | the stock master (``local``: a copy per process, see below) | ``stocks.upsert_stocks`` (seed) |
| ``SECTOR_MAP`` | ``stocks.sector_mapping``, ``reports.map_rows`` | ``reports.set_mapping`` / ``remove_mapping``, ``stocks.seed_mapping`` |
| ``REPORTS`` | the rendered /report body, ``reports.report_dates``, the latest report's up sectors | ``reports.save_report``, a recomputed track record |
| ``BACKTESTS`` | ``backtests.get_run`` (and ``get_runs`` through it) of finished runs: only those are immutable | ``backtests.delete_runs`` |

The store is Flask-Caching's: ``RedisCache`` in full mode (``REDIS_URL``), ``FileSystemCache`` under
``<data_dir>/cache`` in embedded mode, where ``gslts run`` and every CLI command on the same data dir are separate
processes; each file is written to a temporary name and renamed, so readers never see half a value.

Invalidation is per (database, topic): the store keeps a random token for each, every memoized value's key
contains the token, and ``invalidate`` (called by the writing repository function after its transaction
committed) replaces the token. A reader always reads the token before the database, so a value computed from
data older than a write is filed under a token the write replaced and is never served again; nothing is
read-modified-written, so two processes invalidating at once cannot bring an old token back. Old values expire
(``VALUE_TTL_S``).

Only databases whose process attached a store (``attach``: the composition root does it for its engine, Celery
tasks for theirs) are cached; other engines read straight from the database. Store errors never fail a read or
a write: the read goes to the database, and the error is logged.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import URL

if TYPE_CHECKING:
    from cachelib import BaseCache

    from trading.config import Settings

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

VALUE_TTL_S = 3600  # a memoized value lives at most this long (bounds writes that bypass the repositories)
TOKEN_TTL_S = 7 * 86400  # a token that expires is simply replaced: everything under it is dropped
LOCAL_RECHECK_S = 1.0  # a process-local copy (``local``) asks the store whether it is current this often
KEY_PREFIX = "gslts:cache:"  # Redis keys (the files of the file store are named by a hash of the key)
FILE_THRESHOLD = 2000  # the file store drops its oldest entries above this many files


class Topic(StrEnum):
    STOCKS = "stocks"
    SECTOR_MAP = "sector_map"
    REPORTS = "reports"
    BACKTESTS = "backtests"


_lock = threading.Lock()
_stores: dict[tuple[str, str], BaseCache] = {}  # (location, key prefix) → store; databases may share one
_attached: dict[str, BaseCache] = {}  # database id → its store


@functools.lru_cache(maxsize=64)
def _db_id(url: URL) -> str:
    """The database's id in keys: a hash of its URL (every process of a deployment uses the same URL)."""
    return hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]


def _make_store(settings: Settings, key_prefix: str) -> BaseCache:
    """Flask-Caching's backend for the deployment: Redis in full mode, files under the data dir embedded."""
    from flask import Flask
    from flask_caching import Cache

    config: dict[str, Any] = {"CACHE_DEFAULT_TIMEOUT": VALUE_TTL_S}
    if settings.redis_url:
        config |= {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": settings.redis_url,
            "CACHE_KEY_PREFIX": key_prefix,
        }
    else:
        cache_dir = settings.data_dir / "cache"
        config |= {
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(cache_dir),
            "CACHE_THRESHOLD": FILE_THRESHOLD,
        }
    app = Flask("gslts.cache")  # Flask-Caching keeps its backend on an app; this one is only that holder
    cache = Cache(app, config=config, with_jinja2_ext=False)
    with app.app_context():
        return cache.cache


def attach(engine: Engine, settings: Settings, *, key_prefix: str = KEY_PREFIX) -> None:
    """Cache the reads of ``engine``'s database in the store of ``settings``' deployment (idempotent)."""
    where = settings.redis_url or str((settings.data_dir / "cache").resolve())
    with _lock:
        store = _stores.get((where, key_prefix))
        if store is None:
            store = _stores[(where, key_prefix)] = _make_store(settings, key_prefix)
        _attached[_db_id(engine.url)] = store


def detach(engine: Engine) -> None:
    """Stop caching ``engine``'s database in this process (its process-local copies are dropped too)."""
    db = _db_id(engine.url)
    with _lock:
        _attached.pop(db, None)
        for key in [k for k in list(_locals) if k[0] == db]:
            del _locals[key]


def _store(engine: Engine) -> tuple[str, BaseCache | None]:
    db = _db_id(engine.url)
    return db, _attached.get(db)


_last_warning = 0.0


def _warn(what: str) -> None:
    """Log a store failure (with its traceback at most once a minute)."""
    global _last_warning
    now = time.monotonic()
    detailed = now - _last_warning > 60
    if detailed:
        _last_warning = now
    log.warning("read cache: %s failed; reading the database", what, exc_info=detailed)


def _token_key(db: str, topic: Topic) -> str:
    return f"token:{db}:{topic}"


def _token(store: BaseCache, db: str, topic: Topic) -> str:
    """The topic's current token, creating one when there is none (read it before reading the database)."""
    key = _token_key(db, topic)
    token = store.get(key)
    if token is None:
        token = secrets.token_hex(8)
        if not store.add(key, token, timeout=TOKEN_TTL_S):
            token = store.get(key) or token  # another process created it first
    return token


def invalidate(engine: Engine, *topics: Topic) -> None:
    """Drop what is cached for ``topics`` of ``engine``'s database, in every process sharing the store.

    Call it after the write committed. Without an attached store only this process's local copies are dropped.
    """
    db, store = _store(engine)
    for topic in topics:
        for key in [k for k in list(_locals) if k[0] == db and k[1] == topic]:
            _locals.pop(key, None)
        if store is None:
            continue
        try:
            store.set(_token_key(db, topic), secrets.token_hex(8), timeout=TOKEN_TTL_S)
        except Exception:  # noqa: BLE001 - the write is committed; say loudly that readers may be stale
            log.error("read cache: invalidating %s failed; it may be served stale", topic, exc_info=True)


def memoized(
    topic: Topic, *, keep: Callable[[Any], bool] | None = None, ttl_s: int = VALUE_TTL_S
) -> Callable[[Callable[Concatenate[Engine, P], R]], Callable[Concatenate[Engine, P], R]]:
    """Memoize a read whose first argument is the engine, under ``topic``.

    The other arguments make the key (by ``repr``: ints, strings, dates, lists of them). ``keep(result)``
    decides whether a result may be stored (default: any, None included).
    """

    def decorate(fn: Callable[Concatenate[Engine, P], R]) -> Callable[Concatenate[Engine, P], R]:
        name = f"{fn.__module__}.{fn.__qualname__}"
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def read(engine: Engine, *args: P.args, **kwargs: P.kwargs) -> R:
            db, store = _store(engine)
            if store is None:
                return fn(engine, *args, **kwargs)
            bound = signature.bind(engine, *args, **kwargs)
            bound.apply_defaults()
            call = repr(tuple(bound.arguments.values())[1:])
            digest = hashlib.sha256(f"{name}{call}".encode()).hexdigest()[:32]
            try:
                key = f"value:{db}:{topic}:{_token(store, db, topic)}:{digest}"
                hit = store.get(key)
            except Exception:  # noqa: BLE001 - the database answers instead
                _warn(f"reading {name}")
                return fn(engine, *args, **kwargs)
            if hit is not None:
                return hit[0]
            value = fn(engine, *args, **kwargs)
            if keep is None or keep(value):
                try:
                    store.set(key, (value,), timeout=ttl_s)  # a 1-tuple: a stored None is a hit too
                except Exception:  # noqa: BLE001
                    _warn(f"storing {name}")
            return value

        read.uncached = fn  # type: ignore[attr-defined]
        return read

    return decorate


@dataclass
class _Local:
    token: str | None
    checked: float
    value: Any


_locals: dict[tuple[str, Topic, str], _Local] = {}
_build_lock = threading.Lock()


def local(engine: Engine, topic: Topic, build: Callable[[Engine], T]) -> T:
    """``build(engine)``, kept in this process and rebuilt when ``topic`` was invalidated.

    For reads too hot for a store round trip per call (the stock master: every ranking row). Whether the copy
    is current is asked of the store at most every ``LOCAL_RECHECK_S``, so another process's write shows
    within that time (at once in the writing process). Without an attached store the copy is kept for good.
    """
    db, store = _store(engine)
    key = (db, topic, f"{build.__module__}.{build.__qualname__}")
    hit = _locals.get(key)
    now = time.monotonic()
    if hit is not None and (store is None or now - hit.checked < LOCAL_RECHECK_S):
        return hit.value
    token: str | None = None
    if store is not None:
        try:
            token = _token(store, db, topic)
        except Exception:  # noqa: BLE001 - keep the copy while the store is away
            _warn(f"checking {key[2]}")
            if hit is not None:
                hit.checked = now
                return hit.value
    if hit is not None and hit.token == token:
        hit.checked = now
        return hit.value
    with _build_lock:
        again = _locals.get(key)
        if again is not None and again is not hit and again.token == token:
            return again.value
        value = build(engine)  # built after the token was read: a write meanwhile changes the token
        _locals[key] = _Local(token, time.monotonic(), value)
        return value
