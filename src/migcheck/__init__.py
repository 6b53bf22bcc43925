"""migcheck: make Alembic migrations safe to ship on a PostgreSQL that serves traffic."""

__version__ = "0.1.0"
