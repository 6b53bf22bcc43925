"""Turn libpg_query parse trees into :mod:`migcheck.sql.facts` dataclasses."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from migcheck.postgres.functions import VOLATILE_FUNCTIONS, builtin_call
from migcheck.postgres.locks import Lock
from migcheck.postgres.types import TypeRef
from migcheck.sql.facts import (
    Action,
    ColumnDef,
    Constraint,
    Create,
    DataChange,
    DoBlock,
    DomainChange,
    Drop,
    EnumChange,
    Expr,
    IndexBuild,
    Kind,
    Maintenance,
    Move,
    ParseError,
    Query,
    Reindex,
    Rename,
    Routine,
    Setting,
    Statement,
    TableChange,
    TransactionControl,
)
from migcheck.sql.libpg_query import encode
from migcheck.sql.parser import (
    RawStatement,
    SqlSyntaxError,
    parse_bytes,
    parse_script,
    plpgsql_body,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~9 ms)
if TYPE_CHECKING:
    from typing import Any

Node = dict[str, "Any"]

_ALTER_LOCKS = {
    "AT_AddColumn": Lock.ACCESS_EXCLUSIVE,
    "AT_ValidateConstraint": Lock.SHARE_UPDATE_EXCLUSIVE,
    "AT_AttachPartition": Lock.SHARE_UPDATE_EXCLUSIVE,
    "AT_ClusterOn": Lock.SHARE_UPDATE_EXCLUSIVE,
    "AT_DropCluster": Lock.SHARE_UPDATE_EXCLUSIVE,
    "AT_SetStatistics": Lock.SHARE_UPDATE_EXCLUSIVE,
    "AT_SetOptions": Lock.SHARE_UPDATE_EXCLUSIVE,
    "AT_ResetOptions": Lock.SHARE_UPDATE_EXCLUSIVE,
    "AT_SetRelOptions": Lock.SHARE_UPDATE_EXCLUSIVE,
    "AT_ResetRelOptions": Lock.SHARE_UPDATE_EXCLUSIVE,
    "AT_EnableTrig": Lock.SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrig": Lock.SHARE_ROW_EXCLUSIVE,
    "AT_EnableAlwaysTrig": Lock.SHARE_ROW_EXCLUSIVE,
    "AT_EnableReplicaTrig": Lock.SHARE_ROW_EXCLUSIVE,
}

_ACTION_KINDS = {
    "AT_AddColumn": "add_column",
    "AT_DropColumn": "drop_column",
    "AT_AlterColumnType": "alter_type",
    "AT_SetNotNull": "set_not_null",
    "AT_DropNotNull": "drop_not_null",
    "AT_AddConstraint": "add_constraint",
    "AT_ValidateConstraint": "validate_constraint",
    "AT_DropConstraint": "drop_constraint",
    "AT_AttachPartition": "attach_partition",
    "AT_DetachPartition": "detach_partition",
    "AT_DetachPartitionFinalize": "detach_finalize",
    "AT_SetTableSpace": "set_tablespace",
    "AT_SetLogged": "set_logged",
    "AT_SetUnLogged": "set_unlogged",
    "AT_SetExpression": "set_expression",
    "AT_SetAccessMethod": "set_access_method",
}

_CONSTRAINT_KINDS = {
    "CONSTR_CHECK": "check",
    "CONSTR_FOREIGN": "foreign_key",
    "CONSTR_UNIQUE": "unique",
    "CONSTR_PRIMARY": "primary_key",
    "CONSTR_EXCLUSION": "exclude",
    "CONSTR_NOTNULL": "not_null",
}


def table_key(schema: str | None, name: str) -> str:
    """The key a table is known by: ``name``, or ``schema.name`` outside ``public``."""
    if schema and schema != "public":
        return f"{schema}.{name}"
    return name


def _rel(node: Node | None) -> str | None:
    if not node:
        return None
    if "RangeVar" in node:
        node = node["RangeVar"]
    name = node.get("relname")
    if not name:
        return None
    schema = node.get("schemaname")
    return f"{schema}.{name}" if schema and schema != "public" else name  # table_key, inlined


def _strings(items: Iterable[Node] | None) -> tuple[str, ...]:
    return tuple([i["String"]["sval"] for i in items or () if "String" in i])


def _qualified(items: Iterable[Node] | None) -> str:
    names = _strings(items)
    return table_key(names[-2], names[-1]) if len(names) > 1 else (names[-1] if names else "")


def type_ref(node: Node | None) -> TypeRef | None:
    """TypeRef from a TypeName node."""
    if not node:
        return None
    names = node.get("names")
    last = names[-1].get("String") if names else None
    if last is None:
        found = _strings(names)
        if not found:
            return None
        name = found[-1]
    else:
        name = last["sval"]
    typmods = node.get("typmods")
    mods = (
        tuple(
            [
                m["A_Const"].get("ival", {}).get("ival", 0)
                for m in typmods
                if "A_Const" in m and "ival" in m["A_Const"]
            ]
        )
        if typmods
        else ()
    )
    return TypeRef.of(name, mods, bool(node.get("arrayBounds")))


def expr(node: Node | None) -> Expr:
    """Volatility facts about an expression."""
    if not node:
        return Expr()
    if "A_Const" in node and node["A_Const"].get("isnull"):
        return Expr(is_null=True)
    volatile = False
    unknown: list[str] = []
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call is not None:
                names = _strings(call.get("funcname"))
                name = names[-1].lower() if names else ""
                schema = names[-2].lower() if len(names) > 1 else None
                if not builtin_call(schema, name, len(call.get("args") or ())):
                    unknown.append(f"{schema}.{name}" if schema else name)
                elif name in VOLATILE_FUNCTIONS:
                    volatile = True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return Expr(volatile=volatile, unknown_calls=tuple(unknown))


def _not_null_column(raw: Node | None) -> str | None:
    test = (raw or {}).get("NullTest")
    if not test or test.get("nulltesttype") != "IS_NOT_NULL":
        return None
    fields = _strings(test.get("arg", {}).get("ColumnRef", {}).get("fields"))
    return fields[-1] if len(fields) == 1 else None


def constraint(node: Node, column: str | None = None) -> Constraint | None:
    """A Constraint from a Constraint node (``column`` for inline column constraints)."""
    kind = _CONSTRAINT_KINDS.get(node.get("contype", ""))
    if kind is None:
        return None
    if kind == "foreign_key":
        columns = _strings(node.get("fk_attrs")) or ((column,) if column else ())
    elif kind == "exclude":
        columns = tuple(
            e["List"]["items"][0].get("IndexElem", {}).get("name") or ""
            for e in node.get("exclusions", ())
            if "List" in e
        )
    else:
        columns = _strings(node.get("keys")) or ((column,) if column else ())
    return Constraint(
        kind=kind,
        name=node.get("conname"),
        columns=columns,
        not_valid=bool(node.get("skip_validation")),
        using_index=node.get("indexname"),
        ref_table=_rel(node.get("pktable")),
        ref_columns=_strings(node.get("pk_attrs")),
        not_null_column=_not_null_column(node.get("raw_expr")) if kind == "check" else None,
    )


def column_def(node: Node) -> ColumnDef:
    """A ColumnDef from a ColumnDef node, folding in its inline constraints."""
    name = node.get("colname", "")
    not_null = primary = stored = identity = False
    default: Expr | None = None
    constraints: list[Constraint] = []
    for item in node.get("constraints", ()):
        con = item.get("Constraint", {})
        contype = con.get("contype")
        if contype == "CONSTR_NOTNULL":
            not_null = True
        elif contype == "CONSTR_DEFAULT":
            default = expr(con.get("raw_expr"))
            if default.is_null:
                default = None
        elif contype == "CONSTR_GENERATED":
            stored = con.get("generated_kind", "s") == "s"
        elif contype == "CONSTR_IDENTITY":
            identity = True
        else:
            if contype == "CONSTR_PRIMARY":
                primary = not_null = True
            found = constraint(con, name)
            if found is not None:
                constraints.append(found)
    return ColumnDef(
        name=name,
        type=type_ref(node.get("typeName")),
        not_null=not_null,
        primary_key=primary,
        default=default,
        generated_stored=stored,
        identity=identity,
        constraints=tuple(constraints),
    )


def _real_using(using: Node | None, column: str | None, new_type: TypeRef | None) -> bool:
    """True for a USING clause that is more than the column itself (or cast to the new type).

    ``USING col`` and ``USING col::new_type`` (what Django always emits) are the same as no USING:
    PostgreSQL skips the rewrite when the cast is binary-coercible either way.
    """
    if using is None:
        return False
    cast = using.get("TypeCast")
    if cast is not None:
        if type_ref(cast.get("typeName")) != new_type:
            return True
        using = cast.get("arg") or {}
    fields = _strings((using.get("ColumnRef") or {}).get("fields"))
    return not fields or fields[-1] != column


def _action(cmd: Node) -> Action:
    subtype = cmd.get("subtype", "")
    kind = _ACTION_KINDS.get(subtype) or subtype.removeprefix("AT_").lower()
    lock = _ALTER_LOCKS.get(subtype, Lock.ACCESS_EXCLUSIVE)
    definition = cmd.get("def") or {}
    if subtype == "AT_AddColumn":
        col = column_def(definition.get("ColumnDef", {}))
        return Action(
            kind, lock, column=col.name, column_def=col, if_not_exists=bool(cmd.get("missing_ok"))
        )
    column = cmd.get("name")
    if_exists = bool(cmd.get("missing_ok"))
    if subtype == "AT_AlterColumnType":
        col = definition.get("ColumnDef", {})
        new_type = type_ref(col.get("typeName"))
        return Action(
            kind,
            lock,
            column=column,
            type=new_type,
            using=_real_using(col.get("raw_default"), column, new_type),
            if_exists=if_exists,
        )
    if subtype == "AT_ColumnDefault":
        if not definition:
            return Action("drop_default", lock, column=column, if_exists=if_exists)
        return Action(
            "set_default", lock, column=column, default=expr(definition), if_exists=if_exists
        )
    if subtype == "AT_AddConstraint":
        con = constraint(definition.get("Constraint", {}))
        if con is not None and con.kind == "foreign_key":
            lock = Lock.SHARE_ROW_EXCLUSIVE
        return Action(kind, lock, constraint=con)
    if subtype in ("AT_AttachPartition", "AT_DetachPartition", "AT_DetachPartitionFinalize"):
        part = definition.get("PartitionCmd", {})
        concurrent = bool(part.get("concurrent"))
        if subtype == "AT_DetachPartition":
            lock = Lock.SHARE_UPDATE_EXCLUSIVE if concurrent else Lock.ACCESS_EXCLUSIVE
        elif subtype == "AT_DetachPartitionFinalize":  # completes a concurrent detach
            lock = Lock.SHARE_UPDATE_EXCLUSIVE
        return Action(kind, lock, partition=_rel(part.get("name")), concurrently=concurrent)
    if subtype in ("AT_ValidateConstraint", "AT_DropConstraint"):
        return Action(kind, lock, constraint_name=column, if_exists=if_exists)
    if subtype == "AT_SetTableSpace":
        return Action(kind, lock, tablespace=column)
    return Action(kind, lock, column=column, if_exists=if_exists)


def _alter_table(n: Node, kind: Kind) -> Statement:
    table = _rel(n.get("relation"))
    actions = tuple(
        [_action(c["AlterTableCmd"]) for c in n.get("cmds", ()) if "AlterTableCmd" in c]
    )
    if_exists = bool(n.get("missing_ok"))
    if table is None:
        return TableChange(kind, actions=actions, if_exists=if_exists)
    if n.get("objtype", "OBJECT_TABLE") == "OBJECT_INDEX":
        # ALTER INDEX: ATTACH PARTITION and renames are catalog-only; SET TABLESPACE copies it
        moved = any(a.kind == "set_tablespace" for a in actions)
        return IndexBuild(
            Kind.ALTER_INDEX, index=table, locks=((table, Lock.ACCESS_EXCLUSIVE),) if moved else ()
        )
    locks: list[tuple[str, Lock]] = []
    if len(actions) == 1:
        locks.append((table, actions[0].lock))
    elif actions:
        locks.append((table, max(a.lock for a in actions)))
    no_transaction = False
    for a in actions:
        if a.constraint is not None and a.constraint.ref_table:
            locks.append((a.constraint.ref_table, Lock.SHARE_ROW_EXCLUSIVE))
        if a.column_def is not None:
            locks.extend(
                (c.ref_table, Lock.SHARE_ROW_EXCLUSIVE)
                for c in a.column_def.constraints
                if c.ref_table and c.ref_table != table
            )
        if a.kind == "attach_partition" and a.partition:
            locks.append((a.partition, Lock.ACCESS_EXCLUSIVE))
        if a.kind == "detach_partition" and a.partition:
            locks.append((a.partition, a.lock))
        if a.concurrently:
            no_transaction = True
    return TableChange(
        kind,
        table=table,
        actions=actions,
        if_exists=if_exists,
        locks=tuple(locks),
        no_transaction=no_transaction,
    )


def _create_table(n: Node, kind: Kind) -> Statement:
    table = _rel(n.get("relation"))
    columns: list[ColumnDef] = []
    constraints: list[Constraint] = []
    for elt in n.get("tableElts", ()):
        if "ColumnDef" in elt:
            columns.append(column_def(elt["ColumnDef"]))
        elif "Constraint" in elt:
            con = constraint(elt["Constraint"])
            if con is not None:
                constraints.append(con)
    partition_of = None
    if n.get("partbound") is not None:
        parents = n.get("inhRelations") or ()
        partition_of = _rel(parents[0]) if parents else None
    refs = {c.ref_table for c in constraints if c.ref_table}
    refs |= {c.ref_table for col in columns for c in col.constraints if c.ref_table}
    locks = [(r, Lock.SHARE_ROW_EXCLUSIVE) for r in sorted(refs) if r != table]
    if partition_of:
        locks.append((partition_of, Lock.ACCESS_EXCLUSIVE))
    return TableChange(
        kind,
        table=table,
        columns=tuple(columns),
        constraints=tuple(constraints),
        partition_of=partition_of,
        if_not_exists=bool(n.get("if_not_exists")),
        locks=tuple(locks),
    )


def _create_table_as(n: Node, kind: Kind) -> Statement:
    objtype = n.get("objtype", "OBJECT_TABLE")
    table = _rel((n.get("into") or {}).get("rel"))
    if objtype == "OBJECT_MATVIEW":
        return Create(Kind.CREATE_MATVIEW, name=table)
    if objtype != "OBJECT_TABLE":
        return Statement(Kind.OTHER)
    return TableChange(kind, table=table, if_not_exists=bool(n.get("if_not_exists")))


def _index(n: Node, kind: Kind) -> Statement:
    table = _rel(n.get("relation"))
    concurrently = bool(n.get("concurrent"))
    lock = Lock.SHARE_UPDATE_EXCLUSIVE if concurrently else Lock.SHARE
    return IndexBuild(
        kind,
        table=table,
        only=not (n.get("relation") or {}).get("inh", False),
        index=n.get("idxname"),
        unique=bool(n.get("unique") or n.get("primary")),
        concurrently=concurrently,
        if_not_exists=bool(n.get("if_not_exists")),
        partial="whereClause" in n,
        columns=tuple(
            p["IndexElem"].get("name") or "" for p in n.get("indexParams", ()) if "IndexElem" in p
        ),
        no_transaction=concurrently,
        locks=((table, lock),) if table else (),
    )


def _drop(n: Node, kind: Kind) -> Statement:
    remove = n.get("removeType", "")
    concurrently = bool(n.get("concurrent"))
    names: list[str] = []
    locks: tuple[tuple[str, Lock], ...] = ()
    index_locks: tuple[tuple[str, Lock], ...] = ()
    if remove in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"):
        # objects are [schema.]table.name: the lock is on the table
        tables = [
            _qualified(o["List"].get("items", [])[:-1]) for o in n.get("objects", ()) if "List" in o
        ]
        names = [t for t in tables if t]
        locks = tuple((t, Lock.ACCESS_EXCLUSIVE) for t in names)
    else:
        for obj in n.get("objects", ()):
            if "List" in obj:
                names.append(_qualified(obj["List"].get("items")))
            elif "String" in obj:
                names.append(obj["String"]["sval"])
            elif "TypeName" in obj:
                names.append(_qualified(obj["TypeName"].get("names")))
        if remove == "OBJECT_INDEX":
            kind = Kind.DROP_INDEX
            # the lock is on the index's table (and the index): the table is the schema's to know
            lock = Lock.SHARE_UPDATE_EXCLUSIVE if concurrently else Lock.ACCESS_EXCLUSIVE
            index_locks = tuple((name, lock) for name in names)
        elif remove == "OBJECT_TABLE":
            kind = Kind.DROP_TABLE
            locks = tuple((name, Lock.ACCESS_EXCLUSIVE) for name in names)
    return Drop(
        kind,
        object_type=remove,
        names=tuple(names),
        concurrently=concurrently,
        if_exists=bool(n.get("missing_ok")),
        cascade=n.get("behavior") == "DROP_CASCADE",
        no_transaction=kind is Kind.DROP_INDEX and concurrently,
        locks=locks,
        index_locks=index_locks,
    )


def _rename(n: Node, kind: Kind) -> Statement:
    object_type = n.get("renameType", "")
    table = _rel(n.get("relation"))
    old_name = n.get("subname") or table
    target = n.get("object") or {}
    if "List" in target:  # types and domains
        old_name = _qualified(target["List"].get("items"))
    elif "ObjectWithArgs" in target:  # functions and procedures
        old_name = _qualified(target["ObjectWithArgs"].get("objname"))
    locked = table and object_type in ("OBJECT_TABLE", "OBJECT_COLUMN", "OBJECT_TABCONSTRAINT")
    return Rename(
        kind,
        object_type=object_type,
        table=table,
        old_name=old_name,
        new_name=n.get("newname"),
        if_exists=bool(n.get("missing_ok")),
        locks=((table, Lock.ACCESS_EXCLUSIVE),) if table and locked else (),
    )


_TRUE_WORDS = {"true": True, "on": True, "false": False, "off": False}


def _option_value(arg: Node | None) -> bool | str:
    """One option's value as PostgreSQL's ``defGetBoolean`` reads it.

    No value means true; the integers 0 and 1 and the words true/false/on/off (any case) are
    booleans. Anything else (``index_cleanup auto``, ``parallel 4``, a tablespace name) is kept
    as text.
    """
    if arg is None:
        return True
    if "Integer" in arg:
        number = int(arg["Integer"].get("ival", 0))
        return bool(number) if number in (0, 1) else str(number)
    if "Boolean" in arg:
        return bool(arg["Boolean"].get("boolval", False))
    if "A_Const" in arg:
        return _option_value({k: v for k, v in arg["A_Const"].items() if k != "location"} or None)
    if "String" in arg:
        text = str(arg["String"].get("sval", ""))
        return _TRUE_WORDS.get(text.lower(), text)
    if "Float" in arg:
        return str(arg["Float"].get("fval", ""))
    return ""


def option_values(items: Iterable[Node] | None) -> dict[str, bool | str]:
    """The options of a utility statement (``VACUUM (FULL false, VERBOSE)``), read by value.

    ``{"full": False, "verbose": True}``: every boolean option is read as PostgreSQL reads it, so
    ``(FULL false)``, ``(FULL off)`` and ``(FULL 0)`` are off, ``(FULL)`` and ``(FULL on)`` on.
    """
    found: dict[str, bool | str] = {}
    for item in items or ():
        elem = item.get("DefElem")
        if elem is not None and elem.get("defname"):
            found[str(elem["defname"]).lower()] = _option_value(elem.get("arg"))
    return found


def _reindex(n: Node, kind: Kind) -> Statement:
    object_type = n.get("kind", "")
    target = _rel(n.get("relation")) or n.get("name")
    options = option_values(n.get("params"))
    concurrently = options.get("concurrently") is True
    lock = Lock.SHARE_UPDATE_EXCLUSIVE if concurrently else Lock.ACCESS_EXCLUSIVE
    return Reindex(
        kind,
        object_type=object_type,
        target=target,
        concurrently=concurrently,
        options=options,
        no_transaction=concurrently
        or object_type
        in ("REINDEX_OBJECT_SCHEMA", "REINDEX_OBJECT_DATABASE", "REINDEX_OBJECT_SYSTEM"),
        locks=((target, lock),) if target else (),
    )


def _vacuum(n: Node, kind: Kind) -> Statement:
    options = option_values(n.get("options"))
    full = options.get("full") is True
    kind = Kind.VACUUM if n.get("is_vacuumcmd") else Kind.ANALYZE
    names = [_rel(r.get("VacuumRelation", {}).get("relation")) for r in n.get("rels", ())]
    tables = tuple(name for name in names if name)
    lock = Lock.ACCESS_EXCLUSIVE if full else Lock.SHARE_UPDATE_EXCLUSIVE
    return Maintenance(
        kind,
        tables=tables,
        full=full,
        options=options,
        no_transaction=kind is Kind.VACUUM,
        locks=tuple((t, lock) for t in tables),
    )


def _cluster(n: Node, kind: Kind) -> Statement:
    table = _rel(n.get("relation"))
    return Maintenance(
        kind,
        tables=(table,) if table else (),
        index=n.get("indexname"),
        options=option_values(n.get("params")),
        locks=((table, Lock.ACCESS_EXCLUSIVE),) if table else (),
    )


def _relations(n: Node) -> tuple[str, ...]:
    return tuple(t for t in (_rel(r) for r in n.get("relations", ())) if t)


def _lock(n: Node, kind: Kind) -> Statement:
    mode = Lock.from_lock_mode(int(n.get("mode", 8)))
    tables = _relations(n)
    return Maintenance(kind, tables=tables, mode=mode, locks=tuple((t, mode) for t in tables))


def _truncate(n: Node, kind: Kind) -> Statement:
    tables = _relations(n)
    return Maintenance(kind, tables=tables, locks=tuple((t, Lock.ACCESS_EXCLUSIVE) for t in tables))


def _dml(n: Node, kind: Kind) -> Statement:
    table = _rel(n.get("relation"))
    select = (n.get("selectStmt") or {}).get("SelectStmt", {})
    bound = _bound(n.get("whereClause"))
    return DataChange(
        kind,
        table=table,
        # Alembic's bookkeeping in an offline-rendered script
        internal=table == "alembic_version",
        has_where="whereClause" in n,
        has_from_select=bool(select.get("fromClause")),
        batched=bound is not None,
        by_key=bound == "key",
        locks=((table, Lock.ROW_EXCLUSIVE),) if table else (),
    )


_RANGE_OPERATORS = frozenset({"<", ">", "<=", ">="})

#: columns that pick one row (or a handful) when compared with a constant
_KEY_NAMES = frozenset(
    {"id", "uuid", "key", "name", "slug", "code", "email", "username", "version_num"}
)
_KEY_SUFFIXES = ("_id", "_uuid", "_key", "_code", "_slug", "_name")


def _key_equals_constant(a_expr: Node) -> bool:
    """``id = 42`` / ``user_id = 'x'``: a row picked by key, not a scan of the table."""
    sides = [a_expr.get("lexpr") or {}, a_expr.get("rexpr") or {}]
    columns = [_strings(side["ColumnRef"].get("fields")) for side in sides if "ColumnRef" in side]
    constants = [side for side in sides if "A_Const" in side or "ParamRef" in side]
    if len(columns) != 1 or len(constants) != 1 or not columns[0]:
        return False
    return _is_key_name(columns[0][-1].lower())


def _range_side(a_expr: Node) -> tuple[str, bool] | None:
    """``(column, is_upper_bound)`` for ``col < x``, ``x <= col`` …; None for other expressions."""
    names = a_expr.get("name")
    if not names or len(names) != 1 or a_expr.get("kind") != "AEXPR_OP":
        return None
    operator = names[0].get("String", {}).get("sval")
    if operator not in _RANGE_OPERATORS:
        return None
    column: Node | None = (a_expr.get("lexpr") or {}).get("ColumnRef")
    flipped = column is None
    if column is None:
        column = (a_expr.get("rexpr") or {}).get("ColumnRef")
        if column is None:
            return None
    fields = column.get("fields") or ()
    last = fields[-1].get("String") if fields else None
    if last is None:
        return None
    return last["sval"].lower(), (operator[0] == "<") != flipped


def _is_key_name(name: str) -> bool:
    return name in _KEY_NAMES or name.endswith(_KEY_SUFFIXES)


def _bound(where: Node | None) -> str | None:
    """How a WHERE clause limits the rows it touches.

    ``"key"`` for rows picked by key (``id = 1``, ``id IN (1, 2)``), ``"range"`` for a batch
    (``id BETWEEN …``, ``id >= … AND id < …``, a one-sided bound on a key such as ``id < …``,
    a LIMITed subquery), None when it does not bound them. A one-sided bound on another column
    (``created_at < now() - interval '1 year'``) can match the whole table: not a batch. Only
    the conjuncts are looked at: one bounded term of an AND bounds the statement.
    """
    if not where:
        return None
    boolean = where.get("BoolExpr")
    if boolean is not None:
        if boolean.get("boolop") != "AND_EXPR":
            return None
        found: str | None = None
        sides: dict[str, bool] = {}
        for arg in boolean.get("args", ()):
            a_expr = arg.get("A_Expr")
            side = _range_side(a_expr) if a_expr is not None else None
            if side is not None:
                column, upper = side
                if _is_key_name(column) or sides.get(column, upper) != upper:
                    found = "range"
                sides[column] = upper
                continue
            bound = _bound(arg)
            if bound == "key":
                return bound
            found = found or bound
        return found
    a_expr = where.get("A_Expr")
    if a_expr is not None:
        kind = a_expr.get("kind", "")
        if kind.startswith("AEXPR_BETWEEN"):
            return "range"
        side = _range_side(a_expr)
        if side is not None:
            return "range" if _is_key_name(side[0]) else None
        operators = set(_strings(a_expr.get("name")))
        if kind == "AEXPR_OP" and "=" in operators and _key_equals_constant(a_expr):
            return "key"
        if kind == "AEXPR_IN" and isinstance(a_expr.get("rexpr"), dict):
            items = a_expr["rexpr"].get("List", {}).get("items", [])
            if items and all("A_Const" in i for i in items):
                return "key"
        return None
    sublink = where.get("SubLink")
    if sublink is not None:
        select = (sublink.get("subselect") or {}).get("SelectStmt", {})
        return "range" if "limitCount" in select else None
    return None


def _set(n: Node, kind: Kind) -> Statement:
    how = n.get("kind", "")
    value = None
    if how == "VAR_SET_VALUE":
        values = []
        for arg in n.get("args", ()):
            const = arg.get("A_Const", {})
            if "sval" in const:
                values.append(str(const["sval"].get("sval", "")))
            elif "ival" in const:
                values.append(str(const["ival"].get("ival", 0)))
            elif "fval" in const:
                values.append(str(const["fval"].get("fval", "0")))
            elif "boolval" in const:
                values.append("on" if const["boolval"].get("boolval") else "off")
        value = " ".join(values)
    return Setting(
        kind,
        name="all" if how == "VAR_RESET_ALL" else (n.get("name") or "").lower(),
        value=value,
        local=bool(n.get("is_local")),
    )


_TRANSACTION_KINDS = {
    "TRANS_STMT_BEGIN": Kind.BEGIN,
    "TRANS_STMT_START": Kind.BEGIN,
    "TRANS_STMT_COMMIT": Kind.COMMIT,
    "TRANS_STMT_ROLLBACK": Kind.ROLLBACK,
    "TRANS_STMT_PREPARE": Kind.COMMIT,
}


def _transaction(n: Node, kind: Kind) -> Statement:
    found = _TRANSACTION_KINDS.get(n.get("kind", ""), Kind.SAVEPOINT)
    return TransactionControl(found, chain=found is not Kind.BEGIN and bool(n.get("chain")))


def _alter_enum(n: Node, kind: Kind) -> Statement:
    enum = _qualified(n.get("typeName"))
    if n.get("oldVal"):
        return EnumChange(
            Kind.RENAME_ENUM_VALUE, enum=enum, old_value=n["oldVal"], new_value=n.get("newVal")
        )
    return EnumChange(
        kind, enum=enum, value=n.get("newVal"), if_not_exists=bool(n.get("skipIfNewValExists"))
    )


#: AlterDomainStmt's subtype letters
_DOMAIN_ACTIONS = {
    "C": "add_constraint",
    "V": "validate_constraint",
    "X": "drop_constraint",
    "O": "set_not_null",
    "N": "drop_not_null",
}


def _domain(n: Node, kind: Kind) -> Statement:
    """CREATE DOMAIN / ALTER DOMAIN: the domain's name and the CHECK constraints it gets."""
    domain = _qualified(n.get("domainname") or n.get("typeName"))
    if kind is Kind.ALTER_DOMAIN:
        subtype = n.get("subtype", "")
        found = constraint((n.get("def") or {}).get("Constraint", {}))
        added = (found,) if subtype == "C" and found is not None else ()
        action = _DOMAIN_ACTIONS.get(subtype, "")
        if subtype == "T":
            action = "set_default" if n.get("def") else "drop_default"
        return DomainChange(
            kind,
            domain=domain,
            constraints=added,
            action=action,
            constraint_name=n.get("name") if subtype in ("V", "X") else None,
        )
    items = [constraint(c["Constraint"]) for c in n.get("constraints", ()) if "Constraint" in c]
    checks = tuple([c for c in items if c is not None and c.kind == "check"])
    return DomainChange(kind, domain=domain, constraints=checks)


