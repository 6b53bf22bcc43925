"""Turn libpg_query parse trees into :mod:`migcheck.sql.facts` dataclasses."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from migcheck.postgres.functions import STABLE_FUNCTIONS, VOLATILE_FUNCTIONS
from migcheck.postgres.locks import Lock
from migcheck.postgres.types import TypeRef
from migcheck.sql.facts import Action, ColumnDef, Constraint, Expr, Statement
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
                if name in VOLATILE_FUNCTIONS:
                    volatile = True
                elif name not in STABLE_FUNCTIONS:
                    unknown.append(name)
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
            kind, lock, column=col.name, column_def=col, if_exists=bool(cmd.get("missing_ok"))
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
        return Action(kind, lock, constraint=con, name=con.name if con else None)
    if subtype in ("AT_AttachPartition", "AT_DetachPartition", "AT_DetachPartitionFinalize"):
        part = definition.get("PartitionCmd", {})
        concurrent = bool(part.get("concurrent"))
        if subtype == "AT_DetachPartition":
            lock = Lock.SHARE_UPDATE_EXCLUSIVE if concurrent else Lock.ACCESS_EXCLUSIVE
        elif subtype == "AT_DetachPartitionFinalize":  # completes a concurrent detach
            lock = Lock.SHARE_UPDATE_EXCLUSIVE
        return Action(kind, lock, name=_rel(part.get("name")), concurrently=concurrent)
    if subtype in ("AT_ValidateConstraint", "AT_DropConstraint", "AT_SetTableSpace"):
        return Action(kind, lock, name=column, if_exists=if_exists)
    return Action(kind, lock, column=column, if_exists=if_exists)


def _alter_table(n: Node, s: Statement) -> None:
    s.table = _rel(n.get("relation"))
    s.if_exists = bool(n.get("missing_ok"))
    s.object_type = n.get("objtype", "OBJECT_TABLE")
    s.actions = tuple(
        [_action(c["AlterTableCmd"]) for c in n.get("cmds", ()) if "AlterTableCmd" in c]
    )
    if s.table is None:
        return
    if s.object_type == "OBJECT_INDEX":
        # ALTER INDEX: ATTACH PARTITION and renames are catalog-only; SET TABLESPACE copies it
        s.kind = "alter_index"
        if any(a.kind == "set_tablespace" for a in s.actions):
            s.locks = ((s.table, Lock.ACCESS_EXCLUSIVE),)
        return
    locks: list[tuple[str, Lock]] = []
    if len(s.actions) == 1:
        locks.append((s.table, s.actions[0].lock))
    elif s.actions:
        locks.append((s.table, max(a.lock for a in s.actions)))
    for a in s.actions:
        if a.constraint is not None and a.constraint.ref_table:
            locks.append((a.constraint.ref_table, Lock.SHARE_ROW_EXCLUSIVE))
        if a.column_def is not None:
            locks.extend(
                (c.ref_table, Lock.SHARE_ROW_EXCLUSIVE)
                for c in a.column_def.constraints
                if c.ref_table and c.ref_table != s.table
            )
        if a.kind == "attach_partition" and a.name:
            locks.append((a.name, Lock.ACCESS_EXCLUSIVE))
        if a.kind == "detach_partition" and a.name:
            locks.append((a.name, a.lock))
        if a.concurrently:
            s.no_transaction = True
    s.locks = tuple(locks)


def _create_table(n: Node, s: Statement) -> None:
    s.table = _rel(n.get("relation"))
    s.if_not_exists = bool(n.get("if_not_exists"))
    columns: list[ColumnDef] = []
    constraints: list[Constraint] = []
    for elt in n.get("tableElts", ()):
        if "ColumnDef" in elt:
            columns.append(column_def(elt["ColumnDef"]))
        elif "Constraint" in elt:
            con = constraint(elt["Constraint"])
            if con is not None:
                constraints.append(con)
    s.columns = tuple(columns)
    s.constraints = tuple(constraints)
    if n.get("partbound") is not None:
        parents = n.get("inhRelations") or ()
        s.partition_of = _rel(parents[0]) if parents else None
    refs = {c.ref_table for c in constraints if c.ref_table}
    refs |= {c.ref_table for col in columns for c in col.constraints if c.ref_table}
    locks = [(r, Lock.SHARE_ROW_EXCLUSIVE) for r in sorted(refs) if r != s.table]
    if s.partition_of:
        locks.append((s.partition_of, Lock.ACCESS_EXCLUSIVE))
    s.locks = tuple(locks)


def _create_table_as(n: Node, s: Statement) -> None:
    objtype = n.get("objtype", "OBJECT_TABLE")
    if objtype == "OBJECT_MATVIEW":
        s.kind = "create_matview"
        s.table = _rel((n.get("into") or {}).get("rel"))
        return
    if objtype != "OBJECT_TABLE":
        s.kind = "other"
        return
    s.table = _rel((n.get("into") or {}).get("rel"))
    s.if_not_exists = bool(n.get("if_not_exists"))


def _index(n: Node, s: Statement) -> None:
    s.table = _rel(n.get("relation"))
    s.only = not (n.get("relation") or {}).get("inh", False)
    s.index_name = n.get("idxname")
    s.unique = bool(n.get("unique") or n.get("primary"))
    s.concurrently = bool(n.get("concurrent"))
    s.if_not_exists = bool(n.get("if_not_exists"))
    s.has_where = "whereClause" in n
    s.index_columns = tuple(
        p["IndexElem"].get("name") or "" for p in n.get("indexParams", ()) if "IndexElem" in p
    )
    s.no_transaction = s.concurrently
    if s.table:
        lock = Lock.SHARE_UPDATE_EXCLUSIVE if s.concurrently else Lock.SHARE
        s.locks = ((s.table, lock),)


def _drop(n: Node, s: Statement) -> None:
    remove = n.get("removeType", "")
    s.object_type = remove
    s.concurrently = bool(n.get("concurrent"))
    s.if_exists = bool(n.get("missing_ok"))
    s.cascade = n.get("behavior") == "DROP_CASCADE"
    names: list[str] = []
    if remove in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"):
        # objects are [schema.]table.name: the lock is on the table
        tables = [
            _qualified(o["List"].get("items", [])[:-1]) for o in n.get("objects", ()) if "List" in o
        ]
        s.tables = tuple(t for t in tables if t)
        s.table = s.tables[0] if s.tables else None
        s.locks = tuple((t, Lock.ACCESS_EXCLUSIVE) for t in s.tables)
        return
    for obj in n.get("objects", ()):
        if "List" in obj:
            names.append(_qualified(obj["List"].get("items")))
        elif "String" in obj:
            names.append(obj["String"]["sval"])
        elif "TypeName" in obj:
            names.append(_qualified(obj["TypeName"].get("names")))
    s.tables = tuple(names)
    s.table = names[0] if names else None
    if remove == "OBJECT_INDEX":
        s.kind = "drop_index"
        s.no_transaction = s.concurrently
        lock = Lock.SHARE_UPDATE_EXCLUSIVE if s.concurrently else Lock.ACCESS_EXCLUSIVE
        s.locks = tuple((name, lock) for name in names)
    elif remove == "OBJECT_TABLE":
        s.kind = "drop_table"
        s.locks = tuple((name, Lock.ACCESS_EXCLUSIVE) for name in names)


def _rename(n: Node, s: Statement) -> None:
    s.object_type = n.get("renameType", "")
    s.table = _rel(n.get("relation"))
    s.old_name = n.get("subname") or s.table
    target = n.get("object") or {}
    if "List" in target:  # types and domains
        s.old_name = _qualified(target["List"].get("items"))
    elif "ObjectWithArgs" in target:  # functions and procedures
        s.old_name = _qualified(target["ObjectWithArgs"].get("objname"))
    s.new_name = n.get("newname")
    s.if_exists = bool(n.get("missing_ok"))
    if s.table and s.object_type in ("OBJECT_TABLE", "OBJECT_COLUMN", "OBJECT_TABCONSTRAINT"):
        s.locks = ((s.table, Lock.ACCESS_EXCLUSIVE),)


def _reindex(n: Node, s: Statement) -> None:
    s.object_type = n.get("kind", "")
    s.table = _rel(n.get("relation")) or n.get("name")
    s.concurrently = any(
        p.get("DefElem", {}).get("defname") == "concurrently" for p in n.get("params", ())
    )
    s.no_transaction = s.concurrently or s.object_type in (
        "REINDEX_OBJECT_SCHEMA",
        "REINDEX_OBJECT_DATABASE",
        "REINDEX_OBJECT_SYSTEM",
    )
    if s.table:
        lock = Lock.SHARE_UPDATE_EXCLUSIVE if s.concurrently else Lock.ACCESS_EXCLUSIVE
        s.locks = ((s.table, lock),)


def _vacuum(n: Node, s: Statement) -> None:
    options = {o.get("DefElem", {}).get("defname") for o in n.get("options", ())}
    s.full = "full" in options
    s.kind = "vacuum" if n.get("is_vacuumcmd") else "analyze"
    s.no_transaction = s.kind == "vacuum"
    names = [_rel(r.get("VacuumRelation", {}).get("relation")) for r in n.get("rels", ())]
    s.tables = tuple(name for name in names if name)
    s.table = s.tables[0] if s.tables else None
    lock = Lock.ACCESS_EXCLUSIVE if s.full else Lock.SHARE_UPDATE_EXCLUSIVE
    s.locks = tuple((t, lock) for t in s.tables)


def _cluster(n: Node, s: Statement) -> None:
    s.table = _rel(n.get("relation"))
    s.index_name = n.get("indexname")
    if s.table:
        s.locks = ((s.table, Lock.ACCESS_EXCLUSIVE),)


def _relations(n: Node, s: Statement, lock: Lock) -> None:
    s.tables = tuple(t for t in (_rel(r) for r in n.get("relations", ())) if t)
    s.table = s.tables[0] if s.tables else None
    s.locks = tuple((t, lock) for t in s.tables)


def _lock(n: Node, s: Statement) -> None:
    s.lock_mode = Lock.from_lock_mode(int(n.get("mode", 8)))
    _relations(n, s, s.lock_mode)


def _truncate(n: Node, s: Statement) -> None:
    _relations(n, s, Lock.ACCESS_EXCLUSIVE)


def _dml(n: Node, s: Statement) -> None:
    s.table = _rel(n.get("relation"))
    if s.table == "alembic_version":  # Alembic's bookkeeping in an offline-rendered script
        s.internal = True
    s.has_where = "whereClause" in n
    select = (n.get("selectStmt") or {}).get("SelectStmt", {})
    s.has_from_select = bool(select.get("fromClause"))
    bound = _bound(n.get("whereClause"))
    s.batched = bound is not None
    s.by_key = bound == "key"
    if s.table:
        s.locks = ((s.table, Lock.ROW_EXCLUSIVE),)


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


def _set(n: Node, s: Statement) -> None:
    kind = n.get("kind", "")
    s.setting = "all" if kind == "VAR_RESET_ALL" else (n.get("name") or "").lower()
    s.setting_local = bool(n.get("is_local"))
    if kind == "VAR_SET_VALUE":
        values = []
        for arg in n.get("args", ()):
            const = arg.get("A_Const", {})
            if "sval" in const:
                values.append(str(const["sval"].get("sval", "")))
            elif "ival" in const:
                values.append(str(const["ival"].get("ival", 0)))
        s.setting_value = " ".join(values)
    else:
        s.setting_value = None


_TRANSACTION_KINDS = {
    "TRANS_STMT_BEGIN": "begin",
    "TRANS_STMT_START": "begin",
    "TRANS_STMT_COMMIT": "commit",
    "TRANS_STMT_ROLLBACK": "rollback",
    "TRANS_STMT_PREPARE": "commit",
}


def _transaction(n: Node, s: Statement) -> None:
    s.kind = _TRANSACTION_KINDS.get(n.get("kind", ""), "savepoint")


def _alter_enum(n: Node, s: Statement) -> None:
    s.enum_type = _qualified(n.get("typeName"))
    s.enum_value = n.get("newVal")
    s.if_not_exists = bool(n.get("skipIfNewValExists"))
    if n.get("oldVal"):
        s.kind = "rename_enum_value"
        s.old_name = n["oldVal"]
        s.new_name = s.enum_value
        s.enum_value = None


def _domain(n: Node, s: Statement) -> None:
    """CREATE DOMAIN / ALTER DOMAIN: the domain's name and the CHECK constraints it gets."""
    s.enum_type = _qualified(n.get("domainname") or n.get("typeName"))
    if s.kind == "alter_domain":
        found = constraint((n.get("def") or {}).get("Constraint", {}))
        if n.get("subtype") == "C" and found is not None:
            s.constraints = (found,)
        return
    items = [constraint(c["Constraint"]) for c in n.get("constraints", ()) if "Constraint" in c]
    s.constraints = tuple([c for c in items if c is not None and c.kind == "check"])


