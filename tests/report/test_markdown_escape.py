"""Any text a project writes stays literal text in the markdown report, and the marker parses back.

Property tests over arbitrary text, read back with markdown-it-py (CommonMark with GFM tables).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from migcheck.report.escape import markdown_code, markdown_text, printable
from migcheck.verify.review import ReviewMarker

PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


def cell(markdown: str) -> list[tuple[str, str]]:
    """(type, content) of the inline children of a one-cell table's body cell."""
    tokens = PARSER.parse(f"| head |\n| --- |\n| x{markdown}x |\n")
    inline = [t for t in tokens if t.type == "inline"][1]
    return [(child.type, child.content) for child in inline.children or []]


def literal(text: str) -> str:
    """What the reader should see: one line, control characters shown, outer spaces trimmed."""
    return printable(" ".join(text.splitlines()))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_text_is_literal_in_a_table_cell(text: str) -> None:
    children = cell(markdown_text(text))
    assert {kind for kind, _ in children} <= {"text"}
    seen = "".join(content for _, content in children)
    assert seen[1:-1] == literal(text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_code_is_one_code_span_outside_tables(text: str) -> None:
    tokens = PARSER.parse(f"see {markdown_code(text)} here\n")
    children = next(t for t in tokens if t.type == "inline").children or []
    spans = [c.content for c in children if c.type == "code_inline"]
    assert len(spans) == 1
    assert spans[0].strip() == printable(" ".join(text.split())).strip()


@given(
    st.lists(
        st.tuples(TEXT.filter(bool), st.from_regex(r"MC[0-9]{3}", fullmatch=True), st.integers(1)),
        max_size=5,
    )
)
def test_marker_round_trips_whatever_the_revision_ids(
    counts: list[tuple[str, str, int]],
) -> None:
    marker = ReviewMarker("review", 3, 0, 7, "ab" * 16, tuple(counts))
    text = marker.render()
    assert text.count("-->") == 1 and text.endswith(" -->") and "\n" not in text
    assert ReviewMarker.find(f"intro\n{text}\nrest") == marker
