"""What a rule module may depend on: the rule shape, the shared helpers, facts and schema state."""

from __future__ import annotations

import ast
from pathlib import Path

import migcheck.rules

RULES = Path(migcheck.rules.__file__).parent

#: the migcheck modules (and packages) a rule may import
ALLOWED = (
    "migcheck.rules.base",
    "migcheck.rules.helpers",
    "migcheck.sql",
    "migcheck.postgres",
    "migcheck.lint.schema",
    "migcheck.result",
)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_rules_import_no_other_rule() -> None:
    for path in sorted(RULES.glob("mc*.py")):
        ours = {m for m in _imports(path) if m.startswith("migcheck")}
        stray = {m for m in ours if not m.startswith(ALLOWED) or m.startswith("migcheck.rules.mc")}
        assert not stray, f"{path.name} imports {sorted(stray)}"
