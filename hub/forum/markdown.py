"""Markdown to safe HTML: markdown-it-py's "js-default" preset (raw HTML off, unsafe
link schemes refused) then nh3 with an allowlist. Never trust one layer alone."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol",
    "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow ugc"

_md = MarkdownIt("js-default", {"linkify": True, "typographer": False}).enable(
    ["linkify", "table", "strikethrough"]
)


def _demote_headings(md: MarkdownIt) -> None:
    """A post's "# Title" must not compete with the page's own h1/h2: render h1/h2 as h3."""

    def heading(renderer, tokens, idx, options, env):  # type: ignore[no-untyped-def] # noqa: ANN001
        token = tokens[idx]
        if token.tag in ("h1", "h2"):
            token.tag = "h3"
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("heading_open", heading)
    md.add_render_rule("heading_close", heading)


_demote_headings(_md)


def render(source: str) -> str:
    """Markdown source (untrusted) to HTML safe to insert in a page."""
    html = _md.render(source)
    return sanitize(html)


def sanitize(html: str) -> str:
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel=LINK_REL, strip_comments=True)


def quote(source: str) -> str:
    """The Markdown of a quotation of ``source`` (each line prefixed by "> ")."""
    lines = source.strip().splitlines() or [""]
    return "\n".join(f"> {line}" if line else ">" for line in lines) + "\n\n"
