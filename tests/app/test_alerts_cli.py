"""``gslts alerts`` as a user runs it: a webhook added (its secret printed once), listed without the secret,
a bad URL refused with a clear message and nothing stored."""

from __future__ import annotations

import json

from support.cli import cli_env, gslts
from support.owner import prepare_database


def test_webhook_add_list_and_refusal(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    prepare_database(url)
    env = cli_env(tmp_path, url)
    added = gslts(env, "alerts", "webhook-add", "https://example.test/hook", "--name", "mine", "--json")
    assert added.returncode == 0, added.stderr
    data = json.loads(added.stdout)
    assert data["secret"].startswith("whsec_")
    listed = gslts(env, "alerts", "list", "--json")
    bad = gslts(env, "alerts", "webhook-add", "ftp://example.test/hook")
    assert json.loads(listed.stdout) == [{"id": data["id"], "kind": "webhook", "name": "mine",
                                          "url": "https://example.test/hook", "chat_id": None, "last_status": None}]  # fmt: skip
    assert data["secret"] not in listed.stdout
    assert bad.returncode == 1 and "webhook URL must be http(s)://" in (bad.stdout + bad.stderr)
