"""Output formats: each module renders a finished result; none of them computes anything."""
