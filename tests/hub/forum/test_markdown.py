"""Markdown through markdown-it-py's js-default preset, then nh3 with an allowlist."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from hub.forum.markdown import TAGS, quote, render


class Inspector(HTMLParser):
    """Every element and attribute of the output, to check them structurally."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.problems.append(f"element {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "src", "srcdoc"):
                self.problems.append(f"attribute {name}")
            if name == "href" and not (value or "").startswith(("http://", "https://",
                                                                  "mailto:")):
                self.problems.append(f"href {value}")


def problems(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


def test_markdown_basics_survive() -> None:
    html = render("**gras** _it_ `code`\n\n> cité\n\n- un\n- deux")
    for fragment in ("<strong>gras</strong>", "<em>it</em>", "<code>code</code>",
                     "<blockquote>", "<li>un</li>"):
        assert fragment in html


def test_links_get_ugc_rel_and_linkify() -> None:
    html = render("[doc](https://example.com/a) et https://example.org")
    assert html.count('rel="noopener noreferrer nofollow ugc"') == 2
    assert 'href="https://example.org"' in html


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "![x](javascript:alert(1))",
    "![x\" onerror=\"alert(1)](https://x/y.png)",
    "[x](https://a.b/\"onmouseover=\"alert(1))",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    "[a]: javascript:alert(1)\n\n[link][a]",
    "<javascript:alert(1)>",
    "<details open ontoggle=alert(1)>",
])
def test_nothing_active_survives(source: str) -> None:
    html = render(source)
    assert problems(html) == [], (source, html)
    assert "<script" not in html.lower() and "<img" not in html.lower()


def test_headings_are_demoted_below_the_page_headings() -> None:
    html = render("# Titre\n\n## Sous-titre\n\n#### Petit")
    assert "<h1" not in html and "<h2" not in html
    assert html.count("<h3>") == 2 and "<h4>" in html


def test_quote_prefixes_each_line() -> None:
    assert quote("un\n\ndeux") == "> un\n>\n> deux\n\n"
