"""The codebase's shape rules (issue 12), checked on the source: where queries, time conversions and
test helpers may live."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("trading", "db", "services", "workers", "app")
QUERY_BUILDERS = {"select", "insert", "update", "delete", "text"}


def _sources(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def test_queries_are_built_only_in_db_repositories():
    """SQLAlchemy statement builders are imported only by repositories, migrations and the engine."""
    allowed = ("db/repositories/", "db/migrations/", "db/engine.py", "db/partitions.py", "db/seed.py")
    offenders = []
    for path in _sources(*PACKAGES):
        rel = str(path.relative_to(ROOT))
        if rel.startswith(allowed):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                names = {a.name for a in node.names} & QUERY_BUILDERS
                if names:
                    offenders.append(f"{rel}: {sorted(names)}")
    assert offenders == []


def test_time_zone_conversions_live_in_one_module():
    """Dropping or attaching the KST zone by hand happens only in trading/timeconv.py."""
    pattern = re.compile(r"replace\(tzinfo=(None|KST)\)")
    offenders = [
        str(p.relative_to(ROOT))
        for p in _sources(*PACKAGES)
        if p.name != "timeconv.py" and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_tests_share_helpers_as_packages():
    """No test edits ``sys.path``, and no test module imports another test module."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            is_path = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
            if is_path and node.attr == "insert" and node.value.attr == "path":
                offenders.append(f"{path.relative_to(ROOT)}: sys.path.insert")
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1].startswith("test_"):
                offenders.append(f"{path.relative_to(ROOT)}: imports {node.module}")
            if isinstance(node, ast.Import) and any(
                a.name.split(".")[-1].startswith("test_") for a in node.names
            ):
                offenders.append(f"{path.relative_to(ROOT)}: imports a test module")
    assert offenders == []
