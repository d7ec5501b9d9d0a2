"""The comparison key of a customer's name: case, accents, punctuation and word order
ignored ("Dubois, Léa" and "lea DUBOIS" share one key)."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")


def name_key(name: str) -> str:
    """Sorted lower-case words without accents; "" when the name has no letter (a phone
    number used as the display name is no name)."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = sorted(_WORD.findall(plain))
    if not any(c.isalpha() for c in "".join(words)):
        return ""
    return " ".join(words)[:200]
