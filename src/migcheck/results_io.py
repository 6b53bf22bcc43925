"""Results as JSON and back: the one versioned shape of docs/result.schema.json.

:func:`to_dict` turns a lint :class:`~migcheck.result.Report` or a
:class:`~migcheck.verify.results.VerifyResult` into the documented document (``schema_version``,
``kind``, ``tool``, ``ok``, ``fail_on``, ``coverage``, ``notes``, then the kind's own keys);
:func:`load` reads such a document back into the same model, so that ``migcheck report`` renders
a saved result in any format exactly as the run that produced it would have. Every field of the
model is written, so nothing is lost between the run and the report: the documented keys below,
and any field added to a result, a revision, a traced statement or a lock later, under its own
name and read back by its type annotation (dataclasses, lists, tuples, enums by lower-case name,
plain values). Such a field still needs its entry in docs/result.schema.json.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migcheck.errors import MigcheckError
from migcheck.result import (
    SCHEMA_VERSION,
    Coverage,
    Finding,
    Location,
    Report,
    Severity,
    Tool,
    Unchecked,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from migcheck.verify.results import Problem, RevisionResult, VerifyResult
    from migcheck.verify.trace import LockTaken, TracedStatement

_LABELS = {severity: severity.label for severity in Severity}


def to_dict(result: Report | VerifyResult) -> dict[str, Any]:
    """The documented JSON document of a lint report or a verify result."""
    if isinstance(result, Report):
        return _lint_dict(result)
    return _verify_dict(result)


def dumps(result: Report | VerifyResult) -> str:
    """The document as indented JSON text and a newline."""
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"


def _envelope(
    kind: str, tool: Tool, ok: bool, fail_on: Severity | None, coverage: Coverage | None
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "tool": {
            "name": "migcheck",
            "version": tool.version,
            "backend": tool.backend or None,
            "server_version": tool.server_version or None,
        },
        "ok": ok,
        "fail_on": None if fail_on is None else fail_on.label,
        "coverage": None if coverage is None else _coverage(coverage),
    }


def _coverage(coverage: Coverage) -> dict[str, Any]:
    return {
        "total": coverage.revisions,
        "checked": coverage.checked,
        "unchecked": [
            {"revision": u.revision, "path": u.path, "reason": u.reason} for u in coverage.unchecked
        ],
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    """One finding as the stable JSON object."""
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": _LABELS[f.severity],
        "path": f.location.path,
        "line": f.location.line,
        "column": f.location.column,
        "revision": f.location.revision,
        "message": f.message,
        "fix": f.fix,
        "statement": f.statement,
    }


def _lint_dict(report: Report) -> dict[str, Any]:
    from migcheck.report.summary import summary

    document = _envelope("lint", report.tool, report.ok, report.fail_on, report.coverage)
    document["notes"] = list(report.notes)
    document["findings"] = [finding_dict(f) for f in report.findings]
    document["summary"] = summary(report)
    return document


def _verify_dict(result: VerifyResult) -> dict[str, Any]:
    coverage = result.coverage_detail
    document = _envelope("verify", result.tool, result.ok, result.fail_on, coverage)
    document["coverage"]["linted"] = result.linting
    document["notes"] = list(result.notes)
    document["shard"] = (
        None if result.shard is None else {"index": result.shard[0], "count": result.shard[1]}
    )
    document["linting"] = result.linting
    document["elapsed_s"] = result.elapsed_s
    document["revisions"] = [
        {
            "revision": revision.revision,
            "path": revision.path,
            "message": revision.message,
            "status": revision.status,
            "elapsed_ms": revision.elapsed_ms,
            "problems": [
                {"step": problem.step, "kind": problem.kind, "message": problem.message}
                for problem in revision.problems
            ],
            "locks": [_statement(statement) for statement in revision.locks],
            "findings": [
                {"step": item.step, **finding_dict(item.finding)} for item in revision.findings
            ],
            "linted": list(revision.linted),
            "unlinted": revision.unlinted,
            "notes": list(revision.notes),
        }
        for revision in result.revisions
    ]
    for revision, written in zip(result.revisions, document["revisions"], strict=True):
        _extra(revision, written, _REVISION_FIELDS)
    document["drift_checked"] = result.drift_checked
    document["drift"] = [{"kind": item.kind, "message": item.message} for item in result.drift]
    counts = {"pass": 0, "fail": 0, "error": 0}
    for revision in result.revisions:
        counts[revision.status] = counts.get(revision.status, 0) + 1
    document["summary"] = {
        "revisions": len(result.revisions),
        "passed": counts["pass"],
        "failed": counts["fail"],
        "errors": counts["error"],
        "findings": sum(len(r.findings) for r in result.revisions),
        "failing_findings": result.failing_findings,
        "drift": len(result.drift),
        "ms_per_revision": round(result.ms_per_revision, 3),
    }
    return _extra(result, document, _RESULT_FIELDS)


def _lock(lock: LockTaken) -> dict[str, Any]:
    return _extra(
        lock,
        {
            "relation": lock.relation,
            "kind": lock.kind,
            "mode": lock.label,
            "blocks": lock.blocks,
            "new_relation": lock.new_relation,
            "indexes": list(lock.indexes),
        },
        _LOCK_FIELDS,
    )


def _statement(statement: TracedStatement) -> dict[str, Any]:
    return _extra(
        statement,
        {
            "statement": statement.sql,
            "revision": statement.revision,
            "in_transaction": statement.in_transaction,
            "line": statement.line,
            "began": statement.began,
            "failed": statement.failed,
            "internal": statement.internal,
            "probed": statement.probed,
            "duration_ms": statement.duration_ms,
            "locks": [_lock(lock) for lock in statement.locks],
            "held": [_lock(lock) for lock in statement.held],
            "rewritten": list(statement.rewritten),
            "rebuilt": list(statement.rebuilt),
        },
        _STATEMENT_FIELDS,
    )


# --- reading back -----------------------------------------------------------------------------


def load_file(path: str) -> Report | VerifyResult:
    """Read a result written by ``--format json`` or ``--output json:FILE``.

    Raises :class:`~migcheck.errors.MigcheckError` naming ``path`` when the file cannot be read,
    is not JSON, is not a migcheck result or has a ``schema_version`` this migcheck does not know.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MigcheckError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise MigcheckError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise MigcheckError(f"{path}: cannot read: {error.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise MigcheckError(f"{path}: not JSON ({error.msg} at line {error.lineno})") from None
    return load(document, path)


def load(document: Any, source: str) -> Report | VerifyResult:
    """The model a JSON document stands for; ``source`` names it in errors."""
    if not isinstance(document, dict) or "schema_version" not in document:
        raise MigcheckError(
            f"{source}: not a migcheck result (no schema_version; written by migcheck before "
            "0.1 or by another tool)"
        )
    version = document["schema_version"]
    if version != SCHEMA_VERSION:
        raise MigcheckError(
            f"{source}: schema_version {version!r} is not one this migcheck reads "
            f"({SCHEMA_VERSION}); render it with the migcheck version that wrote it"
        )
    try:
        if document.get("kind") == "lint":
            return _load_lint(document)
        if document.get("kind") == "verify":
            return _load_verify(document)
        raise ValueError(f"unknown kind {document.get('kind')!r}")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        what = f"missing key {error}" if isinstance(error, KeyError) else str(error)
        raise MigcheckError(f"{source}: not a valid migcheck result ({what})") from None


def _severity(label: str | None) -> Severity | None:
    return None if label is None else Severity.parse(label)


def _tool(data: dict[str, Any]) -> Tool:
    return Tool(data["version"], data.get("backend") or "", data.get("server_version") or "")


def _finding(data: dict[str, Any]) -> Finding:
    severity = Severity.parse(data["severity"])
    location = Location(data["path"], data["line"], data["column"], data.get("revision"))
    return Finding(
        data["rule"],
        data["name"],
        severity,
        location,
        data["message"],
        data.get("fix", ""),
        data.get("statement", ""),
    )


def _load_lint(document: dict[str, Any]) -> Report:
    coverage = document["coverage"]
    summary = document["summary"]
    return Report(
        findings=[_finding(item) for item in document["findings"]],
        files=summary["files"],
        statements=summary["statements"],
        coverage=None
        if coverage is None
        else Coverage(
            coverage["total"],
            [Unchecked(u["revision"], u["path"], u["reason"]) for u in coverage["unchecked"]],
        ),
        notes=list(document["notes"]),
        fail_on=_severity(document["fail_on"]),
        tool=_tool(document["tool"]),
    )


def _load_lock(data: dict[str, Any]) -> LockTaken:
    from migcheck.postgres.locks import Lock
    from migcheck.verify.trace import LockTaken

    return LockTaken(
        relation=data["relation"],
        kind=data["kind"],
        mode=Lock[data["mode"].replace(" ", "_")],
        new_relation=data["new_relation"],
        indexes=tuple(data["indexes"]),
        **_extra_kwargs(LockTaken, data, _LOCK_FIELDS),
    )


def _load_statement(data: dict[str, Any]) -> TracedStatement:
    from migcheck.verify.trace import TracedStatement

    return TracedStatement(
        sql=data["statement"],
        in_transaction=data["in_transaction"],
        locks=[_load_lock(lock) for lock in data["locks"]],
        rewritten=list(data["rewritten"]),
        duration_ms=data["duration_ms"],
        failed=data["failed"],
        held=[_load_lock(lock) for lock in data["held"]],
        rebuilt=list(data["rebuilt"]),
        began=data["began"],
        revision=data.get("revision"),
        line=data["line"],
        internal=data.get("internal", False),
        probed=data.get("probed", False),
        **_extra_kwargs(TracedStatement, data, _STATEMENT_FIELDS),
    )


def _load_verify(document: dict[str, Any]) -> VerifyResult:
    from migcheck.verify.results import Drift, LintFinding, Problem, RevisionResult, VerifyResult

    tool = _tool(document["tool"])
    shard = document.get("shard")
    result = VerifyResult(
        drift=[Drift(d["kind"], d["message"]) for d in document["drift"]],
        drift_checked=document["drift_checked"],
        notes=list(document["notes"]),
        elapsed_s=document["elapsed_s"],
        backend=tool.backend,
        server_version=tool.server_version,
        fail_on=_severity(document["fail_on"]),
        linting=document["linting"],
        shard=None if shard is None else (int(shard["index"]), int(shard["count"])),
        version=tool.version,
        **_extra_kwargs(VerifyResult, document, _RESULT_FIELDS),
    )
    for data in document["revisions"]:
        result.revisions.append(
            RevisionResult(
                revision=data["revision"],
                path=data["path"],
                message=data["message"],
                problems=[Problem(p["step"], p["kind"], p["message"]) for p in data["problems"]],
                status=data["status"],
                elapsed_ms=data["elapsed_ms"],
                locks=[_load_statement(s) for s in data["locks"]],
                findings=[LintFinding(f["step"], _finding(f)) for f in data["findings"]],
                linted=list(data["linted"]),
                unlinted=data["unlinted"],
                notes=list(data["notes"]),
                **_extra_kwargs(RevisionResult, data, _REVISION_FIELDS),
            )
        )
    return result


def merge_shards(shards: list[VerifyResult], sources: list[str]) -> VerifyResult:
    """The shards of one ``migcheck verify --shard I/N`` run as the result of one unsharded run.

    Revisions in shard order; model drift, run-level problems, pull-request mode and the
    revisions applied only from the last shard (the one that ran every revision); notes
    united (each once); times and seeded rows added up. The downgrade to base is read from the
    top: where a shard's downgrade stopped, what the shards below found on their way down
    (their notes and ``downgrade-to-base`` problems) is dropped, as the unsharded run never got
    there; and a shard with a revision that does not upgrade drops the first shard's comparison
    with the schema at base, which the unsharded run skips then. Raises
    :class:`~migcheck.errors.MigcheckError` naming the files when a shard is missing, given
    twice, from another split, of another history or run, or walked a revision another shard
    walked too.
    """
    from migcheck.verify.results import VerifyResult

    ordered = _ordered_shards(shards, sources)
    first = ordered[0][1]
    last = ordered[-1][1]
    merged = VerifyResult(
        fail_on=first.fail_on,
        linting=first.linting,
        backend=first.backend,
        server_version=first.server_version,
        version=first.version,
        drift=list(last.drift),
        drift_checked=last.drift_checked,
        problems=list(last.problems),
        changed_since=last.changed_since,
        changed_since_commit=last.changed_since_commit,
        repository_dir=last.repository_dir,
        downgrade_stop=next(
            (s.downgrade_stop for _, s in reversed(ordered) if s.downgrade_stop), ""
        ),
    )
    kept: list[list[RevisionResult]] = []
    notes: list[list[str]] = []
    through = True  # the downgrade from head came down through every shard above this one
    compared = True  # no shard above this one has a revision that does not upgrade
    for _, shard in reversed(ordered):
        revisions = shard.revisions
        shard_notes = shard.notes
        if not through:
            revisions = [_without_base_steps(r, lambda p: True) for r in revisions]
            shard_notes = [n for n in shard_notes if n != shard.downgrade_stop]
        elif not compared:
            revisions = [_without_base_steps(r, _compared_at_base) for r in revisions]
        through = through and not shard.downgrade_stop
        compared = compared and not any(
            p.kind in ("upgrade-failed", "not-checked") for r in shard.revisions for p in r.problems
        )
        kept.insert(0, revisions)
        notes.insert(0, shard_notes)
    for revisions in kept:
        merged.revisions.extend(revisions)
    walked = {revision.revision for revision in merged.revisions}
    merged.applied_only = [rev for rev in last.applied_only if rev not in walked]
    for shard_notes in [notes[-1], *notes[:-1]]:
        merged.notes.extend(note for note in shard_notes if note not in merged.notes)
    for _, shard in ordered:
        merged.elapsed_s += shard.elapsed_s
        merged.seeded_rows += shard.seeded_rows
        merged.seed_s += shard.seed_s
    servers = sorted({f"{s.backend} PostgreSQL {s.server_version}" for _, s in ordered})
    if len(servers) > 1:
        merged.notes.append(f"the shards ran on different servers: {', '.join(servers)}")
    return merged


def _ordered_shards(
    shards: list[VerifyResult], sources: list[str]
) -> list[tuple[str, VerifyResult]]:
    """(source, shard) by shard index, each once, all of one run; MigcheckError otherwise."""
    by_index: dict[int, tuple[str, VerifyResult]] = {}
    count: int | None = None
    for source, shard in zip(sources, shards, strict=True):
        if shard.shard is None:
            raise MigcheckError(
                f"{source}: not a shard (written without --shard); give one result, or every "
                "shard of one run"
            )
        index, total = shard.shard
        if count is None:
            count = total
        elif total != count:
            raise MigcheckError(f"{source}: shard {index}/{total} of another split than {count}")
        if index in by_index:
            raise MigcheckError(
                f"{source}: shard {index}/{total} given twice (also {by_index[index][0]})"
            )
        by_index[index] = (source, shard)
    assert count is not None
    missing = [str(i) for i in range(1, count + 1) if i not in by_index]
    if missing:
        raise MigcheckError(
            f"shards {', '.join(missing)} of {count} missing (given: {', '.join(sources)})"
        )
    ordered = [by_index[i] for i in range(1, count + 1)]
    name, first = ordered[0]
    seen: dict[str, str] = {}
    for source, shard in ordered:
        if shard.shard_history != first.shard_history:
            raise MigcheckError(
                f"{source}: a shard of another history than {name} (another commit, or "
                "another --from, --changed-since or --skip)"
            )
        if shard.fail_on != first.fail_on:
            raise MigcheckError(f"{source}: ran with another --fail-on than {name}")
        if shard.linting != first.linting:
            raise MigcheckError(f"{source}: ran with another --lint/--no-lint than {name}")
        for revision in shard.revisions:
            if revision.revision in seen:
                other = seen[revision.revision]
                raise MigcheckError(
                    f"{source}: revision {revision.revision} also walked by {other}"
                )
            seen[revision.revision] = source
    return ordered


def _compared_at_base(problem: Problem) -> bool:
    """A problem of the comparison with the schema at base, after the downgrade to base."""
    return problem.step == "downgrade-to-base" and problem.kind != "downgrade-failed"


def _without_base_steps(
    revision: RevisionResult, dropped: Callable[[Problem], bool]
) -> RevisionResult:
    """``revision`` without its ``downgrade-to-base`` problems that ``dropped`` selects.

    A revision the downgrade to base reached was walked, upgraded and not a declared floor:
    every other problem it has fails it, so its status is ``fail`` while one is left.
    """
    from migcheck.verify.results import FAIL, PASS

    gone = [p for p in revision.problems if p.step == "downgrade-to-base" and dropped(p)]
    if not gone:
        return revision
    problems = [p for p in revision.problems if p not in gone]
    return dataclasses.replace(revision, problems=problems, status=FAIL if problems else PASS)


# --- fields added after the documented ones -----------------------------------------------------

#: the fields written under documented keys; any other field is written under its own name
_RESULT_FIELDS = frozenset(
    [
        "revisions",
        "drift",
        "drift_checked",
        "notes",
        "elapsed_s",
        "backend",
        "server_version",
        "fail_on",
        "linting",
        "shard",
        "version",
    ]
)
_REVISION_FIELDS = frozenset(
    [
        "revision",
        "path",
        "message",
        "problems",
        "status",
        "elapsed_ms",
        "locks",
        "findings",
        "linted",
        "unlinted",
        "notes",
    ]
)
_STATEMENT_FIELDS = frozenset(
    [
        "sql",
        "in_transaction",
        "locks",
        "rewritten",
        "duration_ms",
        "failed",
        "held",
        "rebuilt",
        "began",
        "revision",
        "line",
        "internal",
        "probed",
    ]
)
_LOCK_FIELDS = frozenset(["relation", "kind", "mode", "new_relation", "indexes"])


def _extra(obj: Any, document: dict[str, Any], handled: frozenset[str]) -> dict[str, Any]:
    """``document`` with every field of ``obj`` that is not in ``handled``, by its name."""
    for f in dataclasses.fields(obj):
        if f.name not in handled and f.name not in document:
            document[f.name] = encode_value(getattr(obj, f.name))
    return document


def _extra_kwargs(cls: type, data: dict[str, Any], handled: frozenset[str]) -> dict[str, Any]:
    """The constructor arguments of ``cls``'s fields beyond ``handled`` that ``data`` holds."""
    hints = _hints(cls)
    return {
        f.name: decode_value(hints.get(f.name, Any), data[f.name])
        for f in dataclasses.fields(cls)
        if f.init and f.name not in handled and f.name in data
    }


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):  # an annotation only a type checker resolves: keep raw values
        return {}


def encode_value(value: Any) -> Any:
    """A field's value as JSON: dataclasses as objects, enums by lower-case name, lists."""
    if isinstance(value, enum.Enum):
        return value.name.lower()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [encode_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode_value(item) for key, item in value.items()}
    return value


def decode_value(annotation: Any, value: Any) -> Any:
    """What :func:`encode_value` wrote, read back as ``annotation`` says."""
    if value is None or annotation is Any:
        return value
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in args if arg is not type(None)]
        return decode_value(options[0], value) if len(options) == 1 else value
    if origin is list:
        return [decode_value(args[0] if args else Any, item) for item in value]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode_value(args[0], item) for item in value)
        return tuple(decode_value(arg, item) for arg, item in zip(args, value, strict=True))
    if origin is dict:
        return {key: decode_value(args[1] if args else Any, item) for key, item in value.items()}
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation[str(value).upper().replace(" ", "_")]
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        hints = _hints(annotation)
        return annotation(
            **{
                f.name: decode_value(hints.get(f.name, Any), value[f.name])
                for f in dataclasses.fields(annotation)
                if f.init and f.name in value
            }
        )
    if annotation is float and isinstance(value, int):
        return float(value)
    return value
