"""The framework-free alert pieces: price rules on ticks, pacing, signatures, messages and digests."""

from __future__ import annotations

import json
from datetime import datetime

from trading.alerts.messages import digest, text
from trading.alerts.outgoing import Item, Message, message_id, webhook_body
from trading.alerts.pacing import after_send, backoff_s
from trading.alerts.price_rules import PriceAlertBook, Rule, check_rule
from trading.alerts.signing import signature, signed_headers, verify


def test_crossings_fire_once_and_only_after_a_price_on_the_other_side():
    book = PriceAlertBook()
    book.replace([Rule(1, 7, "005930", "above", 70_000), Rule(2, 7, "005930", "below", 69_000)])
    assert book.on_price("005930", 70_500, 69_500) == []  # first sight: already above, no crossing
    assert book.on_price("005930", 69_900, 69_500) == []
    (f,) = book.on_price("005930", 70_000, 69_500)  # exactly at the level counts
    assert (f.rule.id, f.price, f.text) == (1, 70_000, "70,000원 상향 돌파")
    assert book.on_price("005930", 69_900, 69_500) == [] and book.on_price("005930", 70_100, 69_500) == []
    (g,) = book.on_price("005930", 68_900, 69_500)
    assert g.rule.id == 2 and book.rules == {}


def test_move_pct_and_top_n():
    book = PriceAlertBook()
    book.replace([Rule(3, 7, "000660", "move_pct", 5), Rule(4, 7, "000660", "top_n", 10)])
    assert book.on_price("000660", 104_900, 100_000) == []
    (f,) = book.on_price("000660", 94_900, 100_000)
    assert f.text.startswith("전일 대비 -5.10%")
    assert book.on_ranking({"000660": 5}, {}) == []  # first sight inside: not an entry
    book.replace([Rule(5, 7, "000660", "top_n", 10)])
    assert book.on_ranking({}, {}) == []  # outside the ranking
    (g,) = book.on_ranking({"000660": 10}, {"000660": 101_000})
    assert (g.rule.id, g.price) == (5, 101_000) and "TOP 10" in g.text


def test_rule_values_are_checked():
    assert check_rule("above", 0) and check_rule("above", 70_000.5) and check_rule("move_pct", 31)
    assert check_rule("top_n", 0) and check_rule("top_n", 101)
    assert not check_rule("above", 70_000) and not check_rule("move_pct", 2.5) and not check_rule("top_n", 20)


def test_token_bucket_paces_and_backoff_doubles_to_its_cap():
    b = after_send(3.0, 0.0, 20, 3)  # a full bucket: two left, no wait
    assert b.tokens == 2.0 and b.wait_s == 0.0
    b = after_send(0.5, 0.0, 20, 3)  # half a token: wait for the rest (3 s per token at 20/min)
    assert b.tokens == -0.5 and abs(b.wait_s - 4.5) < 1e-9
    assert after_send(0.0, 600.0, 20, 3).tokens == 2.0  # refills up to the burst only
    delays = [backoff_s(n, 1.0, 8.0, jitter=0) for n in range(1, 7)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_signature_and_headers():
    body = b'{"id":"fill:F1"}'
    h = signed_headers("whsec_x", 1_700_000_000, body, "fill:F1")
    assert h["X-GSLTS-Delivery"] == "fill:F1" and h["X-GSLTS-Signature"] == signature(
        "whsec_x", 1_700_000_000, body
    )
    assert verify("whsec_x", 1_700_000_000, body, h["X-GSLTS-Signature"])
    assert not verify("whsec_y", 1_700_000_000, body, h["X-GSLTS-Signature"])
    assert not verify("whsec_x", 1_700_000_001, body, h["X-GSLTS-Signature"])  # the timestamp is signed


def test_single_and_digest_messages():
    fill = {"code": "005930", "side": "buy", "qty": 3, "price": 70_000, "order_id": "P1"}
    assert text("order.filled", fill) == "[체결] 005930 매수 3주 @ 70,000원"
    t0 = datetime(2026, 11, 30, 9, 0, 1)
    one = Message(message_id(4, [(11, "fill:F1")]), (Item("order.filled", "fill:F1", t0, fill),))
    body = json.loads(webhook_body(one))
    assert body["id"] == "fill:F1" and body["type"] == "order.filled" and body["data"] == fill
    assert body["time"] == "2026-11-30T09:00:01+09:00"
    items = tuple(Item("order.filled", f"fill:F{i}", t0, fill) for i in range(12))
    many = Message(message_id(4, [(11, "fill:F0"), (22, "fill:F11")]), items)
    body = json.loads(webhook_body(many))
    assert body["id"] == "digest:4:11-22" and body["type"] == "digest" and body["count"] == 12
    assert len(body["events"]) == 12
    lines = digest([(i.type, i.payload) for i in items]).splitlines()
    assert lines[0] == "알림 12건: 체결 12건" and lines[-1] == "… 외 2건" and len(lines) == 12


def test_texts_in_english_for_the_english_ui():
    fill = {"code": "005930", "side": "buy", "qty": 3, "price": 70_000}
    assert text("order.filled", fill, "en") == "[Filled] 005930 buy 3 sh @ 70,000"
    assert text("order.accepted", {**fill, "price": None}, "en") == "[Accepted] 005930 buy 3 sh market"