def _refresh(n: Node, kind: Kind) -> Statement:
    view = _rel(n.get("relation"))
    concurrently = bool(n.get("concurrent"))
    return Maintenance(
        kind,
        tables=(view,) if view else (),
        concurrently=concurrently,
        locks=((view, Lock.ACCESS_EXCLUSIVE),) if view and not concurrently else (),
    )


def _drop_database(n: Node, kind: Kind) -> Statement:
    name = n.get("dbname")
    return Drop(
        kind,
        object_type="OBJECT_DATABASE",
        names=(name,) if name else (),
        if_exists=bool(n.get("missing_ok")),
        no_transaction=True,
    )


def _create_schema(n: Node, kind: Kind) -> Statement:
    return Create(kind, name=n.get("schemaname"), if_not_exists=bool(n.get("if_not_exists")))


def _set_schema(n: Node, kind: Kind) -> Statement:
    """ALTER TABLE … SET SCHEMA: a move of the table to another schema."""
    object_type = n.get("objectType", "")
    table = _rel(n.get("relation"))
    locked = table and object_type == "OBJECT_TABLE"
    return Move(
        kind,
        object_type=object_type,
        table=table,
        schema=n.get("newschema"),
        if_exists=bool(n.get("missing_ok")),
        locks=((table, Lock.ACCESS_EXCLUSIVE),) if table and locked else (),
    )


