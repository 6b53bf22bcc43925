"""Record and FrozenRecord: the plain data classes of the lint path behave like dataclasses."""

from __future__ import annotations

import pickle

import pytest

from migcheck.config import Settings
from migcheck.postgres.types import TypeRef
from migcheck.result import Finding, Location, Severity


def test_record_repr_and_equality_follow_the_fields() -> None:
    location = Location("m.sql", 3, 5)
    assert repr(location) == "Location(path='m.sql', line=3, column=5, revision=None)"
    assert location == Location("m.sql", 3, 5)
    assert location != Location("m.sql", 3, 6)
    assert location != ("m.sql", 3, 5, None)
    with pytest.raises(TypeError):
        hash(location)


def test_record_pickles() -> None:
    finding = Finding("MC101", "x", Severity.ERROR, Location("m.sql", 1), "message", "fix")
    assert pickle.loads(pickle.dumps(finding, pickle.HIGHEST_PROTOCOL)) == finding


def test_frozen_record_is_immutable_hashable_and_pickles() -> None:
    settings = Settings(pg_version=14, enable=frozenset({"MC501"}))
    with pytest.raises(AttributeError):
        settings.pg_version = 15
    assert settings.replace(pg_version=15).pg_version == 15
    assert settings.replace(pg_version=15).enable == frozenset({"MC501"})
    assert pickle.loads(pickle.dumps(settings, pickle.HIGHEST_PROTOCOL)) == settings
    varchar = TypeRef.of("VARCHAR", (20,))
    assert varchar is TypeRef.of("VARCHAR", (20,))
    assert {varchar: 1}[TypeRef("varchar", (20,))] == 1
    assert pickle.loads(pickle.dumps(varchar, pickle.HIGHEST_PROTOCOL)) == varchar
