"""The public REST API under ``/api/v1``: token auth with scopes, problem+json errors, per-token rate
limits, ``Idempotency-Key`` on POST, an OpenAPI 3 spec generated from the pydantic models, a docs page.

``init_api(server)`` registers it; each resource module (``market``, ``account``, ``orders``, ``jobs``)
declares its endpoints with ``endpoint.api`` on the one blueprint ``bp``, which also feeds the spec.
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from werkzeug.exceptions import HTTPException

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_api(server: Flask) -> None:
    """Register the API's routes (imported here so each module adds its endpoints to ``bp``)."""
    from app.api import account, admin, docs, jobs, market, orders  # noqa: F401 - they register routes
    from app.api.problems import ApiProblem, problem_response
    from app.auth import csrf

    server.register_blueprint(bp)
    csrf.exempt(bp)  # bearer tokens only: the API never accepts the session cookie

    def _http_error(err: HTTPException):  # noqa: ANN202
        if not request.path.startswith("/api/v1/"):
            return err
        reason = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(err.code or 0, "INVALID_REQUEST")
        return problem_response(ApiProblem(reason))

    server.register_error_handler(404, _http_error)
    server.register_error_handler(405, _http_error)
