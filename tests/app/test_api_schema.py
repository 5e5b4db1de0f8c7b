"""Schemathesis runs the published OpenAPI spec against the app served over HTTP (paper market
running): every operation, a bounded number of generated requests each, no 5xx and no answer that
violates the spec (status, content type, headers, body schema). Schema-valid requests may still be
refused for what a schema cannot say (an unlisted code, an off-tick price, an unknown strategy): those
answer a typed 4xx problem, so ``positive_data_acceptance`` is not checked."""

from __future__ import annotations

import threading

import pytest
import schemathesis
from conftest import TEST_USER
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from support.api import bearer, make_token
from werkzeug.serving import make_server

EXAMPLES = 6


@pytest.fixture
def live_api(paper_dash_app, app_settings):
    server = make_server("127.0.0.1", 0, paper_dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield (
        f"http://127.0.0.1:{server.server_port}",
        make_token(app_settings.database_url, TEST_USER, ("read", "trade")),
    )
    server.shutdown()


def test_the_spec_holds_against_the_live_app(live_api):
    base, secret = live_api
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    headers = bearer(secret)
    failures: list[str] = []
    for op in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), derandomize=True)  # fmt: skip
        @given(case=op.as_strategy())
        def check(case) -> None:  # noqa: ANN001
            case.call_and_validate(base_url=base, headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as err:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{op.label}: {err}"[:2000])
    assert not failures, "\n\n".join(failures)