def _create_type(n: Node, kind: Kind) -> Statement:
    return EnumChange(kind, enum=_qualified(n.get("typeName")))


def _create_trigger(n: Node, kind: Kind) -> Statement:
    table = _rel(n.get("relation"))
    return Statement(kind, locks=((table, Lock.SHARE_ROW_EXCLUSIVE),) if table else ())


def _select(n: Node, kind: Kind) -> Statement:
    """``SELECT set_config('lock_timeout', '2s', is_local)`` is a SET in disguise."""
    query = Query(
        kind, reads_tables="fromClause" in n, checks_index_validity=_reads_column(n, "indisvalid")
    )
    targets = n.get("targetList")
    if not targets or len(targets) != 1 or "fromClause" in n:
        return query
    call = (targets[0].get("ResTarget", {}).get("val") or {}).get("FuncCall")
    if call is None or _strings(call.get("funcname"))[-1:] != ("set_config",):
        return query
    args = [a.get("A_Const", {}) for a in call.get("args", ())]
    if len(args) != 3 or not all("sval" in a for a in args[:2]):
        return query
    return Setting(
        Kind.SET,
        name=str(args[0]["sval"].get("sval", "")).lower(),
        value=str(args[1]["sval"].get("sval", "")),
        local=bool(args[2].get("boolval", {}).get("boolval")),
    )


