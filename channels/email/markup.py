"""The HTML part of a mail, sanitized with nh3 at ingest (pure).

What is kept: the tags mail clients use for layout and text (paragraphs, lists, tables,
headings, quotes, links, inline images), a few presentational attributes, and inline
``style`` limited to the properties in ``STYLE_PROPERTIES`` (nh3 drops the others, so a
``background-image: url(…)`` never survives). What goes: scripts and their content,
``<style>`` sheets, event handlers (``on*``), forms, frames, objects, ``javascript:`` and
every other URL scheme than http(s) and mailto on links.

Images: remote images (tracking pixels included) are **blocked**, not proxied: their
``src`` is removed and their ``alt`` text stays. Only ``data:image/…`` sources are kept;
``cid:`` references (inline images sent as parts of the mail) are dropped too, because
the email channel does not store attachments yet (docs/channels/email.md). Links open in
a new tab with ``rel="noopener noreferrer"``.

The hub serves the result inside a sandboxed frame with its own CSP
(``hub/api/interaction_html.py``), a second wall behind this one.
"""

from __future__ import annotations

import nh3

MAX_HTML = 500_000  # characters of sanitized HTML kept; beyond, only the text part is

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col",
    "colgroup", "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "tt", "u", "ul",
}
DROPPED_WITH_CONTENT = {"script", "style", "title", "head", "template", "noscript",
                        "iframe", "object", "embed", "svg", "math", "textarea", "select"}
ATTRIBUTES = {
    "*": {"style", "align", "valign", "dir", "lang", "title", "width", "height", "bgcolor"},
    "a": {"href", "name"},
    "img": {"src", "alt"},
    "font": {"color", "face", "size"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "table": {"border", "cellpadding", "cellspacing"},
    "ol": {"start", "type"},
}
STYLE_PROPERTIES = {
    "color", "background-color", "font-family", "font-size", "font-style", "font-weight",
    "text-align", "text-decoration", "text-indent", "text-transform", "line-height",
    "letter-spacing", "white-space", "vertical-align", "margin", "margin-top",
    "margin-bottom", "margin-left", "margin-right", "padding", "padding-top",
    "padding-bottom", "padding-left", "padding-right", "border", "border-top",
    "border-bottom", "border-left", "border-right", "border-color", "border-style",
    "border-width", "border-collapse", "border-spacing", "width", "max-width", "height",
    "display", "list-style-type",
}
URL_SCHEMES = {"http", "https", "mailto", "data", "cid"}
IMAGE_DATA = "data:image/"
UNSAFE_CSS = ("url(", "expression(", "\\", "@import")


def _attribute(element: str, attribute: str, value: str) -> str | None:
    """Images keep only inline ``data:image/`` sources; links only web and mail URLs;
    a style that could fetch (``url(``) or escape (``\\``) is dropped whole."""
    if element == "img" and attribute == "src":
        return value if value.strip().lower().startswith(IMAGE_DATA) else None
    if attribute == "style":  # a url() or an old IE expression() in an allowed property
        folded = "".join(value.lower().split())
        return None if any(bad in folded for bad in UNSAFE_CSS) else value
    if element == "a" and attribute == "href":
        scheme = value.strip().partition(":")[0].lower()
        return value if scheme in ("http", "https", "mailto") else None
    return value


def sanitize(markup: str) -> str:
    """Sanitized HTML, or "" when nothing visible is left or it is too large to keep."""
    if not markup.strip():
        return ""
    cleaned = nh3.clean(
        markup,
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_attribute,
        strip_comments=True,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes=URL_SCHEMES,
        filter_style_properties=STYLE_PROPERTIES,
    ).strip()
    if len(cleaned) > MAX_HTML:
        return ""
    return cleaned
