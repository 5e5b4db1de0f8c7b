"""Korean/English display formatting for money, quantities and percentages.

Amounts are int won. Abbreviated amounts truncate toward zero (the figure is never overstated,
and a value never rounds up into the next unit, e.g. 999,999,999,999 → "9,999억", not "10,000억").
"""

from __future__ import annotations

JO = 10**12  # 조
EOK = 10**8  # 억
MAN = 10**4  # 만


def _sign(n: int) -> str:
    return "-" if n < 0 else ""


def _one_decimal(a: int, unit: int) -> str:
    """``a / unit`` (a >= 0) with one decimal, truncated."""
    tenths = a * 10 // unit
    return f"{tenths // 10:,}.{tenths % 10}"


def won(amount: int) -> str:
    """70200 → "70,200원"."""
    return f"{amount:,}원"


def amount_kr(amount: int) -> str:
    """Korean abbreviation: ≥1조 → 1 decimal "1.2조"; ≥1억 → whole 억 "8,500억";
    ≥1만 → whole 만 "3,500만"; below → "9,999원". Truncated toward zero; negatives get "-".
    """
    a = abs(amount)
    if a >= JO:
        body = f"{_one_decimal(a, JO)}조"
    elif a >= EOK:
        body = f"{a // EOK:,}억"
    elif a >= MAN:
        body = f"{a // MAN:,}만"
    else:
        body = f"{a:,}원"
    return _sign(amount) + body


def amount_en(amount: int) -> str:
    """English abbreviation: "KRW 1.2tn", "KRW 850bn", "KRW 35m", "KRW 9,999".
    tn always has 1 decimal; bn and m have 1 decimal below 10 units ("KRW 1.5bn"), none from 10.
    Truncated toward zero; negatives get "-" after "KRW ".
    """
    a = abs(amount)
    for unit, suffix in ((10**12, "tn"), (10**9, "bn"), (10**6, "m")):
        if a >= unit:
            if suffix == "tn" or a < 10 * unit:
                body = _one_decimal(a, unit) + suffix
            else:
                body = f"{a // unit:,}{suffix}"
            break
    else:
        body = f"{a:,}"
    return f"KRW {_sign(amount)}{body}"


def pct(x: float, digits: int = 2) -> str:
    """``x`` in percent units (1.13 = 1.13%) → "+1.13%", "-1.13%"; anything that rounds to zero → "0.00%"."""
    text = f"{abs(x):.{digits}f}"
    if float(text) == 0:
        return f"{text}%"
    return f"{'+' if x > 0 else '-'}{text}%"


def pct_or_dash(x: float | None, digits: int = 2) -> str:
    """``pct(x)``, or "-" for no value."""
    return "-" if x is None else pct(x, digits)


def signed(n: int) -> str:
    """800 → "+800", -800 → "-800", 0 → "0" (thousands separators)."""
    return f"{n:+,}" if n else "0"


def signed_pct(n: int, x: float) -> str:
    """A change and its percentage: (800, 1.13) → "+800 (+1.13%)"."""
    return f"{signed(n)} ({pct(x)})"


def won_words(amount: int, lang: str = "ko") -> str:
    """Readable money: "1억 2,345만원", "3억원", "5,000만원", "9,999원" (Korean drops the part below 만원
    once there are 만원); English "KRW 123,450,000"."""
    if lang == "en":
        return f"KRW {amount:,}"
    sign, a = _sign(amount), abs(int(amount))
    eok, man = divmod(a // MAN, EOK // MAN)
    if eok and man:
        return f"{sign}{eok:,}억 {man:,}만원"
    if eok:
        return f"{sign}{eok:,}억원"
    if man:
        return f"{sign}{man:,}만원"
    return f"{sign}{a:,}원"


def qty(n: int) -> str:
    """1234 → "1,234주"."""
    return f"{n:,}주"
