"""Plain data classes for the ``migcheck lint`` path, written out instead of ``@dataclass``.

``migcheck lint`` on 10k statements takes ~0.14 s. Decorating a class with ``@dataclass``
compiles its generated ``__init__``, ``__repr__`` and ``__eq__`` (0.2 to 1 ms per class): the 26
data classes the lint program loads cost it 10 ms at startup. They spell out ``__slots__`` and
``__init__`` instead and take ``repr``, ``==`` and pickling from :class:`Record`. (Importing
:mod:`dataclasses` itself, 6 ms with :mod:`inspect`, is paid anyway: orjson imports it.) Code
that lint does not load (verify, autogen, the reports) keeps using dataclasses.
"""

from __future__ import annotations


class Record:
    """Base of a plain data class: ``repr`` and ``==`` over its ``__slots__``, in order.

    Like a dataclass with ``eq=True``, a record compares equal to another of the same class with
    equal fields, and is unhashable unless its class defines ``__hash__``. Its ``__init__`` takes
    every field, positionally in ``__slots__`` order: that is how it is pickled (the schema and
    state a split hands to its helper, :mod:`migcheck.lint.runner`), a third smaller and faster to
    load than the default state mapping of slot names.
    """

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __reduce__(self) -> tuple[type[Record], tuple[object, ...]]:
        return (type(self), tuple([getattr(self, name) for name in self.__slots__]))


class FrozenRecord(Record):
    """A record set once: ``__init__`` sets its fields with ``object.__setattr__``; hashable.

    Like a dataclass with ``frozen=True``: setting a field afterwards raises AttributeError.
    """

    __slots__: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name}")

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.__slots__))
