"""fixtures/demo_safe, bench/load_proof.py's plugin side: what the plugin writes, and it verifies.

The bench compares the demo's hand-written changes with the same changes as migcheck's
autogenerate plugin writes them. Its fixture must stay exactly the plugin's output: when a
rewrite changes, the comparison would otherwise measure revisions the plugin no longer writes.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from migcheck.pg import Database, Server
from migcheck.verify.data_pass import DataOptions
from migcheck.verify.run import run_verify
from migcheck.verify.walk import VerifyOptions

ROOT = Path(__file__).resolve().parents[2]
SAFE = ROOT / "fixtures" / "demo_safe"
REGENERATE = "python bench/load_proof.py --generate writes them again; review the diff"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("load_proof", ROOT / "bench" / "load_proof.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def chain(versions: Path) -> list[tuple[str, str]]:
    """(message, everything from ``def upgrade`` on) per revision file, in history order."""
    files = {}
    for path in versions.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision(?:: str)? = '?\"?(\w+)", text, re.MULTILINE)
        down = re.search(r"^down_revision[^=]*= (?:'|\")?(\w+)", text, re.MULTILINE)
        assert revision is not None and down is not None, path
        files[down.group(1)] = (revision.group(1), text)
    order: list[tuple[str, str]] = []
    current = "None"
    while current in files:
        current, text = files[current]
        message = text.split('"""', 2)[1].splitlines()[0]
        order.append((message, text[text.index("def upgrade") :]))
    assert len(order) == len(files), "the revisions do not form one chain"
    return order


def test_demo_safe_is_what_the_plugin_writes(
    bench: ModuleType, fresh_db: Database, tmp_path: Path
) -> None:
    copy = tmp_path / "demo_safe"
    shutil.copytree(SAFE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    written = bench.generate(copy, fresh_db.url)
    assert len(written) == 11  # 7 changes, two of them in three phases
    committed = chain(SAFE / "migrations" / "versions")
    assert chain(copy / "migrations" / "versions") == committed, REGENERATE
    # the one edit: the value a person gives the country code's backfill
    assert any("values={'country_code': 'US'}" in body for _, body in committed)
    assert not any("FILL_IN" in body for _, body in committed)


def test_demo_safe_verifies_with_rows_and_pairs_every_demo_change(
    bench: ModuleType, pg_server: Server
) -> None:
    url = pg_server.endpoint.url(pg_server.maintenance_db)
    options = VerifyOptions(data=DataOptions(rows={"*": 200}))
    safe = run_verify(SAFE, options, database_url=url, pg_backend="url")
    assert all(r.status == "pass" for r in safe.revisions), [r.problems for r in safe.revisions]
    assert safe.drift_checked and not safe.drift
    assert not any(r.data_loss for r in safe.revisions)  # the contract's swap loses nothing
    naive = run_verify(ROOT / "fixtures" / "demo", options, database_url=url, pg_backend="url")
    pairs = bench.pair(naive, safe)
    assert [demo.revision for _, demo, _ in pairs] == [demo for _, demo, _ in bench._stages()]
    assert all(side.revisions for _, _, side in pairs)
    assert [len(side.revisions) for _, _, side in pairs] == [1, 3, 1, 3, 1, 1, 1]
    assert [m for m, demo, _ in pairs if bench.unsafe(demo)] == [
        "index orders by customer",
        "customers get a country code",
        "prices can not be negative",
        "product attributes become jsonb",
    ]
