"""``/api/v1/openapi.json`` (the spec) and ``/api/v1/docs`` (a self-contained page: how to
authenticate, the endpoints with their scopes, and every problem reason with its anchor)."""

from __future__ import annotations

from flask import Response, jsonify, render_template_string, request

from app.api import bp
from app.api.endpoint import ENDPOINTS
from app.api.problems import all_reasons
from app.api.spec import build_spec, openapi_path
from app.text import t

DOCS_HTML = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GSLTS · {{ t('api.docs_title') }}</title>
<link rel="stylesheet" href="/assets/00-bootstrap.min.css"><link rel="stylesheet" href="/assets/gslts.css">
<script src="/assets/theme.js"></script></head>
<body><main class="container py-4" style="max-width:1100px">
<h1 class="h3">{{ t('api.docs_title') }}</h1>
<p>{{ t('api.docs_intro') }} <a href="/api/v1/openapi.json" id="api-spec-link">openapi.json</a></p>
<h2 class="h5 mt-4">{{ t('api.docs_auth') }}</h2>
<p>{{ t('api.docs_auth_body') }}</p>
<pre class="bg-body-tertiary p-2 small">curl -H "Authorization: Bearer gslts_…" {{ host }}api/v1/quotes/005930
curl -X POST -H "Authorization: Bearer gslts_…" -H "Idempotency-Key: my-order-1" \\
     -H "Content-Type: application/json" "{{ host }}api/v1/orders?dry_run=true" \\
     -d '{"code": "005930", "side": "buy", "type": "limit", "qty": 1, "price": 70000}'</pre>
<ul>
<li>{{ t('api.docs_scopes') }}</li>
<li>{{ t('api.docs_idempotency') }}</li>
<li>{{ t('api.docs_dry_run') }}</li>
<li>{{ t('api.docs_rate') }}</li>
</ul>
<h2 class="h5 mt-4">{{ t('api.docs_endpoints') }}</h2>
<table class="table table-sm" id="api-endpoints"><thead><tr><th>{{ t('api.docs_method') }}</th>
<th>{{ t('api.docs_path') }}</th><th>{{ t('api.docs_scope') }}</th><th>{{ t('api.docs_summary') }}</th></tr></thead>
<tbody>{% for ep in endpoints %}<tr><td><code>{{ ep.method }}</code></td><td><code>{{ ep.path }}</code></td>
<td>{{ ep.scope }}</td><td>{{ ep.summary }}</td></tr>{% endfor %}</tbody></table>
<h2 class="h5 mt-4">{{ t('api.docs_errors') }}</h2>
<p>{{ t('api.docs_errors_body') }}</p>
<table class="table table-sm" id="api-problems"><thead><tr><th>reason</th><th>HTTP</th>
<th>{{ t('api.docs_meaning') }}</th></tr></thead><tbody>
{% for r, status, en, ko in reasons %}<tr id="problem-{{ r|lower }}"><td><code>{{ r }}</code></td><td>{{ status }}</td>
<td>{{ ko if lang == 'ko' else en }}</td></tr>{% endfor %}</tbody></table>
</main></body></html>"""


@bp.get("/openapi.json")
def openapi_json():  # noqa: ANN201
    return jsonify(build_spec())


@bp.get("/docs")
def api_docs():  # noqa: ANN201
    lang = request.cookies.get("lang", "ko")
    endpoints = [
        {"method": ep.method, "path": openapi_path(ep.rule), "scope": ep.scope, "summary": ep.summary}
        for ep in ENDPOINTS
    ]
    html = render_template_string(DOCS_HTML, t=t, lang=lang, endpoints=endpoints, reasons=all_reasons(),
                                  host=request.host_url)  # fmt: skip
    return Response(html, mimetype="text/html")


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def api_not_found(rest: str):  # noqa: ANN201 - unknown API paths answer problem+json, not a Dash page
    from app.api.problems import ApiProblem, problem_response

    return problem_response(ApiProblem("NOT_FOUND", f"no endpoint /api/v1/{rest}"[:200]))
