"""Per-revision seed rows (``--seed-data``): revision → table → rows, inserted before it upgrades.

The same idea as pytest-alembic's ``before_revision_data``. The file is JSON, YAML or a Python
module::

    {"b6d3a8e2f917": {"customers": [{"name": "Ada", "email": "ada@example.com"}]}}

A Python module defines ``SEED_DATA`` (or ``before_revision_data``) as that mapping; a table's
value may also be a single row (a mapping) instead of a list. Each revision's rows go in with
one ``INSERT`` per table and row shape, in one transaction: when one fails, none of that
revision's rows stay and the error is returned.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from migcheck.errors import MigcheckError

#: revision → table (``orders``, ``schema.table``) → rows (column → value)
SeedRows = dict[str, dict[str, list[dict[str, Any]]]]

_NAMES = ("SEED_DATA", "before_revision_data")


def load_seed_rows(path: str | Path) -> SeedRows:
    """Read a ``--seed-data`` file; :class:`MigcheckError` naming it when it is not usable."""
    path = Path(path)
    where = f"--seed-data {path}"
    try:
        if path.suffix == ".py":
            document = _module_mapping(path, where)
        else:
            text = path.read_text(encoding="utf-8")
            if path.suffix in (".yaml", ".yml"):
                document = _yaml(where).safe_load(text)
            else:
                document = json.loads(text)
    except OSError as error:
        raise MigcheckError(f"{where}: {error.strerror or error}") from None
    except ValueError as error:  # json.JSONDecodeError and yaml.YAMLError's parse errors
        raise MigcheckError(f"{where}: not readable ({str(error).splitlines()[0]})") from None
    except Exception as error:  # yaml.YAMLError is not a ValueError
        raise MigcheckError(f"{where}: {type(error).__name__}: {error}".splitlines()[0]) from None
    return _validate(document, where)


def _yaml(where: str) -> Any:
    try:
        return importlib.import_module("yaml")
    except ImportError:
        raise MigcheckError(f"{where}: reading YAML needs PyYAML (pip install pyyaml)") from None


def _module_mapping(path: Path, where: str) -> object:
    spec = importlib.util.spec_from_file_location(f"_migcheck_seed_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise MigcheckError(f"{where}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise MigcheckError(
            f"{where}: importing it raised {type(error).__name__}: {error}"
        ) from None
    for name in _NAMES:
        if hasattr(module, name):
            return getattr(module, name)
    raise MigcheckError(f"{where}: defines neither {' nor '.join(_NAMES)}")


def _validate(document: object, where: str) -> SeedRows:
    if not isinstance(document, Mapping):
        raise MigcheckError(f"{where}: expected a mapping of revision → table → rows")
    result: SeedRows = {}
    for revision, tables in document.items():
        if not isinstance(tables, Mapping):
            raise MigcheckError(f"{where}: revision {revision}: expected a mapping of table → rows")
        for table, rows in tables.items():
            listed = [rows] if isinstance(rows, Mapping) else rows
            if not isinstance(listed, list) or not all(
                isinstance(row, Mapping) and row and all(isinstance(k, str) for k in row)
                for row in listed
            ):
                raise MigcheckError(
                    f"{where}: revision {revision}, table {table}: expected rows "
                    "(a list of column → value mappings)"
                )
            result.setdefault(str(revision), {})[str(table)] = [dict(row) for row in listed]
    return result


def insert_rows(
    connection: psycopg.Connection[Any], tables: Mapping[str, list[dict[str, Any]]]
) -> str | None:
    """Insert the rows of each table, all or nothing; the error as one line, or None."""
    try:
        with connection.transaction():
            for table, rows in tables.items():
                target = sql.Identifier(*table.split(".", 1))
                for row in rows:
                    connection.execute(
                        sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                            target,
                            sql.SQL(", ").join(map(sql.Identifier, row)),
                            sql.SQL(", ").join(sql.Placeholder() * len(row)),
                        ),
                        [_adapt(value) for value in row.values()],
                    )
    except psycopg.Error as error:
        text = (error.diag.message_primary or str(error)).splitlines()[0]
        return f"{text}" + (f" ({error.diag.message_detail})" if error.diag.message_detail else "")
    return None


def _adapt(value: Any) -> Any:
    """Mappings and lists of mappings go in as jsonb; everything else as psycopg adapts it."""
    if isinstance(value, Mapping) or (
        isinstance(value, list) and any(isinstance(item, Mapping) for item in value)
    ):
        return Jsonb(value)
    return value
