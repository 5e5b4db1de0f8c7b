from __future__ import annotations

import pytest

from trading.config import BROKER_URLS, ConfigError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for key in ("DATABASE_URL", "REDIS_URL", "BROKER", "BROKER_ENV", "PORT", "HOST", "LIVE_TRADING"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_the_embedded_mode():
    s = load_settings()
    assert s.embedded and s.is_sqlite
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("data/gslts.db")
    assert (s.host, s.port) == ("127.0.0.1", 8050)
    assert s.broker == "paper" and s.broker_env == "mock" and s.live_trading is False


def test_environment_and_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("REDIS_URL=redis://127.0.0.1:6379/0\nPORT=9000\n")
    monkeypatch.setenv("BROKER_ENV", "real")
    s = load_settings()
    assert not s.embedded and s.port == 9000 and s.broker_env == "real"


def test_every_bad_key_is_named_in_one_message(monkeypatch):
    monkeypatch.setenv("PORT", "abc")
    monkeypatch.setenv("BROKER", "etrade")
    monkeypatch.setenv("BROKER_ENV", "prod")
    with pytest.raises(ConfigError) as exc:
        load_settings()
    msg = str(exc.value)
    assert "PORT" in msg and "BROKER:" in msg and "BROKER_ENV" in msg


def test_broker_needs_its_keys(monkeypatch):
    monkeypatch.setenv("BROKER", "kis")
    monkeypatch.setenv("KIS_APP_KEY", "")
    with pytest.raises(ConfigError, match="KIS_APP_KEY"):
        load_settings()


def test_secrets_never_show_in_repr(monkeypatch):
    monkeypatch.setenv("BROKER", "kis")
    monkeypatch.setenv("KIS_APP_KEY", "PSabcdefghijklmnop")
    monkeypatch.setenv("KIS_APP_SECRET", "very-secret-value-123456")
    s = load_settings()
    assert "very-secret-value" not in repr(s) and "very-secret-value" not in str(s.model_dump())
    assert s.kis_app_secret.get_secret_value() == "very-secret-value-123456"


def test_broker_urls_default_and_override(monkeypatch):
    s = load_settings(broker="paper", broker_env="mock")
    assert s.broker_urls("kis") == BROKER_URLS[("kis", "mock")]
    s = load_settings(broker_env="real", kiwoom_rest_url="http://127.0.0.1:9999/")
    assert s.broker_urls("kiwoom")[0] == "http://127.0.0.1:9999"


def test_live_trading_requires_a_real_broker():
    with pytest.raises(ConfigError, match="LIVE_TRADING"):
        load_settings(live_trading=True)
