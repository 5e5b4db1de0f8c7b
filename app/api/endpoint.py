"""``api(Endpoint(...))``: one declaration per endpoint gives the Flask route, the request checks
(token and scope, rate limit, query and body against their pydantic models, ``Idempotency-Key``) and the
spec entry (``spec.py`` reads ``ENDPOINTS``). Handlers receive a ``Call`` and return models."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.api import bp
from app.api.auth import authenticate
from app.api.problems import ApiProblem, from_broker_error, problem_response
from app.runtime import runtime
from db.repositories import api_tokens as tokens_repo
from db.repositories.api_tokens import StoredAnswer, TokenUser
from trading.brokers.errors import BrokerError

log = logging.getLogger(__name__)
MAX_KEY_LEN = 200


@dataclass(frozen=True)
class Endpoint:
    method: str  # GET | POST
    rule: str  # Flask rule under /api/v1, e.g. "/quotes/<code>"
    summary: str
    tag: str
    scope: str  # read | trade | admin
    response: Any  # a model, list[Model], or None (no body)
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    others: dict[int, type[BaseModel]] = field(default_factory=dict)  # more documented answers
    path_params: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> JSON schema
    store_answer: bool = False  # POST: replay the stored answer for a repeated Idempotency-Key
    description: str = ""


@dataclass(frozen=True, slots=True)
class Call:
    user: TokenUser
    body: Any
    query: Any
    idempotency_key: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    """A handler's result with a status other than the endpoint's default."""

    status: int
    value: Any


ENDPOINTS: list[Endpoint] = []


def _errors(err: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in err.errors()]


def _invalid(err: ValidationError, where: str) -> ApiProblem:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or where
    return ApiProblem("INVALID_REQUEST", f"{where} {loc}: {first['msg']}", errors=_errors(err))


def _parse(ep: Endpoint) -> tuple[Any, Any]:
    query = body = None
    if ep.query is not None:
        try:
            query = ep.query.model_validate(request.args.to_dict())
        except ValidationError as err:
            raise _invalid(err, "query") from None
    if ep.body is not None:
        raw = request.get_data()
        data = {} if not raw.strip() else request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiProblem("BAD_JSON")
        try:
            body = ep.body.model_validate(data)
        except ValidationError as err:
            raise _invalid(err, "body") from None
    return query, body


def _key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LEN or not key.isprintable():
        raise ApiProblem("INVALID_REQUEST", f"Idempotency-Key must be 1-{MAX_KEY_LEN} printable characters")
    return key


def _json(status: int, value: Any, adapter: TypeAdapter | None) -> Response:
    if adapter is None or value is None:
        return Response(status=204 if status == 200 else status)
    body = adapter.dump_python(value, mode="json")
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _fingerprint() -> str:
    return hashlib.sha256(
        request.method.encode() + request.full_path.encode() + request.get_data()
    ).hexdigest()


def _run(ep: Endpoint, fn: Callable[..., Any], adapter: TypeAdapter | None, kwargs: dict) -> Response:
    user, headers = authenticate(ep.scope)
    try:
        query, body = _parse(ep)
        key = _key() if ep.method == "POST" else None
        stored = (
            tokens_repo.stored_answer(runtime().engine, user.user_id, key)
            if ep.store_answer and key
            else None
        )
        if stored is not None:
            if stored.fingerprint != _fingerprint():
                raise ApiProblem("IDEMPOTENCY_MISMATCH")
            resp = Response(json.dumps(stored.body, ensure_ascii=False), status=stored.status,
                            mimetype="application/json")  # fmt: skip
            resp.headers["Idempotent-Replayed"] = "true"
        else:
            out = fn(Call(user, body, query, key), **kwargs)
            status, value = (out.status, out.value) if isinstance(out, Answer) else (ep.status, out)
            resp = _json(status, value, adapter if status == ep.status else TypeAdapter(type(value)))
            if ep.store_answer and key and status < 500 and value is not None:
                answer = StoredAnswer(_fingerprint(), status, json.loads(resp.get_data()))
                tokens_repo.store_answer(runtime().engine, user.user_id, key, answer)
    except ApiProblem as problem:
        problem.headers = headers | problem.headers
        raise
    resp.headers.update(headers)
    return resp


def api(ep: Endpoint) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as the handler of ``ep`` (see the module docstring)."""
    adapter = TypeAdapter(ep.response) if ep.response is not None else None

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        def view(**kwargs: Any) -> Response:
            try:
                return _run(ep, fn, adapter, kwargs)
            except ApiProblem as problem:
                return problem_response(problem)
            except BrokerError as err:
                return problem_response(from_broker_error(err))
            except Exception:  # noqa: BLE001 - a bug must still answer problem+json (and is logged)
                log.exception("API %s %s failed", ep.method, ep.rule)
                return problem_response(ApiProblem("INTERNAL"))

        view.__name__ = f"api_{fn.__name__}"
        bp.add_url_rule(ep.rule, endpoint=fn.__name__, view_func=view, methods=[ep.method])
        ENDPOINTS.append(ep)
        return fn

    return register
