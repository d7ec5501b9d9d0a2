"""Small text helpers: slugs for canonical URLs, folded text for matching, tags."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
STOPWORDS = frozenset(
    "le la les un une des de du d l et ou a au aux en dans sur pour par avec sans mon ma mes "
    "ne pas plus que qui quoi est sont j je il elle on nous vous ils mais ce cet cette ces "
    "the an and or of to in on for with without my is are it i how what why can do does not "
    "comment pourquoi quand".split()
)


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: "Résilier ma Box!" → "resilier
    ma box"."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(_NON_WORD.sub(" ", ascii_text).split())


def slugify(text: str, fallback: str = "sujet") -> str:
    slug = fold(text).replace(" ", "-")[:80].strip("-")
    return slug or fallback


def tokens(text: str) -> list[str]:
    """Significant words of a query, in order, without duplicates."""
    seen: dict[str, None] = {}
    for word in fold(text).split():
        if len(word) >= 3 and word not in STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)


def parse_tags(raw: str, limit: int = 5) -> list[str]:
    """"Fibre, wifi  5GHz" → ["fibre", "wifi-5ghz"]: at most ``limit`` tags of 40 chars."""
    tags: dict[str, None] = {}
    for part in raw.split(","):
        tag = slugify(part, fallback="")[:40].strip("-")
        if tag:
            tags.setdefault(tag, None)
    return list(tags)[:limit]


def pseudonym_key(pseudonym: str) -> str:
    return fold(pseudonym).replace(" ", "")
