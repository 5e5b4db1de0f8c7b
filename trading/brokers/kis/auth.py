"""KIS OAuth endpoints: access token (tokenP), revoke (revokeP), websocket approval key."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from trading.brokers.common.http import HttpClient, json_body
from trading.brokers.common.tokens import IssuedToken
from trading.brokers.errors import AuthError, BrokerUnavailable, RateLimited
from trading.brokers.kis.errors import (
    TOKEN_ISSUE_LIMIT,
    WRONG_ENV_CODES,
    broker_text,
    env_label,
    wrong_environment,
)
from trading.brokers.kis.options import KisOptions
from trading.timeconv import as_kst

_JSON = {"content-type": "application/json; charset=utf-8"}


def _fail(opts: KisOptions, what: str, response: Any, body: dict[str, Any]) -> Exception:
    code = str(body.get("error_code") or body.get("msg_cd") or "")
    message = str(body.get("error_description") or body.get("msg1") or "")
    if code == TOKEN_ISSUE_LIMIT:
        return RateLimited("KIS allows one access token per minute", 60.0, broker_text(code, message))
    if code in WRONG_ENV_CODES:
        return wrong_environment(opts.env, code, message)
    if response.status_code >= 500 and not code:
        return BrokerUnavailable(f"KIS {what}: HTTP {response.status_code}")
    return AuthError(
        f"KIS {what} failed for the {env_label(opts.env)} environment (HTTP {response.status_code}); "
        "check the app key/secret and BROKER_ENV",
        broker_message=broker_text(code, message),
    )


def _expiry(body: dict[str, Any]) -> float:
    text = str(body.get("access_token_token_expired") or "")
    try:
        return as_kst(datetime.strptime(text, "%Y-%m-%d %H:%M:%S")).timestamp()
    except ValueError:
        return time.time() + float(body.get("expires_in") or 86400)


def issue_token(http: HttpClient, opts: KisOptions) -> IssuedToken:
    """POST /oauth2/tokenP."""
    payload = {"grant_type": "client_credentials", "appkey": opts.app_key, "appsecret": opts.app_secret}
    response = http.send("POST", "/oauth2/tokenP", headers=_JSON, json=payload)
    body = json_body(response)
    if response.status_code != 200 or not body.get("access_token"):
        raise _fail(opts, "token issue", response, body)
    return IssuedToken(str(body["access_token"]), _expiry(body))


def revoke_token(http: HttpClient, opts: KisOptions, token: str) -> None:
    """POST /oauth2/revokeP."""
    payload = {"appkey": opts.app_key, "appsecret": opts.app_secret, "token": token}
    response = http.send("POST", "/oauth2/revokeP", headers=_JSON, json=payload)
    if response.status_code != 200:
        raise _fail(opts, "token revoke", response, json_body(response))


def approval_key(http: HttpClient, opts: KisOptions) -> str:
    """POST /oauth2/Approval: the websocket approval key (body uses ``secretkey``)."""
    payload = {"grant_type": "client_credentials", "appkey": opts.app_key, "secretkey": opts.app_secret}
    response = http.send("POST", "/oauth2/Approval", headers=_JSON, json=payload)
    body = json_body(response)
    if response.status_code != 200 or not body.get("approval_key"):
        raise _fail(opts, "websocket approval", response, body)
    return str(body["approval_key"])
