"""Fixtures for the autogen tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic import command
from tests.autogen.helpers import FIXTURES, Shop

from migcheck.pg import Database


@pytest.fixture
def shop(tmp_path: Path, fresh_db: Database) -> Shop:
    root = tmp_path / "shop"
    shutil.copytree(FIXTURES / "shop", root)
    project = Shop(root, fresh_db)
    command.upgrade(project.config(), "head")
    project.seed()
    return project
