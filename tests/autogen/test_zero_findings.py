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
from migcheck.result import Finding

pytestmark = pytest.mark.usefixtures("pg_server")

_spec = importlib.util.spec_from_file_location("shop_models", FIXTURES / "shop" / "models.py")
assert _spec is not None and _spec.loader is not None
_models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_models)

#: every stage the autogen tests autogenerate, and a volatile default per function; not the
#: ``_guess`` stages, whose revisions stop on purpose until a person decides (their drops and
#: blocking alters are what lint rightly flags), nor ``pk_bigint``, which needs the integer
#: tables its own tests create (test_key_widening.py)
CASES = [s for s in _models.STAGES if s not in ("base", "pk_bigint") and not s.endswith("_guess")]


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


def findings(shop: Shop) -> list[Finding]:
    return lint_alembic(str(shop.root), Settings()).findings


def shown(found: list[Finding]) -> str:
    return "\n".join(
        f"{f.rule} {Path(f.location.path).name}:{f.location.line} {f.message}" for f in found
    )


def _undoes_upgrade(finding: Finding, originals: dict[str, str]) -> bool:
    """A downgrade's drop or rename of exactly what its own upgrade added, swapped or renamed.

    Lint reads a downgrade like any revision and so flags it (MC301/MC302/MC203); an ignore
    comment in ``downgrade()`` would be reported unused (MC001) by lint, which does not render
    downgrades. The old column a rename's contract downgrade restores is written by its sync
    trigger on every INSERT, which MC209 cannot see. The downgrade of an added or removed enum
    value is the type swap, which drops each column using the type once its replacement of the
    other type is filled, and gives the replacement its name (MC302, MC203), as ``enum_remove``'s
    upgrade does. Anything else a downgrade does must give no
    finding at all.
    """
    upgrade = originals[Path(finding.location.path).name].split("def downgrade(")[0]
    if finding.rule in ("MC202", "MC301") and "rename_table_behind_view(" in upgrade:
        return True  # the view goes and the table gets its old name back
    if finding.rule == "MC209" and "drop_renamed_column(" in upgrade:
        return True  # the old column comes back with a sync trigger: every INSERT fills it
    if finding.rule == "MC119" and "swap_key(" in upgrade:
        return True  # the swap back locks the tables up front too, referencing ones first
    enum_swap = re.search(r"(add_enum_value|swap_enum_type)\(", upgrade)
    if finding.rule in ("MC302", "MC203") and enum_swap:
        return True  # the type swap back moves the columns to the old type, as enum_remove
    if finding.rule == "MC302":
        columns = re.findall(r"sa\.Column\('([^']+)'", upgrade)
        return any(re.search(rf'\."?{re.escape(c)}"? loses', finding.message) for c in columns)
    if finding.rule == "MC301":
        tables = re.findall(r"create_table\('([^']+)'", upgrade)
        return any(re.search(rf'TABLE "?{re.escape(t)}"? ', finding.message) for t in tables)
    return finding.rule == "MC203" and "replace_column(" in upgrade


@pytest.mark.parametrize("stage", CASES)
def test_generated_upgrades_and_downgrades_lint_clean(shop: Shop, stage: str) -> None:
    generated = shop.revision(stage=stage)
    shop.fill_in("0")
    assert shown(findings(shop)) == ""

    head = _revision_id(generated[-1])
    originals = {}
    for index, path in enumerate(reversed(generated)):
        mirror_id = f"down{index:02d}"
        originals[_mirror(path, mirror_id, head, index).name] = path.read_text()
        head = mirror_id
    found = [f for f in findings(shop) if f.rule != "MC001" or "down" not in f.location.path]
    unexpected = [f for f in found if not _undoes_upgrade(f, originals)]
    assert shown(unexpected) == ""
