"""Kiwoom OAuth: au10001 token (/oauth2/token), au10002 revoke (/oauth2/revoke)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from trading.brokers.common.http import HttpClient, json_body
from trading.brokers.common.tokens import IssuedToken
from trading.brokers.errors import AuthError, BrokerUnavailable
from trading.brokers.kiwoom.errors import Kind, classify, env_label, error_for
from trading.brokers.kiwoom.options import KiwoomOptions
from trading.timeconv import as_kst

_JSON = {"content-type": "application/json;charset=UTF-8"}


def _fail(opts: KiwoomOptions, what: str, response: Any, body: dict[str, Any]) -> Exception:
    message = str(body.get("return_msg") or "")
    kind, code = classify(response.status_code, body.get("return_code", -1), message)
    if kind in (Kind.RATE, Kind.WRONG_ENV):
        return error_for(kind, code, message, opts.env, order=False, http_status=response.status_code)
    if response.status_code >= 500 and not body:
        return BrokerUnavailable(f"Kiwoom {what}: HTTP {response.status_code}")
    return AuthError(
        f"Kiwoom {what} failed for the {env_label(opts.env)} environment; check the app key/secret and BROKER_ENV",
        broker_message=message or f"HTTP {response.status_code}",
    )


def _expiry(text: str) -> float:
    try:
        return as_kst(datetime.strptime(text, "%Y%m%d%H%M%S")).timestamp()
    except ValueError:
        return time.time() + 12 * 3600  # lifetime undocumented (18-24 h observed)


def issue_token(http: HttpClient, opts: KiwoomOptions) -> IssuedToken:
    payload = {"grant_type": "client_credentials", "appkey": opts.app_key, "secretkey": opts.secret_key}
    response = http.send("POST", "/oauth2/token", headers=_JSON, json=payload)
    body = json_body(response)
    if response.status_code != 200 or str(body.get("return_code", 0)) != "0" or not body.get("token"):
        raise _fail(opts, "token issue", response, body)
    return IssuedToken(str(body["token"]), _expiry(str(body.get("expires_dt") or "")))


def revoke_token(http: HttpClient, opts: KiwoomOptions, token: str) -> None:
    payload = {"appkey": opts.app_key, "secretkey": opts.secret_key, "token": token}
    response = http.send("POST", "/oauth2/revoke", headers=_JSON, json=payload)
    body = json_body(response)
    if response.status_code != 200 or str(body.get("return_code", 0)) != "0":
        raise _fail(opts, "token revoke", response, body)
