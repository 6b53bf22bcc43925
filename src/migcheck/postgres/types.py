"""Column types as the rules see them, and which type changes PostgreSQL does without a rewrite."""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: spellings that name the same internal type
_ALIASES = {
    "int": "int4",
    "integer": "int4",
    "smallint": "int2",
    "bigint": "int8",
    "serial4": "serial",
    "serial8": "bigserial",
    "serial2": "smallserial",
    "character varying": "varchar",
    "character": "bpchar",
    "char": "bpchar",
    "decimal": "numeric",
    "boolean": "bool",
    "double precision": "float8",
    "real": "float4",
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "time with time zone": "timetz",
    "bit varying": "varbit",
}

_DISPLAY = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "bpchar": "char",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
}

SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial"})


@dataclass(slots=True, frozen=True)
class TypeRef:
    """A column type: canonical internal name, its modifiers (length, precision) and array-ness.

    Immutable and hashable (a type built by :meth:`of` is shared).
    """

    name: str
    mods: tuple[int, ...] = ()
    array: bool = False

    @classmethod
    def of(cls, name: str, mods: tuple[int, ...] = (), array: bool = False) -> TypeRef:
        """Build a TypeRef from any spelling of the type name.

        Equal types are one shared object: a run meets the same few types thousands of times,
        and the schema handed to a split's helper (:mod:`migcheck.lint.runner`) pickles each once.
        """
        key = (name, mods, array)
        found = _INTERNED.get(key)
        if found is None:
            lowered = name.lower()
            found = _INTERNED[key] = cls(_ALIASES.get(lowered, lowered), mods, array)
        return found

    @property
    def display(self) -> str:
        """The type as a person writes it (``varchar(20)``, ``bigint``)."""
        base = _DISPLAY.get(self.name, self.name)
        if self.mods:
            base += "(" + ",".join(str(m) for m in self.mods) + ")"
        return base + ("[]" if self.array else "")


#: every TypeRef built by :meth:`TypeRef.of`, by its arguments
_INTERNED: dict[tuple[str, tuple[int, ...], bool], TypeRef] = {}


class Change(enum.Enum):
    """What ``ALTER COLUMN … TYPE`` costs."""

    FREE = "metadata only"
    REWRITE = "a full table and index rewrite"
    UNKNOWN = "a rewrite unless the current type is binary-compatible"


