"""Alembic projects: loading one, rendering its revisions offline."""
