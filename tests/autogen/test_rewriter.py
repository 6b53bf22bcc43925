"""The rewriter and the custom operations as data: no database needed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import render_python_code
from alembic.operations import MigrateOperation, ops

import migcheck.alembic
from migcheck.autogen import ops as mc
from migcheck.autogen import plugin


def context(dialect: str = "postgresql", metadata: sa.MetaData | None = None) -> Any:
    return SimpleNamespace(
        dialect=SimpleNamespace(name=dialect), opts={"target_metadata": metadata}
    )


def script(*upgrade: MigrateOperation, message: str = "change") -> ops.MigrationScript:
    up = ops.UpgradeOps(ops=list(upgrade))
    return ops.MigrationScript("aaaa", up, up.reverse(), message=message)


def table_ops(*children: MigrateOperation, table: str = "order") -> ops.ModifyTableOps:
    return ops.ModifyTableOps(table, list(children))


def rewritten(*upgrade: MigrateOperation, metadata: sa.MetaData | None = None) -> list[Any]:
    directives: list[Any] = [script(*upgrade)]
    migcheck.alembic.process_revision_directives(context(metadata=metadata), (), directives)
    return directives


def rendered(operations: ops.OpContainer) -> str:
    """The rendered operations, dedented, after checking they compile as a function body."""
    _, _, rest = render_python_code(operations).partition("\n")
    code = textwrap.dedent(rest)
    compile("def f():\n" + textwrap.indent(code, "    "), "<rendered>", "exec")
    return code


EXAMPLES: list[MigrateOperation] = [
    mc.CreateIndexConcurrentlyOp("ix_a", "order", ["a"]),
    mc.DropIndexConcurrentlyOp.from_index(ops.CreateIndexOp("ix_a", "order", ["a"]).to_index()),
    mc.CreateForeignKeyNotValidOp("fk", "order", "customer", ["customer_id"], ["id"]),
    mc.CreateCheckConstraintNotValidOp("ck", "order", "total >= 0"),
    mc.CreateUniqueConstraintConcurrentlyOp("uq", "order", ["email"]),
    mc.ValidateConstraintOp("fk", "order"),
    mc.AddNotNullConstraintOp("order", "weird name"),
    mc.DropNotNullConstraintOp("order", "weird name"),
    mc.BackfillOp("order", {"priority": mc.FILL_IN}, where="priority IS NULL", key="id"),
    mc.LockTimeoutBlockOp(
        [ops.DropColumnOp.from_column_and_tablename(None, "order", sa.Column("x", sa.Integer()))]
    ),
]


@pytest.mark.parametrize("op", EXAMPLES, ids=lambda op: type(op).__name__)
def test_every_op_reverses_renders_and_diffs(op: MigrateOperation) -> None:
    reverse = op.reverse()
    assert isinstance(reverse, MigrateOperation)
    assert reverse.reverse() is not None
    if isinstance(op, ops.OpContainer):
        assert op.as_diffs()
    else:
        assert op.to_diff_tuple()
    rendered(ops.UpgradeOps(ops=[op, reverse]))


def test_rendered_block_and_backfill_read_cleanly() -> None:
    code = rendered(
        ops.UpgradeOps(
            ops=[
                mc.LockTimeoutBlockOp([ops.AddColumnOp("order", sa.Column("note", sa.Text()))]),
                mc.BackfillOp("order", {"note": sa.text("'x'")}, where="note IS NULL", key="id"),
            ]
        )
    )
    assert (
        "for attempt in op.lock_timeout_retries():\n    with attempt:\n        op.add_column("
        in code
    )
    assert "values={'note': sa.text(\"'x'\")}" in code


def test_empty_directives_and_other_dialects_are_left_alone() -> None:
    directives: list[Any] = []
    migcheck.alembic.process_revision_directives(context(), (), directives)
    assert directives == []
    original = script(table_ops(ops.CreateIndexOp("ix_a", "order", ["a"])))
    directives = [original]
    migcheck.alembic.process_revision_directives(context("sqlite"), (), directives)
    assert directives == [original]
    assert type(original.upgrade_ops.ops[0].ops[0]) is ops.CreateIndexOp  # type: ignore[union-attr]


def test_user_hook_runs_first_and_may_empty_the_list() -> None:
    seen: list[str] = []

    def user_hook(ctx: Any, revision: Any, directives: list[Any]) -> None:
        seen.append(directives[0].message)
        directives.clear()

    hook = migcheck.alembic.configure_kwargs(process_revision_directives=user_hook)[
        "process_revision_directives"
    ]
    directives: list[Any] = [script(table_ops(ops.CreateIndexOp("ix_a", "order", ["a"])))]
    hook(context(), (), directives)
    assert seen == ["change"]
    assert directives == []


def test_configure_kwargs_defaults() -> None:
    kwargs = migcheck.alembic.configure_kwargs()
    assert kwargs["transaction_per_migration"] is True
    assert (
        migcheck.alembic.configure_kwargs(transaction_per_migration=False)[
            "transaction_per_migration"
        ]
        is False
    )


def test_unnamed_constraints_get_postgres_style_names() -> None:
    (result,) = rewritten(
        table_ops(
            ops.CreateForeignKeyOp(None, "order", "customer", ["customer_id"], ["id"]),
            ops.CreateUniqueConstraintOp(None, "order", ["email"]),
        )
    )
    code = rendered(result.upgrade_ops)
    assert "create_foreign_key_not_valid('order_customer_id_fkey'" in code
    assert "validate_constraint('order_customer_id_fkey', 'order')" in code
    assert "create_unique_constraint_concurrently('order_email_key'" in code


def test_alter_nullable_keeps_other_changes_under_lock_timeout() -> None:
    (result,) = rewritten(
        table_ops(
            ops.AlterColumnOp(
                "order",
                "total",
                modify_nullable=False,
                existing_type=sa.Integer(),
                modify_comment="money",
            )
        )
    )
    code = rendered(result.upgrade_ops)
    assert "with attempt:\n        op.alter_column('order', 'total'" in code
    assert "nullable" not in code.split("add_not_null_constraint")[0].split("alter_column")[1]
    assert "op.add_not_null_constraint('order', 'total')" in code


def test_not_null_column_splits_into_phases_with_primary_key() -> None:
    md = sa.MetaData()
    sa.Table("order", md, sa.Column("order_no", sa.Integer, primary_key=True))
    column = sa.Column("priority", sa.Integer(), nullable=False)
    result = rewritten(table_ops(ops.AddColumnOp("order", column)), metadata=md)
    assert [s.message for s in result] == [
        "change (expand)",
        "change (backfill)",
        "change (contract)",
    ]
    assert [s.head for s in result[1:]] == [result[0].rev_id, result[1].rev_id]
    backfill = rendered(result[1].upgrade_ops)
    assert "key='order_no'" in backfill and "values={'priority': FILL_IN}" in backfill
    assert column.nullable is False  # the model's column is not modified


def test_columns_with_server_default_stay_in_one_revision() -> None:
    column = sa.Column("priority", sa.Integer(), nullable=False, server_default="0")
    (result,) = rewritten(table_ops(ops.AddColumnOp("order", column)))
    assert "server_default='0'" in rendered(result.upgrade_ops)


def test_rewriting_twice_changes_nothing() -> None:
    (once,) = rewritten(
        table_ops(
            ops.CreateIndexOp("ix_a", "order", ["a"]),
            ops.AddColumnOp("order", sa.Column("b", sa.Integer())),
        )
    )
    first = rendered(once.upgrade_ops)
    directives: list[Any] = [once]
    migcheck.alembic.process_revision_directives(context(), (), directives)
    assert rendered(directives[0].upgrade_ops) == first


def test_a_dropped_column_waits_for_the_contract_revision() -> None:
    drop = ops.DropColumnOp.from_column_and_tablename(None, "order", sa.Column("b", sa.Integer()))
    column = sa.Column("c", sa.Integer(), nullable=False)
    expand, backfill, contract = rewritten(table_ops(drop, ops.AddColumnOp("order", column)))
    assert "drop_column" not in rendered(expand.upgrade_ops)
    assert "drop_column" not in rendered(backfill.upgrade_ops)
    assert "op.drop_column('order', 'b')" in rendered(contract.upgrade_ops)


def test_a_dropped_table_waits_for_the_contract_with_its_indexes() -> None:
    legacy = sa.Table("legacy", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    index = sa.Index("ix_legacy_id", legacy.c.id)
    drop_index = ops.DropIndexOp.from_index(index)
    column = sa.Column("c", sa.Integer(), nullable=False)
    expand, backfill, contract = rewritten(
        ops.ModifyTableOps("legacy", [drop_index]),
        ops.DropTableOp.from_table(legacy),
        table_ops(ops.AddColumnOp("order", column)),
    )
    for early in (expand, backfill):
        assert "legacy" not in rendered(early.upgrade_ops)
    code = rendered(contract.upgrade_ops)
    assert code.index("op.drop_index('ix_legacy_id'") < code.index("op.drop_table('legacy')")
    assert "lock_timeout_retries" in code


def test_a_drop_alone_is_one_revision() -> None:
    drop = ops.DropColumnOp.from_column_and_tablename(None, "order", sa.Column("b", sa.Integer()))
    (only,) = rewritten(table_ops(drop))
    assert "op.drop_column('order', 'b')" in rendered(only.upgrade_ops)
    assert only.message == "change"


def test_bigint_primary_key_referenced_by_a_foreign_key_stops() -> None:
    md = sa.MetaData()
    sa.Table("order", md, sa.Column("id", sa.BigInteger, primary_key=True))
    sa.Table(
        "order_item",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("order.id")),
    )
    alter = ops.AlterColumnOp(
        "order", "id", existing_type=sa.Integer(), modify_type=sa.BigInteger()
    )
    (result,) = rewritten(table_ops(alter), metadata=md)
    code = rendered(result.upgrade_ops)
    assert code.index("op.unsafe_change(") < code.index("op.alter_column('order', 'id'")
    assert "it is the primary key and order_item.order_id reference it" in code
    assert "ALTER SEQUENCE" in code


def _keyed(default: str | None = None) -> tuple[sa.MetaData, list[MigrateOperation]]:
    """``order.id`` and ``order_item.order_id`` widened together (a default on the latter)."""
    md = sa.MetaData()
    sa.Table("order", md, sa.Column("id", sa.BigInteger, primary_key=True))
    sa.Table(
        "order_item",
        md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("order_id", sa.BigInteger, sa.ForeignKey("order.id"), server_default=default),
    )
    widen = {"existing_type": sa.Integer(), "modify_type": sa.BigInteger()}
    changes = [
        table_ops(ops.AlterColumnOp("order", "id", **widen)),
        table_ops(
            ops.AlterColumnOp(
                "order_item",
                "order_id",
                existing_server_default=default,
                **widen,
            ),
            table="order_item",
        ),
    ]
    return md, changes


def test_primary_key_widened_with_its_foreign_key_is_phased() -> None:
    md, changes = _keyed()
    expand, backfill, contract = rewritten(*changes, metadata=md)
    code = rendered(expand.upgrade_ops)
    assert "unsafe_change" not in code and "alter_column" not in code
    assert "op.add_column_sync('order_item', 'order_id', 'order_id_new'" in code
    assert (
        "op.create_index_concurrently('order_id_new_key', 'order', ['id_new'], unique=True)" in code
    )
    assert "op.backfill(\n    'order_item'" in rendered(backfill.upgrade_ops)
    code = rendered(contract.upgrade_ops)
    assert code.index("op.add_not_null_constraint('order', 'id_new')") < code.index("op.swap_key(")
    assert "'constraint': 'order_item_order_id_fkey'" in code
    assert "constraint='order_pkey'" in code
    assert "op.restore_key(" in rendered(contract.downgrade_ops)


def test_primary_key_widened_with_a_foreign_key_it_cannot_move_stops() -> None:
    md, changes = _keyed(default="0")
    (result,) = rewritten(*changes, metadata=md)
    code = rendered(result.upgrade_ops)
    assert "it is the primary key and order_item.order_id reference it" in code
    assert "swap_key" not in code


def test_type_change_of_a_column_in_an_unnamed_check_stops() -> None:
    md = sa.MetaData()
    sa.Table(
        "order",
        md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("total", sa.BigInteger),
        sa.CheckConstraint("total >= 0"),
    )
    alter = ops.AlterColumnOp(
        "order", "total", existing_type=sa.Integer(), modify_type=sa.BigInteger()
    )
    (result,) = rewritten(table_ops(alter), metadata=md)
    code = rendered(result.upgrade_ops)
    assert code.index("op.unsafe_change(") < code.index("op.alter_column('order', 'total'")
    assert "it is in an unnamed CHECK constraint (name it in the model" in code


def test_downgrade_of_a_widening_checks_and_copies_instead_of_a_locked_scan() -> None:
    md = sa.MetaData()
    sa.Table(
        "order",
        md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("note", sa.String(200)),
    )
    alter = ops.AlterColumnOp(
        "order", "note", existing_type=sa.String(50), modify_type=sa.String(200)
    )
    (result,) = rewritten(table_ops(alter), metadata=md)
    assert "op.alter_column('order', 'note'" in rendered(result.upgrade_ops)
    down = rendered(result.downgrade_ops)
    assert down.index("op.check_values_fit('order', 'note', sa.String(length=50)") < down.index(
        "op.add_column_sync('order', 'note', 'note_new', using='note')"
    )
    assert "op.replace_column(" in down and "alter_column" not in down


def test_plugin_registers_on_import_alembic() -> None:
    code = (
        "import alembic\n"
        "from alembic.operations import Operations\n"
        "from alembic.runtime.plugins import _all_plugins\n"
        "assert 'migcheck' in _all_plugins\n"
        "assert hasattr(Operations, 'create_index_concurrently')\n"
        "assert hasattr(Operations, 'backfill')\n"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


def test_plugin_setup_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    import migcheck.autogen

    def broken() -> None:
        raise ImportError("simulated")

    monkeypatch.setattr(migcheck.autogen, "register", broken)
    plugin.setup(object())


def type_change_model(*extra: Any) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "order",
        md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("code", sa.BigInteger, index=True),
        sa.Column("label", sa.String(100)),
        *extra,
    )
    return md


def alter(column: str, old: Any, new: Any, **kw: Any) -> ops.AlterColumnOp:
    return ops.AlterColumnOp("order", column, existing_type=old, modify_type=new, **kw)


def test_rewriting_type_change_splits_into_phases() -> None:
    result = rewritten(
        table_ops(alter("code", sa.Integer(), sa.BigInteger())), metadata=type_change_model()
    )
    assert [s.message for s in result] == [
        "change (expand)",
        "change (backfill)",
        "change (contract)",
    ]
    expand, backfill, contract = (rendered(s.upgrade_ops) for s in result)
    assert "op.add_column('order', sa.Column('code_new', sa.BigInteger(), nullable=True))" in expand
    assert "op.create_index_concurrently('ix_order_code_new', 'order', ['code_new']" in expand
    assert "where='code_new IS NULL AND code IS NOT NULL'" in backfill
    assert "# migcheck: ignore[MC302, MC203]\nop.replace_column(" in contract


@pytest.mark.parametrize(
    ("change", "extra"),
    [
        (alter("label", sa.String(50), sa.String(100)), ()),
        (alter("label", sa.String(50), sa.Text()), ()),
        (alter("code", sa.Integer(), sa.BigInteger()), (sa.UniqueConstraint("code"),)),
        (alter("code", sa.Integer(), sa.BigInteger(), existing_server_default="0"), ()),
        (alter("code", sa.Integer(), sa.BigInteger(), existing_comment="note"), ()),
    ],
    ids=["varchar-longer", "varchar-to-text", "in-constraint", "server-default", "comment"],
)
def test_type_changes_kept_as_one_guarded_alter(change: ops.AlterColumnOp, extra: Any) -> None:
    (result,) = rewritten(table_ops(change), metadata=type_change_model(*extra))
    code = rendered(result.upgrade_ops)
    assert "with attempt:\n        op.alter_column('order'" in code


def test_volatile_default_column_is_backfilled_with_its_default() -> None:
    column = sa.Column(
        "token", sa.Uuid(), nullable=False, server_default=sa.text("gen_random_uuid()")
    )
    md = sa.MetaData()
    sa.Table("order", md, sa.Column("id", sa.BigInteger, primary_key=True))
    result = rewritten(table_ops(ops.AddColumnOp("order", column)), metadata=md)
    expand, backfill, contract = (rendered(s.upgrade_ops) for s in result)
    assert "op.add_column('order', sa.Column('token', sa.Uuid(), nullable=True))" in expand
    assert "server_default=sa.text('gen_random_uuid()')" in expand
    assert "values={'token': sa.text('gen_random_uuid()')}" in backfill
    assert "FILL_IN" not in backfill
    assert "op.add_not_null_constraint('order', 'token')" in contract
