"""Secrets never show in repr()/str() of the settings or of the adapters' options."""

from __future__ import annotations

from trading.brokers.kis.options import KisOptions
from trading.brokers.kiwoom.options import KiwoomOptions
from trading.config import load_settings, mask_url

SECRETS = (
    "db-pass-123",
    "redis-pass-456",
    "flask-secret-789",
    "kis-secret-abc",
    "kis-key-def",
    "kw-secret-ghi",
)


def test_settings_repr_and_str_hide_every_secret(tmp_path):
    s = load_settings(
        database_url="mysql+pymysql://gslts:db-pass-123@db.example:3306/gslts",
        redis_url="redis://:redis-pass-456@127.0.0.1:6379/0",
        secret_key="flask-secret-789",
        admin_password="admin-pass-000",
        broker="kis",
        kis_app_key="kis-key-def",
        kis_app_secret="kis-secret-abc",
        kiwoom_app_key="kw-key",
        kiwoom_secret_key="kw-secret-ghi",
        data_dir=tmp_path,
    )
    for text in (repr(s), str(s)):
        for secret in (*SECRETS, "admin-pass-000"):
            assert secret not in text, secret
    assert "gslts:***@db.example" in repr(s)
    assert s.database_url.endswith("@db.example:3306/gslts")  # the value itself is intact


def test_adapter_options_hide_keys_and_account_numbers(tmp_path):
    s = load_settings(
        broker="kis", kis_app_key="kis-key-def", kis_app_secret="kis-secret-abc", kis_account="87654321-01",
        kiwoom_app_key="kw-key-jkl", kiwoom_secret_key="kw-secret-ghi", data_dir=tmp_path,
    )  # fmt: skip
    kis, kw = KisOptions.from_settings(s), KiwoomOptions.from_settings(s)
    assert kis.app_secret == "kis-secret-abc"
    text = repr(kis) + str(kis) + repr(kw) + str(kw)
    for secret in ("kis-key-def", "kis-secret-abc", "87654321", "kw-key-jkl", "kw-secret-ghi"):
        assert secret not in text, secret


def test_mask_url_leaves_urls_without_password_alone():
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert mask_url("mysql+pymysql://root@127.0.0.1/test") == "mysql+pymysql://root@127.0.0.1/test"
    assert mask_url("redis://user:pw@h:1/0") == "redis://user:***@h:1/0"
