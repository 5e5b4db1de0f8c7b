import pytest

from trading.krx.fmt import amount_en, amount_kr, pct, pct_or_dash, qty, signed, signed_pct, won, won_words


@pytest.mark.parametrize(
    ("n", "text"),
    [(70_200, "70,200원"), (0, "0원"), (-1_500, "-1,500원"), (1_234_567_890, "1,234,567,890원")],
)
def test_won(n: int, text: str) -> None:
    assert won(n) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1_200_000_000_000, "1.2조"),
        (1_000_000_000_000, "1.0조"),
        (1_299_999_999_999, "1.2조"),  # truncated
        (12_345_600_000_000, "12.3조"),
        (1_234_500_000_000_000, "1,234.5조"),
        (999_999_999_999, "9,999억"),  # never rounds up into 조
        (850_000_000_000, "8,500억"),
        (100_000_000, "1억"),
        (199_999_999, "1억"),
        (99_999_999, "9,999만"),
        (35_000_000, "3,500만"),
        (10_000, "1만"),
        (9_999, "9,999원"),
        (1, "1원"),
        (0, "0원"),
        (-1_200_000_000_000, "-1.2조"),
        (-850_000_000_000, "-8,500억"),
        (-35_000_000, "-3,500만"),
        (-9_999, "-9,999원"),
    ],
)
def test_amount_kr(n: int, text: str) -> None:
    assert amount_kr(n) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1_200_000_000_000, "KRW 1.2tn"),
        (850_000_000_000, "KRW 850bn"),
        (1_500_000_000, "KRW 1.5bn"),
        (35_000_000, "KRW 35m"),
        (3_590_000, "KRW 3.5m"),
        (999_999, "KRW 999,999"),
        (0, "KRW 0"),
        (-850_000_000_000, "KRW -850bn"),
    ],
)
def test_amount_en(n: int, text: str) -> None:
    assert amount_en(n) == text


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (1.13, 2, "+1.13%"),
        (-1.13, 2, "-1.13%"),
        (0.0, 2, "0.00%"),
        (-0.0, 2, "0.00%"),
        (-0.001, 2, "0.00%"),
        (0.004, 2, "0.00%"),
        (29.99, 1, "+30.0%"),
        (-30.0, 0, "-30%"),
        (0.0, 0, "0%"),
    ],
)
def test_pct(x: float, digits: int, text: str) -> None:
    assert pct(x, digits) == text


def test_pct_default_digits() -> None:
    assert pct(1.125) in ("+1.12%", "+1.13%")  # float repr; no sign issues
    assert pct(2.5) == "+2.50%"


@pytest.mark.parametrize(("n", "text"), [(800, "+800"), (-800, "-800"), (0, "0"), (12_345, "+12,345")])
def test_signed(n: int, text: str) -> None:
    assert signed(n) == text


@pytest.mark.parametrize(("n", "text"), [(1_234, "1,234주"), (0, "0주"), (1, "1주")])
def test_qty(n: int, text: str) -> None:
    assert qty(n) == text


def test_pct_or_dash_and_signed_pct() -> None:
    assert pct_or_dash(None) == "-" and pct_or_dash(1.234, 1) == "+1.2%"
    assert signed_pct(800, 1.13) == "+800 (+1.13%)"
    assert signed_pct(-1_500, -2.5) == "-1,500 (-2.50%)"
    assert signed_pct(0, 0.0) == "0 (0.00%)"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (123_450_000, "1억 2,345만원"),
        (300_000_000, "3억원"),
        (50_000_000, "5,000만원"),
        (10_009_999, "1,000만원"),  # below 만원 dropped
        (9_999, "9,999원"),
        (-123_450_000, "-1억 2,345만원"),
        (1_234_500_000_000, "12,345억원"),
    ],
)
def test_won_words(n: int, text: str) -> None:
    assert won_words(n) == text
    assert won_words(n, "en") == f"KRW {n:,}"
