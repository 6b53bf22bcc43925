"""migcheck verify on the fixture projects in fixtures/verify, against a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from migcheck.alembic_project.project import load_project
from migcheck.errors import MigcheckError
from migcheck.pg import Server
from migcheck.verify.results import RevisionResult, VerifyResult
from migcheck.verify.walk import VerifyOptions, verify_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"


def run(server: Server, name: str, **options: object) -> VerifyResult:
    project = load_project(FIXTURES / name)
    return verify_project(project, server, VerifyOptions(**options))  # type: ignore[arg-type]


def revision(result: VerifyResult, rev: str) -> RevisionResult:
    return next(r for r in result.revisions if r.revision == rev)


def kinds(result: VerifyResult, rev: str) -> list[str]:
    return [p.kind for p in revision(result, rev).problems]


def messages(result: VerifyResult, rev: str) -> list[str]:
    return [p.message for p in revision(result, rev).problems]


def test_clean_project_passes_with_no_drift(pg_server: Server) -> None:
    result = run(pg_server, "clean")
    assert result.ok, [(r.revision, r.problems) for r in result.revisions] + [result.drift]
    assert [r.revision for r in result.revisions] == ["a1", "a2", "a3"]
    assert all(r.status == "pass" and not r.problems for r in result.revisions)
    assert result.drift_checked and result.drift == []


def test_leftover_index_is_named_and_reupgrade_failure_reported(pg_server: Server) -> None:
    result = run(pg_server, "leftover_index")
    assert not result.ok
    assert revision(result, "a1").status == "pass"
    assert revision(result, "a2").status == "fail"
    assert (
        "index ix_users_created_at on users exists after downgrade to a1 but did not before"
        in messages(result, "a2")
    )
    assert kinds(result, "a2") == ["not-restored", "reupgrade-failed"]
    assert "already exists" in messages(result, "a2")[1]


def test_leftover_table_with_env_var_url(pg_server: Server) -> None:
    result = run(pg_server, "leftover_table")
    assert messages(result, "a2")[0] == (
        "table audit_log exists after downgrade to a1 but did not before"
    )
    # the run goes on after the broken revision: a3 is still checked, on a rebuilt database
    assert revision(result, "a3").status == "pass"


def test_empty_downgrade(pg_server: Server) -> None:
    result = run(pg_server, "empty_downgrade")
    assert kinds(result, "a2") == ["empty-downgrade", "not-restored", "reupgrade-failed"]
    assert "column users.phone exists after downgrade to a1" in messages(result, "a2")[1]


def test_nullability_and_default_not_restored(pg_server: Server) -> None:
    result = run(pg_server, "not_restored")
    assert "column users.name: nullable before, NOT NULL after downgrade to a1" in messages(
        result, "a2"
    )
    a3 = messages(result, "a3")
    assert a3 == [
        "column users.email: no default before, default 'unknown@example.com'::text "
        "after downgrade to a2"
    ]


def test_leftover_enum_breaks_reupgrade(pg_server: Server) -> None:
    result = run(pg_server, "leftover_enum")
    assert kinds(result, "a2") == ["not-restored", "reupgrade-failed"]
    assert messages(result, "a2")[0] == (
        "enum type mood exists after downgrade to a1 but did not before"
    )
    assert 'type "mood" already exists' in messages(result, "a2")[1]


def test_dropped_constraint_not_restored(pg_server: Server) -> None:
    result = run(pg_server, "dropped_constraint")
    assert (
        "constraint uq_users_email on users existed before but is missing after downgrade to a1"
        in messages(result, "a2")
    )


def test_drift_is_found(pg_server: Server) -> None:
    result = run(pg_server, "drift")
    assert all(r.status == "pass" for r in result.revisions)
    assert not result.ok
    found = {d.kind: d.message for d in result.drift}
    assert found["remove_table"] == "table sessions is in the database but not in the models"
    assert found["add_column"] == "column users.last_login is in the models but not in the database"
    assert found["modify_nullable"] == (
        "column users.name: nullable in the database, NOT NULL in the models"
    )


def test_multiple_heads_fail_unless_allowed(pg_server: Server) -> None:
    result = run(pg_server, "multiple_heads")
    assert not result.ok
    assert kinds(result, "b1") == ["multiple-heads"] and kinds(result, "c1") == ["multiple-heads"]
    allowed = run(pg_server, "multiple_heads", allow_multiple_heads=True)
    assert allowed.ok
    assert {r.revision for r in allowed.revisions} == {"a1", "b1", "c1"}


def test_merge_revision_walked_in_topological_order(pg_server: Server) -> None:
    result = run(pg_server, "merge")
    order = [r.revision for r in result.revisions]
    assert result.ok, [(r.revision, r.problems) for r in result.revisions]
    assert order.index("d1") > max(order.index("b1"), order.index("c1"))
    assert order[-1] == "e1"


def test_autocommit_block_and_transaction_per_migration(pg_server: Server) -> None:
    result = run(pg_server, "autocommit")
    assert result.ok, [(r.revision, r.problems) for r in result.revisions]


def test_declared_floor_is_reported_not_crashed(pg_server: Server) -> None:
    result = run(pg_server, "floor")
    assert kinds(result, "a2") == ["declared-floor"]
    assert "NotImplementedError: deleted rows cannot be restored" in messages(result, "a2")[0]
    assert revision(result, "a3").status == "pass"
    assert any("declared floor a2" in note for note in result.notes)
    assert not result.ok
    tolerated = run(pg_server, "floor", allow_floor=True)
    assert tolerated.ok and kinds(tolerated, "a2") == ["declared-floor"]


def test_from_checks_only_later_revisions(pg_server: Server) -> None:
    result = run(pg_server, "leftover_table", start="a3")
    assert [r.revision for r in result.revisions] == ["a3"]
    assert result.ok


def test_broken_env_import_is_a_one_line_error(pg_server: Server) -> None:
    with pytest.raises(MigcheckError) as caught:
        run(pg_server, "broken_env")
    text = str(caught.value)
    assert "\n" not in text
    assert "env.py" in text and "myapp_models_that_do_not_exist" in text


def test_unknown_from_revision_is_a_usage_error(pg_server: Server) -> None:
    with pytest.raises(MigcheckError, match="zz"):
        run(pg_server, "clean", start="zz")


@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full-snapshots"])
def test_changes_that_take_no_lock_are_still_seen(pg_server: Server, full: bool) -> None:
    """A type renamed, an index made on another connection or in autocommit mode."""
    result = run(pg_server, "sneaky", full_snapshots=full)
    assert messages(result, "a2")[0] == (
        "enum type mood_old exists after downgrade to a1 but did not before"
    )
    assert messages(result, "a3")[0] == (
        "index ix_orders_id on orders exists after downgrade to a2 but did not before"
    )
    assert revision(result, "a4").status == "pass"  # renamed and renamed back: no difference
    assert messages(result, "a5") == [
        "index ix_orders_user on orders exists after downgrade to a4 but did not before"
    ]
    assert revision(result, "a6").status == "pass"
    a7 = messages(result, "a7")
    assert "schema reports exists after downgrade to a6 but did not before" in a7
    assert any(m.startswith("function score(): definition `") and "SELECT 1" in m for m in a7)


def test_incremental_and_full_snapshots_agree_on_every_fixture(pg_server: Server) -> None:
    for name in ("leftover_index", "not_restored", "merge", "autocommit", "floor"):
        fast = run(pg_server, name)
        full = run(pg_server, name, full_snapshots=True)
        assert [(r.revision, r.status, r.problems) for r in fast.revisions] == [
            (r.revision, r.status, r.problems) for r in full.revisions
        ], name


def test_ini_section_x_arguments_depends_on_and_version_table_schema(pg_server: Server) -> None:
    project = load_project(FIXTURES / "options", name="tenant", x_args=["prefix=acme"])
    result = verify_project(project, pg_server, VerifyOptions(allow_multiple_heads=True))
    assert result.ok, [(r.revision, r.problems) for r in result.revisions]
    order = [r.revision for r in result.revisions]
    assert order.index("a2") > max(order.index("a1"), order.index("b1"))  # depends_on
    with pytest.raises(MigcheckError, match="KeyError: 'prefix'"):
        verify_project(load_project(FIXTURES / "options", name="tenant"), pg_server)


def test_enum_created_by_create_table_is_recreated_on_reupgrade(pg_server: Server) -> None:
    # Alembic's impl remembers named types it created; each step must run as its own command
    # would, or the re-upgrade skips CREATE TYPE and fails with "type does not exist".
    result = run(pg_server, "enum_in_table")
    assert result.ok, [(r.revision, r.problems) for r in result.revisions]


def test_function_layout_is_not_a_difference_but_literal_spaces_are(pg_server: Server) -> None:
    result = run(pg_server, "function_whitespace")
    assert revision(result, "a2").status == "pass", messages(result, "a2")
    assert kinds(result, "a3") == ["not-restored"]
    assert "'no.  ' || n" in messages(result, "a3")[0]


def test_missing_extension_is_the_server_not_the_revision(pg_server: Server) -> None:
    with pytest.raises(MigcheckError) as raised:
        run(pg_server, "missing_extension")
    message = str(raised.value)
    assert message.startswith("revision a2 (migrations/versions/a2_extension.py:10) needs ")
    assert 'extension "migcheck_absent_extension", which the ' in message
    assert "server does not have" in message


def test_unnamed_constraint_message_has_no_memory_address(pg_server: Server) -> None:
    result = run(pg_server, "unnamed_constraint")
    assert kinds(result, "a2") == ["downgrade-failed"]
    message = messages(result, "a2")[0]
    assert "Can't emit DROP CONSTRAINT" in message and "it has no name" in message
    assert " object at 0x" not in message
    assert "ReadOnlyColumnCollection>" in message


def test_dropped_owned_sequence_is_seen_without_its_table_being_touched(
    pg_server: Server,
) -> None:
    # DROP SEQUENCE and OWNED BY NONE lock the sequence only; the table listing it must still be
    # rendered again
    for full in (False, True):
        result = run(pg_server, "dropped_sequence", full_snapshots=full)
        assert revision(result, "a2").status == "pass", messages(result, "a2")
        assert kinds(result, "a3") == ["empty-downgrade", "not-restored", "reupgrade-failed"]
        assert messages(result, "a3")[1] == (
            "sequence items_id_seq existed before but is missing after downgrade to a2"
        )
        assert revision(result, "a4").status == "pass", messages(result, "a4")
        assert messages(result, "a5")[1] == (
            "sequence item_names_seq: owned by public.items.name before, "
            "owned by no column after downgrade to a4"
        )
