"""Human-readable terminal output; linear in the number of findings, colour only when asked."""

from __future__ import annotations

from migcheck.report.escape import printable
from migcheck.result import Report, Severity

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"
#: severity -> its label (``Severity.label`` goes through the enum's ``name`` property)
_LABELS = {severity: severity.label for severity in Severity}


def render(report: Report, *, color: bool = False) -> str:
    """Render findings as ``path:line:col: severity RULE name`` blocks and a summary line."""
    lines: list[str] = []
    for f in report.findings:
        where = printable(f"{f.location.path}:{f.location.line}:{f.location.column}")
        level = _LABELS[f.severity]
        if color:
            lines.append(
                f"{_BOLD}{where}{_RESET}: {_COLORS[f.severity]}{level}{_RESET} "
                f"{_BOLD}{f.rule}{_RESET} {f.name}"
            )
        else:
            lines.append(f"{where}: {level} {f.rule} {f.name}")
        lines.append(f"  {printable(f.message)}")
        if f.fix:
            fix = printable(f.fix)
            lines.append(f"  {_DIM}fix:{_RESET} {fix}" if color else f"  fix: {fix}")
    counts = {s: 0 for s in Severity}
    for f in report.findings:
        counts[f.severity] += 1
    total = len(report.findings)
    parts = [f"{counts[s]} {s.label}" for s in sorted(Severity, reverse=True) if counts[s]]
    detail = f" ({', '.join(parts)})" if parts else ""
    noun = "finding" if total == 1 else "findings"
    files = "file" if report.files == 1 else "files"
    if lines:
        lines.append("")
    lines.append(
        f"{total} {noun}{detail} in {report.files} {files}, {report.statements} statements"
    )
    lines.extend(f"note: {printable(note)}" for note in report.notes)
    if report.coverage is not None:
        lines.append(printable(report.coverage.line))
    return "\n".join(lines) + "\n"