def _reads_column(node: Node, column: str) -> bool:
    """True when the tree refers to a column named ``column`` anywhere."""
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("ColumnRef")
            if ref is not None and _strings(ref.get("fields"))[-1:] == (column,):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _create_view(n: Node, kind: Kind) -> Statement:
    return Create(kind, name=_rel(n.get("view")))


def _create_function(n: Node, kind: Kind) -> Statement:
    """CREATE FUNCTION: its name and declared volatility (VOLATILE by default)."""
    names = [name.lower() for name in _strings(n.get("funcname"))]
    volatility = option_values(n.get("options")).get("volatility", "volatile")
    return Routine(
        kind,
        name=table_key(names[-2], names[-1]) if len(names) > 1 else (names[-1] if names else ""),
        volatility=str(volatility).lower(),
    )


def _do(n: Node, kind: Kind) -> Statement:
    return DoBlock(kind)


def _explain(n: Node, kind: Kind) -> Statement:
    """EXPLAIN: plans only; with ANALYZE (read by value) it runs the statement it explains."""
    if option_values(n.get("options")).get("analyze") is not True:
        return Statement(kind)
    node_name, node = next(iter((n.get("query") or {"": {}}).items()))
    inner_kind, handler = _HANDLERS.get(node_name, (Kind.OTHER, _nothing))
    return handler(node, inner_kind)


