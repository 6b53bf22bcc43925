"""The ``migcheck`` program's garbage collector during a verify walk (migcheck.speed).

The imports are frozen out of the collector's passes, and the walk runs with the collector on:
its garbage has cycles (Alembic's and SQLAlchemy's objects of each step) that a paused collector
would keep until the process ends.
"""

from __future__ import annotations

from pathlib import Path

from tests.hardening.helpers import make_project, program


def test_the_walk_runs_with_the_collector_on_and_the_imports_frozen(tmp_path: Path) -> None:
    seen = tmp_path / "collector.txt"
    upgrade = f"""
        import gc
        with open({str(seen)!r}, "a", encoding="utf-8") as out:
            out.write(f"{{gc.isenabled()}} {{gc.get_freeze_count()}}\\n")
        op.execute("SELECT 1")
    """
    project = make_project(tmp_path / "project", [("a1", upgrade)])

    done = program("verify", str(project), "--format", "json", "--no-lint")

    assert done.returncode == 0, done.stderr
    states = [line.split() for line in seen.read_text(encoding="utf-8").splitlines()]
    assert len(states) == 2  # the first upgrade and the upgrade again
    for enabled, frozen in states:
        assert enabled == "True"
        assert int(frozen) > 0
