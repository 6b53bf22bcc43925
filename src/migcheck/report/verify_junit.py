"""``migcheck verify --format junit``: one test case per revision, plus one for model drift."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from migcheck.report.escape import xml_safe
from migcheck.report.verify_locks import blocking_locks, coverage_line, finding_lines
from migcheck.verify.results import ERROR, FAIL, VerifyResult


def render(result: VerifyResult) -> str:
    """JUnit XML that CI systems show as a test report."""
    failures = sum(1 for r in result.revisions if r.status == FAIL) + (1 if result.drift else 0)
    errors = sum(1 for r in result.revisions if r.status == ERROR)
    cases = len(result.revisions) + (1 if result.drift_checked else 0)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="migcheck verify",
        tests=str(cases),
        failures=str(failures),
        errors=str(errors),
        time=f"{result.elapsed_s:.3f}",
    )
    for revision in result.revisions:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="migcheck.verify",
            name=f"{revision.revision} {revision.message}".strip(),
            file=revision.path,
            time=f"{revision.elapsed_ms / 1000:.3f}",
        )
        problems = [f"{p.step}: {p.message} [{p.kind}]" for p in revision.problems]
        if revision.status in (FAIL, ERROR) and revision.problems:
            tag = "failure" if revision.status == FAIL else "error"
            first = revision.problems[0]
            element = ET.SubElement(case, tag, type=first.kind, message=first.message)
            element.text = "\n".join(problems)
            problems = []
        locks = [f"{statement}\n    {taken}" for statement, taken in blocking_locks(revision)]
        extra = finding_lines(revision) + [f"note: {note}" for note in revision.notes]
        if problems or locks or extra:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(problems + extra + locks)
    if result.drift_checked:
        case = ET.SubElement(suite, "testcase", classname="migcheck.verify", name="model drift")
        if result.drift:
            element = ET.SubElement(
                case, "failure", type="drift", message=f"{len(result.drift)} differences"
            )
            element.text = "\n".join(f"{d.message} [{d.kind}]" for d in result.drift)
    lines = [f"note: {note}" for note in result.notes] + [coverage_line(result)]
    ET.SubElement(suite, "system-out").text = xml_safe("\n".join(lines))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
