"""Linting: entry points, the engine running the rules, schema state, suppression, the runner."""