def _nothing(n: Node, kind: Kind) -> Statement:
    return Statement(kind)


_HANDLERS: dict[str, tuple[Kind, Callable[[Node, Kind], Statement]]] = {
    "CreateStmt": (Kind.CREATE_TABLE, _create_table),
    "CreateTableAsStmt": (Kind.CREATE_TABLE, _create_table_as),
    "AlterTableStmt": (Kind.ALTER_TABLE, _alter_table),
    "IndexStmt": (Kind.CREATE_INDEX, _index),
    "DropStmt": (Kind.DROP, _drop),
    "RenameStmt": (Kind.RENAME, _rename),
    "ReindexStmt": (Kind.REINDEX, _reindex),
    "VacuumStmt": (Kind.VACUUM, _vacuum),
    "ClusterStmt": (Kind.CLUSTER, _cluster),
    "LockStmt": (Kind.LOCK, _lock),
    "TruncateStmt": (Kind.TRUNCATE, _truncate),
    "UpdateStmt": (Kind.UPDATE, _dml),
    "DeleteStmt": (Kind.DELETE, _dml),
    "InsertStmt": (Kind.INSERT, _dml),
    "SelectStmt": (Kind.SELECT, _select),
    "ViewStmt": (Kind.CREATE_VIEW, _create_view),
    "VariableSetStmt": (Kind.SET, _set),
    "TransactionStmt": (Kind.BEGIN, _transaction),
    "AlterEnumStmt": (Kind.ALTER_ENUM, _alter_enum),
    "CreateEnumStmt": (Kind.CREATE_TYPE, _create_type),
    "CreateFunctionStmt": (Kind.CREATE_FUNCTION, _create_function),
    "DoStmt": (Kind.DO, _do),
    "CreateTrigStmt": (Kind.CREATE_TRIGGER, _create_trigger),
    "CreateDomainStmt": (Kind.CREATE_DOMAIN, _domain),
    "AlterDomainStmt": (Kind.ALTER_DOMAIN, _domain),
    "RefreshMatViewStmt": (Kind.REFRESH, _refresh),
    "DropdbStmt": (Kind.DROP_DATABASE, _drop_database),
    "AlterObjectSchemaStmt": (Kind.SET_SCHEMA, _set_schema),
    "CreateSchemaStmt": (Kind.CREATE_SCHEMA, _create_schema),
    "ExplainStmt": (Kind.OTHER, _explain),
}


