"""Drive a Dash callback the way the browser does, or the way a crafted request would: one POST to
``/_dash-update-component`` with the inputs and states we choose (the server must not trust them)."""

from __future__ import annotations

import re
from typing import Any


def csrf_token(client) -> str:  # noqa: ANN001 - a Flask test client, logged in
    """The CSRF token the page sets for assets/csrf.js (X-CSRFToken on Dash POSTs)."""
    page = client.get("/ranking")
    cookies = ";".join(page.headers.getlist("Set-Cookie"))
    match = re.search(r"gslts_csrf=([^;]+)", cookies)
    assert match, "no CSRF cookie: is the client logged in?"
    return match.group(1)


def _callback(app, trigger: str) -> tuple[str, dict]:  # noqa: ANN001 - a dash.Dash
    app.server.test_client().get("/login")  # the first request merges the pages' callbacks
    for key, cb in app.callback_map.items():
        if any(f"{i['id']}.{i['property']}" == trigger for i in cb["inputs"]):
            return key, cb
    raise KeyError(trigger)


def call(app, client, trigger: str, values: dict[str, Any]) -> dict:  # noqa: ANN001
    """POST the callback that ``trigger`` (``id.prop``) fires, with ``values`` by ``id.prop`` (missing
    inputs and states are None); returns the JSON response (``{}`` for a 204)."""
    key, cb = _callback(app, trigger)
    outputs = []
    for part in key.strip(".").split("..."):
        ident, _, prop = part.rpartition(".")
        outputs.append({"id": ident, "property": prop})
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [dict(i, value=values.get(f"{i['id']}.{i['property']}")) for i in cb["inputs"]],
        "state": [dict(s, value=values.get(f"{s['id']}.{s['property']}")) for s in cb["state"]],
        "changedPropIds": [trigger],
    }
    resp = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_token(client)})
    assert resp.status_code in (200, 204), (resp.status_code, resp.get_data(as_text=True)[:300])
    return resp.get_json() if resp.status_code == 200 else {}


def output(resp: dict, ident: str, prop: str) -> Any:
    """One output value of a callback response (None when not updated)."""
    return (resp.get("response") or {}).get(ident, {}).get(prop)
