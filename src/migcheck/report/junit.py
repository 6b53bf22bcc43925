"""JUnit XML: one test case per finding (failure), or one passing case when clean."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from migcheck.report.escape import xml_safe
from migcheck.result import Report


def render(report: Report) -> str:
    """A ``<testsuites>`` document CI systems can display."""
    suites = ET.Element("testsuites", name="migcheck lint")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="migcheck lint",
        tests=str(max(len(report.findings), 1)),
        failures=str(len(report.findings)),
        errors="0",
    )
    if not report.findings:
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
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"
