"""JUnit XML: one test case per finding (failure) and unchecked revision (skipped).

A clean run has one passing case; notes and the coverage line are the suite's system-out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from migcheck.report.escape import xml_safe
from migcheck.result import Report


def render(report: Report) -> str:
    """A ``<testsuites>`` document CI systems can display."""
    unchecked = [] if report.coverage is None else report.coverage.unchecked
    suites = ET.Element("testsuites", name="migcheck lint")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="migcheck lint",
        tests=str(max(len(report.findings) + len(unchecked), 1)),
        failures=str(len(report.findings)),
        errors="0",
        skipped=str(len(unchecked)),
    )
    if not report.findings and not unchecked:
        ET.SubElement(suite, "testcase", classname="migcheck", name="lint")
    for f in report.findings:
        loc = f.location
        path = xml_safe(loc.path)
        case = ET.SubElement(
            suite,
            "testcase",
            classname=path,
            name=f"{f.rule} {f.name} at {path}:{loc.line}:{loc.column}",
            file=path,
            line=str(loc.line),
        )
        message = xml_safe(f.message)
        failure = ET.SubElement(case, "failure", message=message, type=f.severity.label)
        failure.text = xml_safe(f"{f.message}\nfix: {f.fix}\n{f.statement}".strip())
    for u in unchecked:
        path = xml_safe(u.path)
        case = ET.SubElement(
            suite, "testcase", classname=path, name=f"revision {xml_safe(u.revision)}", file=path
        )
        ET.SubElement(case, "skipped", message=xml_safe(u.reason))
    lines = [f"note: {note}" for note in report.notes]
    if report.coverage is not None:
        lines.append(report.coverage.line)
    if lines:
        ET.SubElement(suite, "system-out").text = xml_safe("\n".join(lines))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"