def _widens(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    if not new:
        return True
    if not old:
        return False
    return new[0] >= old[0]


def type_change(old: TypeRef | None, new: TypeRef, using: bool) -> Change:
    """Classify a type change from ``old`` (None when unknown) to ``new``.

    The safe list follows PostgreSQL's binary-coercible casts: varchar widened or made unbounded,
    varchar ↔ text, numeric precision raised with the same scale, varbit widened, cidr → inet,
    and the same type with the same or wider modifiers. ``using`` is a USING clause that is more
    than the column itself (see ``extract._real_using``): always a rewrite.
    """
    if using:
        return Change.REWRITE
    if old is None:
        return Change.UNKNOWN
    if old.array != new.array:
        return Change.REWRITE
    text_like = {"text", "varchar"}
    if old.name in text_like and new.name in text_like:
        if new.name == "text" or not new.mods:
            return Change.FREE
        if old.name == "varchar" and _widens(old.mods, new.mods):
            return Change.FREE
        return Change.REWRITE  # measured on PostgreSQL 15: narrowing copies the table
    if old.name == new.name:
        if old.mods == new.mods:
            return Change.FREE
        if new.name in {"varchar", "varbit"}:
            return Change.FREE if _widens(old.mods, new.mods) else Change.REWRITE
        if new.name == "numeric":
            if not new.mods:
                return Change.FREE
            same_scale = (old.mods[1:2] or (0,)) == (new.mods[1:2] or (0,))
            if old.mods and same_scale and new.mods[0] >= old.mods[0]:
                return Change.FREE
            return Change.REWRITE
        if new.name in {"timestamp", "timestamptz", "time", "timetz", "interval"}:
            return Change.FREE if _widens(old.mods, new.mods) else Change.REWRITE
        return Change.REWRITE
    if (old.name, new.name) in {("cidr", "inet"), ("bpchar", "text"), ("bpchar", "varchar")}:
        return Change.FREE if old.name == "cidr" else Change.REWRITE
    return Change.REWRITE


#: integer types by width, narrowest first
_INTEGER_WIDTH = {"int2": 0, "int4": 1, "int8": 2}


def narrows(old: TypeRef | None, new: TypeRef) -> bool:
    """Whether some value of ``old`` may not fit ``new`` (a shorter varchar, fewer digits).

    PostgreSQL's explicit casts truncate such values without an error (``'abcdef'::varchar(3)``
    is ``'abc'``; ``1.25::numeric(3,1)`` is ``1.3``); its assignment casts raise for strings and
    integers but still round numerics. Unknown types count as narrowing when their modifiers
    shrink.
    """
    if old is None or old.array != new.array:
        return old is not None
    text_like = {"text", "varchar", "bpchar"}
    if old.name in text_like and new.name in {"varchar", "bpchar"}:
        return bool(new.mods) and (not old.mods or old.name == "text" or new.mods[0] < old.mods[0])
    if old.name in _INTEGER_WIDTH and new.name in _INTEGER_WIDTH:
        return _INTEGER_WIDTH[new.name] < _INTEGER_WIDTH[old.name]
    if old.name == new.name == "numeric" and new.mods:
        if not old.mods:
            return True
        old_scale = old.mods[1] if len(old.mods) > 1 else 0
        new_scale = new.mods[1] if len(new.mods) > 1 else 0
        return new_scale < old_scale or new.mods[0] - new_scale < old.mods[0] - old_scale
    if old.name == new.name:
        return bool(new.mods) and (not old.mods or new.mods < old.mods)
    return False


def text_limit(new: TypeRef) -> int | None:
    """The length limit of a ``varchar(n)`` / ``char(n)`` type; None for others."""
    return new.mods[0] if new.name in {"varchar", "bpchar"} and new.mods else None


def could_be_free(new: TypeRef) -> bool:
    """True when *some* current type could change to ``new`` without a rewrite."""
    return new.name in {"text", "varchar", "numeric", "varbit", "inet"} or (
        new.name in {"timestamp", "timestamptz", "time", "timetz", "interval"} and not new.mods
    )


def free_from(new: TypeRef) -> str:
    """The current types from which a change to ``new`` is metadata-only, in words.

    For the types :func:`could_be_free` accepts; mirrors :func:`type_change`'s safe list.
    """
    if new.name == "text" or (new.name == "varchar" and not new.mods):
        return "varchar or text"
    if new.name == "varchar":
        return f"varchar of length {new.mods[0]} or less"
    if new.name == "numeric" and new.mods:
        scale = new.mods[1] if len(new.mods) > 1 else 0
        return f"numeric with precision {new.mods[0]} or less and scale {scale}"
    if new.name == "inet":
        return "inet or cidr"
    if new.name == "varbit" and new.mods:
        return f"varbit of length {new.mods[0]} or less"
    return f"{new.name} (any modifier)"


#: the value range of each integer type
INTEGER_RANGES = {
    "int2": (-(2**15), 2**15 - 1),
    "int4": (-(2**31), 2**31 - 1),
    "int8": (-(2**63), 2**63 - 1),
}

#: ``atttypmod`` carries the declared length plus this header (varchar, bpchar, numeric)
_VARHDRSZ = 4


def typmod_mods(name: str, typmod: int) -> tuple[int, ...]:
    """The modifiers a person writes (``varchar(20)`` → ``(20,)``) from ``pg_attribute.atttypmod``.

    ``name`` is a canonical type name (:meth:`TypeRef.of`); ``-1`` means no modifier. varchar and
    char store the length plus a 4-byte header, numeric packs ``((precision << 16) | scale) + 4``
    (scale as a signed 11-bit number since PostgreSQL 15), the time types and bit types store the
    value itself.
    """
    if typmod < 0:
        return ()
    if name in {"varchar", "bpchar"}:
        return (typmod - _VARHDRSZ,)
    if name == "numeric":
        packed = typmod - _VARHDRSZ
        scale = packed & 0x7FF
        return ((packed >> 16) & 0xFFFF, scale - 0x800 if scale & 0x400 else scale)
    if name in {"timestamp", "timestamptz", "time", "timetz", "bit", "varbit"}:
        return (typmod,)
    return ()