def facts(raw: RawStatement, path: str = "") -> Statement:
    """Facts for one parsed statement (kind ``error`` when it did not parse)."""
    if raw.tree is None:
        return ParseError(
            Kind.ERROR, raw.text, path, raw.line, raw.column, raw.end_line, error=raw.error or ""
        )
    node_name, node = next(iter(raw.tree.items()))
    kind, handler = _HANDLERS.get(node_name, (Kind.OTHER, _nothing))
    statement = handler(node, kind)
    statement.text, statement.path = raw.text, path
    statement.line, statement.column, statement.end_line = raw.line, raw.column, raw.end_line
    return statement


def statements(text: str, path: str = "") -> list[Statement]:
    """Parse a script and return the facts of every statement in order.

    The SQL inside a PL/pgSQL ``DO`` block follows the DO statement, marked ``nested``.
    """
    return facts_of(parse_script(text), path)


def facts_of(raws: Iterable[RawStatement], path: str = "") -> list[Statement]:
    """The facts of parsed statements in order, each DO block followed by what it runs."""
    out: list[Statement] = []
    for raw in raws:
        statement = facts(raw, path)
        out.append(statement)
        if isinstance(statement, DoBlock):
            out.extend(do_body(statement, raw.node))
    return out


def do_body(do: DoBlock, node: Node) -> list[Statement]:
    """Facts for the SQL statements a PL/pgSQL DO block (``node``, its DoStmt) runs.

    They are placed on their own lines. Also records on ``do`` the messages of the exceptions
    the block raises (``do.raises``).
    """
    language = "plpgsql"
    body = ""
    for arg in node.get("args", ()):
        elem = arg.get("DefElem", {})
        value = elem.get("arg", {}).get("String", {}).get("sval", "")
        if elem.get("defname") == "language":
            language = value.lower()
        elif elem.get("defname") == "as":
            body = value
    if language != "plpgsql" or not body:
        return []
    start = do.text.find(body)
    body_line = do.line + (do.text.count("\n", 0, start) if start >= 0 else 0)
    found = plpgsql_body(body)
    do.raises = tuple((body_line + lineno - 1, message) for lineno, message in found.raises)
    inner: list[Statement] = []
    for lineno, query in found.queries:
        try:
            parsed = parse_bytes(query.encode("utf-8", "replace"))
        except SqlSyntaxError:  # PostgreSQL reports it when the block runs
            continue
        for raw in parsed:
            line = body_line + lineno - 1
            node = raw.get("stmt") or {}
            statement = facts(RawStatement(query, line, do.column, node, None, line), do.path)
            statement.nested = True
            inner.append(statement)
    return inner


def string_constants(text: str) -> set[str]:
    """Every string literal in a statement's SQL (empty when it does not parse).

    Facts keep no parse tree, so this parses ``text`` again: it is asked only about statements
    in a transaction that added an enum value (MC401), which are rare.
    """
    try:
        stack: list[Any] = list(parse_bytes(encode(text)))
    except SqlSyntaxError:
        return set()
    found: set[str] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            sval = item.get("sval")
            if isinstance(sval, dict):
                value = sval.get("sval")
                if isinstance(value, str):
                    found.add(value)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
