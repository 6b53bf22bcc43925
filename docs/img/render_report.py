"""Render a markdown report to HTML as GitHub shows it, for docs/img/report.png.

    python docs/img/render_report.py report.md > report.html
    chromium --headless --screenshot=docs/img/report.png --window-size=1000,1400 report.html

markdown-it-py with GFM tables and raw HTML (``<details>``), and a small GitHub-like stylesheet.
"""

from __future__ import annotations

import sys
from pathlib import Path

from markdown_it import MarkdownIt

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 14px;
       line-height: 1.5; color: #1f2328; max-width: 940px; margin: 16px auto; padding: 0 16px; }
h3 { font-size: 1.25em; margin: 8px 0 12px; }
h4 { font-size: 1em; border-bottom: 1px solid #d1d9e0; padding-bottom: 4px; margin-top: 20px; }
h5 { font-size: .9em; margin: 12px 0 4px; }
table { border-collapse: collapse; display: block; width: max-content; max-width: 100%;
        overflow: auto; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #d1d9e0; padding: 4px 10px; vertical-align: top; }
tr:nth-child(2n) { background: #f6f8fa; }
th { font-weight: 600; background: #f6f8fa; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 85%;
       background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: auto; }
pre code { background: none; padding: 0; }
details { margin: 4px 0 12px; } summary { cursor: pointer; color: #0969da; }
a { color: #0969da; text-decoration: none; }
ul, ol { padding-left: 2em; margin: 4px 0 12px; } p { margin: 4px 0 10px; }
sub { color: #59636e; }
"""


def main() -> None:
    """Print the HTML page of the markdown file named on the command line."""
    text = Path(sys.argv[1]).read_text(encoding="utf-8")
    body = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    print(f'<!doctype html><meta charset="utf-8"><style>{CSS}</style><body>{body}</body>')


if __name__ == "__main__":
    main()
