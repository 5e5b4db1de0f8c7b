"""The OpenAPI 3.1 document, generated from the endpoint declarations (``endpoint.ENDPOINTS``) and
their pydantic models (``schemas.py``); nothing in it is written by hand but the prose."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api.endpoint import ENDPOINTS, Endpoint
from app.api.problems import PROBLEM_JSON
from app.api.schemas import Problem

REF = "#/components/schemas/{model}"
SCOPES_TEXT = {
    "read": "quotes, books, ranking, bars, report, the account (orders, fills, positions, balance), "
    "backtests (submit and read) and bots (list)",
    "trade": "read + placing, modifying and cancelling orders, starting/pausing/stopping bots",
    "admin": "reserved for administration (admin users only)",
}


def openapi_path(rule: str) -> str:
    return "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _model(tp: Any) -> type[BaseModel] | None:
    if get_origin(tp) is list:
        (tp,) = get_args(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _schema_of(tp: Any, refs: dict[tuple[type, str], Any]) -> dict[str, Any]:
    model = _model(tp)
    assert model is not None
    ref = refs[(model, "serialization")]
    return {"type": "array", "items": ref} if get_origin(tp) is list else ref


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k != "title"}
        desc = prop.pop("description", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if desc:
            param["description"] = desc
        out.append(param)
    return out


def _operation(ep: Endpoint, refs: dict[tuple[type, str], Any]) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in ep.path_params.items()
    ]
    if ep.query is not None:
        params += _query_params(ep.query)
    if ep.method == "POST":
        params.append({
            "name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
            "description": "A repeated key returns the first answer (orders: the same order), never a second one",
        })  # fmt: skip
    responses: dict[str, Any] = {}
    if ep.response is not None:
        responses[str(ep.status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": _schema_of(ep.response, refs)}},
        }
    for status, model in ep.others.items():
        mime = PROBLEM_JSON if model is Problem else "application/json"
        responses[str(status)] = {"description": model.__doc__ or model.__name__,
                                  "content": {mime: {"schema": refs[(model, "serialization")]}}}  # fmt: skip
    responses["default"] = {
        "description": "An error as problem details (RFC 9457) with its typed reason",
        "content": {PROBLEM_JSON: {"schema": refs[(Problem, "serialization")]}},
    }
    op: dict[str, Any] = {
        "operationId": ep.rule.strip("/")
        .replace("/", "_")
        .replace("<int:", "")
        .replace("<", "")
        .replace(">", "")
        + f"_{ep.method.lower()}",
        "summary": ep.summary,
        "tags": [ep.tag],
        "security": [{"bearer": []}],
        "x-scope": ep.scope,
        "description": (ep.description + "\n\n" if ep.description else "") + f"Scope: `{ep.scope}`.",
        "parameters": params,
        "responses": responses,
    }
    if ep.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(ep.body, "validation")]}},
        }
    return op


@cache
def build_spec() -> dict[str, Any]:
    """The whole document (cached: the endpoints are fixed once the app is built)."""
    wanted: dict[tuple[type, str], None] = {(Problem, "serialization"): None}
    for ep in ENDPOINTS:
        if (m := _model(ep.response)) is not None:
            wanted[(m, "serialization")] = None
        for m in ep.others.values():
            wanted[(m, "serialization")] = None
        if ep.body is not None:
            wanted[(ep.body, "validation")] = None
    refs, defs = models_json_schema(list(wanted), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for ep in ENDPOINTS:
        paths.setdefault(openapi_path(ep.rule), {})[ep.method.lower()] = _operation(ep, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "GSLTS REST API",
            "version": "1.0.0",
            "description": "Token-authenticated access to quotes, the account, orders (through the same "
            "order gateway and risk checks as the UI), backtests and bots. Money is integer won; "
            "quantities are whole shares; times are KST. Scopes: "
            + "; ".join(f"`{k}`: {v}" for k, v in SCOPES_TEXT.items()),
        },
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "gslts_…"}},
        },
    }
