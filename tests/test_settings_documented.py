"""docs/configuration.md has a row for every setting the hub reads, with its default."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from hub.settings import SETTING_NAMES, Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|", re.MULTILINE)


def documented() -> dict[str, str]:
    """The rows of the "## Settings" table (the forum's own FORUM_* table comes later)."""
    text = DOC.read_text("utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return {name: default.strip() for name, default in ROW.findall(section)}


def test_every_setting_has_a_row():
    missing = sorted(SETTING_NAMES - documented().keys())
    assert missing == [], f"docs/configuration.md has no row for {missing}"


def test_every_row_is_a_setting():
    assert sorted(documented().keys() - SETTING_NAMES) == []


def test_each_row_starts_with_the_true_default():
    """A simple default (a number, a word) is written first, in backquotes."""
    wrong = {}
    for spec in fields(Settings):
        default = str(spec.default)
        cell = documented().get(spec.name, "")
        simple = default != "" and len(default) < 25
        if simple and not cell.startswith(f"`{default}`"):
            wrong[spec.name] = (default, cell)
    assert wrong == {}
