"""No function in ``trading/`` or ``app/`` takes more than MAX_PARAMETERS parameters (numba kernels
included): group them into a record (a dataclass, or a NamedTuple for numba) instead."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("trading", "app")
MAX_PARAMETERS = 12


def parameter_count(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> int:
    """Every parameter: positional-only, regular, keyword-only, *args and **kwargs (self too)."""
    a = fn.args
    return (
        len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + (a.vararg is not None) + (a.kwarg is not None)
    )


def too_long(source: str, path: str) -> list[str]:
    """``path:line name (n)`` for each function in ``source`` over the limit."""
    out = []
    for node in ast.walk(ast.parse(source, path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            n = parameter_count(node)
            if n > MAX_PARAMETERS:
                out.append(f"{path}:{node.lineno} {getattr(node, 'name', 'lambda')} ({n})")
    return out


def test_the_check_counts_every_kind_of_parameter() -> None:
    ok = "def f(a, b, c, d, e, f, g, h, i, j, k, l): pass"
    over = "def f(a, /, b, *args, c, d, e, f, g, h, i, j, k, **kw): pass"
    method = "class C:\n    def m(self, a, b, c, d, e, f, g, h, i, j, k, l): pass"
    assert too_long(ok, "x.py") == []
    assert too_long(over, "x.py") == ["x.py:1 f (13)"]
    assert too_long(method, "x.py") == ["x.py:2 m (13)"]


def test_no_function_in_trading_or_app_takes_more_than_twelve_parameters() -> None:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found += too_long(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "group these parameters into a record:\n" + "\n".join(found)
