"""Every autogenerate case of the suite gives revisions that `migcheck lint` passes, both ways.

The upgrades are linted as `migcheck lint --alembic` renders them; the downgrades by linting a
copy of the project in which each generated revision is followed, newest first, by a mirror
revision whose ``upgrade`` is the original's ``downgrade`` (same file, same lines: suppression
comments apply as they do in the original). Default settings, zero findings.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from tests.autogen.helpers import FIXTURES, Shop

from migcheck.config import Settings
from migcheck.lint.entry import lint_alembic

pytestmark = pytest.mark.usefixtures("pg_server")

_spec = importlib.util.spec_from_file_location("shop_models", FIXTURES / "shop" / "models.py")
assert _spec is not None and _spec.loader is not None
_models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_models)

#: every stage the autogen tests autogenerate, and a volatile default per function
CASES = [stage for stage in _models.STAGES if stage != "base"]


def _mirror(path: Path, revision: str, down_revision: str, index: int) -> Path:
    """A copy of a revision file with upgrade and downgrade swapped, line for line."""
    text = path.read_text()
    swapped = re.sub(
        r"^def (upgrade|downgrade)\(",
        lambda m: "def " + ("downgrade" if m.group(1) == "upgrade" else "upgrade") + "(",
        text,
        flags=re.MULTILINE,
    )
    swapped = re.sub(r"^revision: str = .*$", f"revision: str = {revision!r}", swapped, flags=re.M)
    swapped = re.sub(
        r"^down_revision: (.*?) = .*$",
        lambda m: f"down_revision: {m.group(1)} = {down_revision!r}",
        swapped,
        flags=re.M,
    )
    mirror = path.with_name(f"down{index:02d}_{path.name}")
    mirror.write_text(swapped)
    return mirror


def _revision_id(path: Path) -> str:
    found = re.search(r"^revision: str = '([^']+)'", path.read_text(), flags=re.M)
    assert found is not None, path
    return found.group(1)


def findings(shop: Shop) -> list[str]:
    report = lint_alembic(str(shop.root), Settings())
    return [f"{f.rule} {f.location} {f.message}" for f in report.findings]


@pytest.mark.parametrize("stage", CASES)
def test_generated_upgrades_and_downgrades_lint_clean(shop: Shop, stage: str) -> None:
    generated = shop.revision(stage=stage)
    shop.fill_in("0")
    assert findings(shop) == []

    head = _revision_id(generated[-1])
    for index, path in enumerate(reversed(generated)):
        mirror_id = f"down{index:02d}"
        _mirror(path, mirror_id, head, index)
        head = mirror_id
    assert findings(shop) == []
