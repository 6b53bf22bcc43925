"""Every output format renders the same findings; JSON shape is stable; SARIF is 2.1.0."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from tests.lint.helpers import FIXTURES

from migcheck.cli import cli

SAMPLE = FIXTURES / "lint" / "sample.sql"


def output(fmt: str) -> str:
    result = CliRunner().invoke(cli, ["lint", "--format", fmt, str(SAMPLE)])
    assert result.exit_code == 1, result.output
    return result.output


def test_json_shape() -> None:
    document = json.loads(output("json"))
    assert set(document) == {
        "schema_version",
        "kind",
        "tool",
        "ok",
        "fail_on",
        "coverage",
        "notes",
        "findings",
        "summary",
    }
    assert document["kind"] == "lint" and document["coverage"] is None
    assert document["ok"] is False and document["fail_on"] == "warning"
    keys = {
        "rule",
        "name",
        "severity",
        "path",
        "line",
        "column",
        "revision",
        "message",
        "fix",
        "statement",
    }
    for finding in document["findings"]:
        assert set(finding) == keys
        assert finding["line"] >= 1 and finding["column"] >= 1
        assert finding["severity"] in ("error", "warning", "info")
    summary = document["summary"]
    assert summary["findings"] == len(document["findings"])
    assert summary["errors"] + summary["warnings"] + summary["info"] == summary["findings"]
    assert summary["files"] == 1 and summary["statements"] == 6
    assert sum(summary["rules"].values()) == summary["findings"]
    lines = [(f["line"], f["rule"]) for f in document["findings"]]
    assert lines == sorted(lines)


# The official SARIF 2.1.0 JSON schema (docs.oasis-open.org) is not shipped by any package
# available offline here, so this is a structural schema written from the SARIF 2.1.0
# specification for every property migcheck emits (required members, types, enums).
SARIF_SUBSET: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                                "shortDescription": {"$ref": "#/$defs/message"},
                                                "fullDescription": {"$ref": "#/$defs/message"},
                                                "help": {"$ref": "#/$defs/message"},
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {
                                                        "level": {"$ref": "#/$defs/level"},
                                                        "enabled": {"type": "boolean"},
                                                    },
                                                    "additionalProperties": False,
                                                },
                                            },
                                            "additionalProperties": False,
                                        },
                                    },
                                },
                                "additionalProperties": False,
                            }
                        },
                    },
                    "invocations": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["executionSuccessful"],
                            "properties": {
                                "executionSuccessful": {"type": "boolean"},
                                "toolExecutionNotifications": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["message"],
                                        "properties": {
                                            "level": {"$ref": "#/$defs/level"},
                                            "message": {"$ref": "#/$defs/message"},
                                        },
                                        "additionalProperties": False,
                                    },
                                },
                            },
                            "additionalProperties": False,
                        },
                    },
                    "properties": {"type": "object"},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"$ref": "#/$defs/level"},
                                "message": {"$ref": "#/$defs/message"},
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        "properties": {"uri": {"type": "string"}},
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "properties": {
                                                            "startLine": {
                                                                "type": "integer",
                                                                "minimum": 1,
                                                            },
                                                            "startColumn": {
                                                                "type": "integer",
                                                                "minimum": 1,
                                                            },
                                                        },
                                                        "additionalProperties": False,
                                                    },
                                                },
                                                "additionalProperties": False,
                                            }
                                        },
                                        "additionalProperties": False,
                                    },
                                },
                            },
                            "additionalProperties": False,
                        },
                    },
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
    "$defs": {
        "level": {"enum": ["none", "note", "warning", "error"]},
        "message": {
            "type": "object",
            "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}},
            "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
        },
    },
}


def test_sarif_validates() -> None:
    document = json.loads(output("sarif"))
    jsonschema.validate(document, SARIF_SUBSET)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_github_annotations() -> None:
    lines = output("github").splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert any("title=MC101 create-index-non-concurrently" in line for line in lines)
    levels = [line.split(" ", 1)[0] for line in lines]
    order = {"::error": 0, "::warning": 1, "::notice": 2}
    assert levels == sorted(levels, key=order.__getitem__), "errors first, then warnings"
    assert all("\n" not in line for line in lines)


def test_github_shows_ten_per_type_and_says_how_many_more(tmp_path: Path) -> None:
    sql = tmp_path / "many.sql"
    sql.write_text("".join(f"CREATE INDEX i{n} ON t{n} (c);\n" for n in range(25)))
    result = CliRunner().invoke(cli, ["lint", "--format", "github", str(sql)])
    lines = result.output.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 10
    more = [line for line in lines if "title=migcheck annotations" in line]
    assert len(more) == 1 and "15 more errors" in more[0]


def test_gitlab_code_quality() -> None:
    issues = json.loads(output("gitlab"))
    assert issues and all(
        set(i) >= {"description", "check_name", "fingerprint", "severity", "location"}
        for i in issues
    )
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {i["severity"] for i in issues} <= {"info", "minor", "major", "critical", "blocker"}


def test_junit() -> None:
    root = ET.fromstring(output("junit"))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert int(suite.get("failures", "0")) == len(cases) > 0
    assert all(case.find("failure") is not None for case in cases)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_clean_run_renders(fmt: str, tmp_path: Path) -> None:
    clean = tmp_path / "clean.sql"
    clean.write_text("SELECT 1;\n")
    result = CliRunner().invoke(cli, ["lint", "--format", fmt, str(clean)])
    assert result.exit_code == 0
    if fmt == "text":
        assert result.output == "0 findings in 1 file, 1 statements\n"


def _hostile(tmp_path: Path) -> Path:
    """A file whose identifiers carry control characters (ESC, BEL, a NUL-like \\x01)."""
    bad = tmp_path / "hostile.sql"
    bad.write_text('CREATE INDEX "ix\x1b]0;owned\x07\x01" ON "users\x1b[2J" (email);\n')
    return bad


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_control_characters_keep_every_format_well_formed(fmt: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["lint", "--format", fmt, str(_hostile(tmp_path))])
    assert result.exit_code == 1, result.output
    if fmt == "junit":
        root = ET.fromstring(result.output)
        assert "\\x1b" in ET.tostring(root, "unicode")
    elif fmt in ("json", "sarif", "gitlab"):
        json.loads(result.output)
    if fmt in ("text", "github", "junit"):
        assert "\x1b" not in result.output
        assert "\x07" not in result.output
