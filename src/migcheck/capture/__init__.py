"""Turning Alembic revisions into statements with their transaction context and source lines."""
