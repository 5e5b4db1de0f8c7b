"""Stock search: code, Korean/English names, 초성, ranking tiers and liquidity ties."""

from __future__ import annotations

import time

import pytest

from trading.market.stocks import load_listing
from trading.search import SearchIndex, StockEntry, choseong, has_jamo

STOCKS = [
    StockEntry("005930", "삼성전자", "Samsung Electronics", "KOSPI"),
    StockEntry("005935", "삼성전자우", "Samsung Electronics Pref", "KOSPI"),
    StockEntry("028260", "삼성물산", "Samsung C&T", "KOSPI"),
    StockEntry("000660", "SK하이닉스", "SK hynix", "KOSPI"),
    StockEntry("035420", "NAVER", "NAVER", "KOSPI"),
    StockEntry("009150", "삼성전기", "Samsung Electro-Mechanics", "KOSPI"),
    StockEntry("123456", "신성지제", "Shinsung", "KOSDAQ"),
]


def codes(hits):
    return [h.code for h in hits]


def test_choseong_and_jamo_detection():
    assert choseong("삼성전자") == "ㅅㅅㅈㅈ"
    assert choseong("SK하이닉스") == "SKㅎㅇㄴㅅ"
    assert choseong("까치") == "ㄲㅊ"
    assert has_jamo("ㅅㅅ") and has_jamo("삼ㅅ") and not has_jamo("삼성")


def test_choseong_query_finds_samsung_first():
    idx = SearchIndex(STOCKS)
    hits = idx.search("ㅅㅅㅈㅈ")
    # 삼성전자, 삼성전자우 and 신성지제 all spell ㅅㅅㅈㅈ at the start; the shortest/most liquid first.
    assert codes(hits)[0] == "005930"
    assert set(codes(hits)) == {"005930", "005935", "123456"}
    assert all(h.tier == 3 for h in hits)
    # Liquidity breaks the tie over name length.
    hits = idx.search("ㅅㅅㅈㅈ", liquidity={"123456": 10**12, "005930": 10**11})
    assert codes(hits)[:2] == ["123456", "005930"]


def test_mixed_syllable_and_jamo_query():
    idx = SearchIndex(STOCKS)
    assert codes(idx.search("삼성ㅈ"))[:2] == ["005930", "009150"]
    assert codes(idx.search("삼ㅅㅁㅅ")) == ["028260"]
    assert idx.search("ㅈㅈ")[0].tier == 4  # 초성 in the middle of the name


def test_tiers_exact_code_then_prefix_then_substring():
    idx = SearchIndex(STOCKS)
    hits = idx.search("005930")
    assert hits[0].code == "005930" and hits[0].tier == 0
    hits = idx.search("00593")
    assert set(codes(hits)) == {"005930", "005935"} and all(h.tier == 2 for h in hits)
    hits = idx.search("전자")
    assert codes(hits) == ["005930", "005935"] and all(h.tier == 5 for h in hits)
    # The exact name beats a longer name with the same prefix.
    assert [h.tier for h in idx.search("삼성전자")][:2] == [1, 2]


def test_english_name_case_and_spaces_ignored():
    idx = SearchIndex(STOCKS)
    assert codes(idx.search("sk hynix")) == ["000660"]
    assert (
        codes(idx.search("samsung elec"))[:3] == ["005930", "009150", "005935"]
        or codes(idx.search("samsung elec"))[0] == "005930"
    )
    assert codes(idx.search("naver")) == ["035420"]
    assert idx.search("naver")[0].tier == 1


@pytest.mark.parametrize("q", ["", "   "])
def test_empty_query_has_no_hits(q):
    assert SearchIndex(STOCKS).search(q) == []


def test_whole_master_is_fast_and_finds_samsung():
    idx = SearchIndex(StockEntry(s.code, s.name_ko, s.name_en or "", s.market.value) for s in load_listing())
    assert len(idx) > 2500
    t0 = time.perf_counter()
    hits = idx.search("ㅅㅅㅈㅈ", liquidity={"005930": 10**13})
    assert (time.perf_counter() - t0) < 0.05
    assert hits[0].name_ko == "삼성전자"
    assert idx.search("삼성전자")[0].code == "005930"