def _refresh(n: Node, s: Statement) -> None:
    s.table = _rel(n.get("relation"))
    s.concurrently = bool(n.get("concurrent"))
    if s.table and not s.concurrently:
        s.locks = ((s.table, Lock.ACCESS_EXCLUSIVE),)


def _drop_database(n: Node, s: Statement) -> None:
    s.object_type = "OBJECT_DATABASE"
    s.table = n.get("dbname")
    s.if_exists = bool(n.get("missing_ok"))
    s.no_transaction = True


def _create_schema(n: Node, s: Statement) -> None:
    s.new_name = n.get("schemaname")
    s.if_not_exists = bool(n.get("if_not_exists"))


def _set_schema(n: Node, s: Statement) -> None:
    """ALTER TABLE … SET SCHEMA: a move, recorded like a rename of the table."""
    s.object_type = n.get("objectType", "")
    s.table = _rel(n.get("relation"))
    s.new_name = n.get("newschema")
    s.if_exists = bool(n.get("missing_ok"))
    if s.table and s.object_type == "OBJECT_TABLE":
        s.locks = ((s.table, Lock.ACCESS_EXCLUSIVE),)


def _create_type(n: Node, s: Statement) -> None:
    s.enum_type = _qualified(n.get("typeName"))


def _create_trigger(n: Node, s: Statement) -> None:
    s.table = _rel(n.get("relation"))
    if s.table:
        s.locks = ((s.table, Lock.SHARE_ROW_EXCLUSIVE),)


