"""The text catalogue (``app/text/``): unique keys, both languages, one area per namespace, and every
key the app asks for exists."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from app.text import AREAS, CATALOGUE, NAMESPACES, t

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
TEXT_DIR = APP / "text"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _literal_keys(path: Path) -> list[str]:
    """The keys of the ``TEXT`` dict literal of an area module, as written (repeats included: a dict
    literal would keep only the last of two equal keys)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign | ast.Assign) and isinstance(node.value, ast.Dict):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(x, ast.Name) and x.id == "TEXT" for x in targets):
                return [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
    raise AssertionError(f"{path} has no TEXT dict")


def test_every_area_module_is_in_the_catalogue():
    modules = {p.stem for p in TEXT_DIR.glob("*.py") if p.stem != "__init__"}
    assert modules == set(AREAS)


def test_keys_are_unique_across_areas_and_within_each_table():
    seen: dict[str, str] = {}
    repeated = []
    for area in AREAS:
        for key in _literal_keys(TEXT_DIR / f"{area}.py"):
            if key in seen:
                repeated.append((key, seen[key], area))
            seen[key] = area
    assert not repeated, repeated
    assert set(seen) == set(CATALOGUE)


def test_each_namespace_lives_in_one_area():
    owners: dict[str, set[str]] = {}
    for area, module in AREAS.items():
        for key in module.TEXT:
            assert "." in key, f"{key!r}: keys are namespace.name"
            owners.setdefault(key.split(".", 1)[0], set()).add(area)
    assert {ns: areas for ns, areas in owners.items() if len(areas) > 1} == {}
    assert {ns: next(iter(areas)) for ns, areas in owners.items()} == NAMESPACES


def test_every_key_has_korean_and_english_with_the_same_placeholders():
    for key, value in CATALOGUE.items():
        assert isinstance(value, tuple) and len(value) == 2, key
        ko, en = value
        assert isinstance(ko, str) and ko.strip(), f"{key}: no Korean"
        assert isinstance(en, str) and en.strip(), f"{key}: no English"
        # English may add a plural "{s}"; nothing else may be missing on either side.
        assert _fields(ko) <= _fields(en) and _fields(en) - _fields(ko) <= {"s"}, key


def _used_keys() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(literal keys, f-string key prefixes) asked for anywhere in ``app/``, with the file asking."""
    keys: set[tuple[str, str]] = set()
    prefixes: set[tuple[str, str]] = set()

    def add(arg: ast.expr, where: str, before: str = "") -> None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            keys.add((before + arg.value, where))
        elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
            prefixes.add((before + arg.values[0].value, where))
        elif (
            isinstance(arg, ast.BinOp)
            and isinstance(arg.op, ast.Add)
            and isinstance(arg.left, ast.Constant)
            and isinstance(arg.left.value, str)
        ):
            prefixes.add((before + arg.left.value, where))

    for path in sorted(APP.rglob("*.py")):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            args = node.args
            if name == "t" and args:
                add(args[0], where)
            elif name == "term" and len(args) > 1:
                add(args[1], where, "help.")
            elif name == "help_icon" and args:
                add(args[0], where, "help.")
            elif name == "register_page":
                for kw in node.keywords:
                    if kw.arg == "nav_label":
                        add(kw.value, where)
    return keys, prefixes


def test_every_key_the_app_uses_exists():
    keys, prefixes = _used_keys()
    assert ("order.submit_buy", "app/trade/order_entry.py") in keys  # the scan sees the trade package
    assert ("help.quarter", "app/trade/chart.py") in keys  # and term(...) help
    assert any(k == "nav.ranking" for k, _ in keys)  # and register_page(nav_label=...)
    assert any(
        k.startswith("backtest.") and w.startswith("app/backtest/") for k, w in keys
    )  # the backtest package
    missing = sorted((k, where) for k, where in keys if k not in CATALOGUE)
    assert not missing, missing
    dead_ends = sorted((p, where) for p, where in prefixes if not any(k.startswith(p) for k in CATALOGUE))
    assert not dead_ends, dead_ends


def test_dynamic_keys_exist():
    from app.components.chart import QL_COLOURS
    from app.components.navbar import MODE_COLORS
    from trading.domain import OrderStatus

    for status in OrderStatus:
        assert f"status.{status.value}" in CATALOGUE
    for mode in MODE_COLORS:
        assert f"mode.{mode}" in CATALOGUE and f"mode.{mode}_tip" in CATALOGUE
    for level in QL_COLOURS:
        assert f"ql.{level}" in CATALOGUE


def test_no_other_text_table_in_the_app():
    """Texts live in the catalogue only: no page or component keeps its own ``TEXT`` table."""
    tables = []
    for path in sorted(APP.rglob("*.py")):
        if path.parent == TEXT_DIR:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
            if any(isinstance(x, ast.Name) and x.id == "TEXT" for x in targets):
                tables.append(str(path.relative_to(ROOT)))
    assert tables == []


def test_t_picks_the_language_and_formats():
    assert t("ranking.top", n=50) == "TOP 50"
    assert t("order.buy", "en") == "Buy"
    assert t("order.buy") == "매수"  # no request: Korean
    assert t("backtest.years", "en", n=2, s="s") == "2 years"
    with pytest.raises(KeyError):
        t("no.such_key")
