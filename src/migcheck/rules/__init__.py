"""Lint rules: one module per rule, a registry, suppression comments and the engine."""