def _select(n: Node, s: Statement) -> None:
    """``SELECT set_config('lock_timeout', '2s', is_local)`` is a SET in disguise."""
    s.has_from_select = "fromClause" in n
    targets = n.get("targetList")
    if not targets or len(targets) != 1 or "fromClause" in n:
        return
    call = (targets[0].get("ResTarget", {}).get("val") or {}).get("FuncCall")
    if call is None or _strings(call.get("funcname"))[-1:] != ("set_config",):
        return
    args = [a.get("A_Const", {}) for a in call.get("args", ())]
    if len(args) != 3 or not all("sval" in a for a in args[:2]):
        return
    s.kind = "set"
    s.setting = str(args[0]["sval"].get("sval", "")).lower()
    s.setting_value = str(args[1]["sval"].get("sval", ""))
    s.setting_local = bool(args[2].get("boolval", {}).get("boolval"))


def _create_view(n: Node, s: Statement) -> None:
    s.table = _rel(n.get("view"))


def _nothing(n: Node, s: Statement) -> None:
    return None


_HANDLERS: dict[str, tuple[str, Callable[[Node, Statement], None]]] = {
    "CreateStmt": ("create_table", _create_table),
    "CreateTableAsStmt": ("create_table", _create_table_as),
    "AlterTableStmt": ("alter_table", _alter_table),
    "IndexStmt": ("create_index", _index),
    "DropStmt": ("drop", _drop),
    "RenameStmt": ("rename", _rename),
    "ReindexStmt": ("reindex", _reindex),
    "VacuumStmt": ("vacuum", _vacuum),
    "ClusterStmt": ("cluster", _cluster),
    "LockStmt": ("lock", _lock),
    "TruncateStmt": ("truncate", _truncate),
    "UpdateStmt": ("update", _dml),
    "DeleteStmt": ("delete", _dml),
    "InsertStmt": ("insert", _dml),
    "SelectStmt": ("select", _select),
    "ViewStmt": ("create_view", _create_view),
    "VariableSetStmt": ("set", _set),
    "TransactionStmt": ("begin", _transaction),
    "AlterEnumStmt": ("alter_enum", _alter_enum),
    "CreateEnumStmt": ("create_type", _create_type),
    "CreateFunctionStmt": ("create_function", _nothing),
    "DoStmt": ("do", _nothing),
    "CreateTrigStmt": ("create_trigger", _create_trigger),
    "CreateDomainStmt": ("create_domain", _domain),
    "AlterDomainStmt": ("alter_domain", _domain),
    "RefreshMatViewStmt": ("refresh", _refresh),
    "DropdbStmt": ("drop_database", _drop_database),
    "AlterObjectSchemaStmt": ("set_schema", _set_schema),
    "CreateSchemaStmt": ("create_schema", _create_schema),
}


def facts(raw: RawStatement, path: str = "") -> Statement:
    """Facts for one parsed statement (kind ``error`` when it did not parse)."""
    if raw.tree is None:
        return Statement(
            "error", raw.text, path, raw.line, raw.column, raw.end_line, error=raw.error
        )
    kind_name, node = next(iter(raw.tree.items()))
    kind, handler = _HANDLERS.get(kind_name, ("other", _nothing))
    statement = Statement(kind, raw.text, path, raw.line, raw.column, raw.end_line)
    handler(node, statement)
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
        if statement.kind == "do":
            out.extend(do_body(statement, raw.node))
    return out


def do_body(do: Statement, node: Node) -> list[Statement]:
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
