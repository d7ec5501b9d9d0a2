"""The French and English catalogs: complete, in step with the sources, used by the pages.

A UI string marked for translation but missing from a catalog fails here: run
``make translations-update``, translate it in ``hub/translations/fr/LC_MESSAGES/messages.po``
(see docs/translations.md) and ``make translations``.
"""

from __future__ import annotations

import fnmatch
import os
import tempfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import gettext

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "hub" / "translations"
LANGUAGES = ("fr", "en")
# The same keywords and ignored directories as `make translations-update`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
IGNORE_DIRS = (".*", "._", "node_modules", "var")

Key = tuple[str, str | None]  # (msgid, context)


def _po(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _entries(catalog: Catalog) -> list:
    return [message for message in catalog if message.id]


def _keep_dir(dirname: str) -> bool:
    base = os.path.basename(dirname)
    return not any(fnmatch.fnmatch(base, pattern) for pattern in IGNORE_DIRS)


@pytest.fixture(scope="module")
def source_messages() -> dict[Key, list[str]]:
    """Every msgid marked in the code and templates, extracted with babel.cfg."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    found: dict[Key, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=_keep_dir
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="session")
def compiled_catalogs() -> None:
    """The .mo files are git-ignored (`make translations` builds them): compile any
    missing or older than its .po, atomically, into the package's translations folder."""
    for lang in LANGUAGES:
        po = _po(lang)
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = _read(po)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(fd, "wb") as f:
                write_mo(f, catalog)
            os.replace(tmp, mo)
        except BaseException:
            os.unlink(tmp)
            raise


def test_every_french_message_is_translated() -> None:
    catalog = _read(_po("fr"))
    assert not catalog.fuzzy, "the fr catalog header is marked fuzzy"
    entries = _entries(catalog)
    assert entries, "the fr catalog is empty"
    fuzzy = [m.id for m in entries if m.fuzzy]
    untranslated = [
        m.id for m in entries if not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    assert not fuzzy, f"fuzzy French translations to review: {fuzzy}"
    assert not untranslated, f"French translations missing: {untranslated}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, f"French translations with placeholder errors: {problems}"


def test_english_catalog_keeps_the_source_text() -> None:
    entries = _entries(_read(_po("en")))
    assert entries, "the en catalog is empty"
    fuzzy = [m.id for m in entries if m.fuzzy]
    changed = [m.id for m in entries if m.string and m.string != m.id]
    assert not fuzzy, f"fuzzy English entries (compiled with -f): {fuzzy}"
    assert not changed, f"English msgstr should be empty or equal to msgid: {changed}"


def test_extraction_finds_the_ui_strings(source_messages: dict[Key, list[str]]) -> None:
    # Guards the next test against passing vacuously (e.g. a broken jinja2 extractor).
    assert ("Sign in", None) in source_messages
    assert ("Wrong email or password.", None) in source_messages


@pytest.mark.parametrize(
    "path",
    [_po("fr"), _po("en"), TRANSLATIONS / "messages.pot"],
    ids=["fr", "en", "pot"],
)
def test_catalog_has_every_source_message(
    path: Path, source_messages: dict[Key, list[str]]
) -> None:
    catalog = _read(path)
    missing = {
        msgid if context is None else f"{context}|{msgid}": where
        for (msgid, context), where in source_messages.items()
        if catalog.get(msgid, context) is None
    }
    assert not missing, (
        f"{path.relative_to(ROOT)} is out of date; run `make translations-update` and "
        f"translate: {missing}"
    )


@pytest.mark.parametrize(("language", "expected"), [("fr", "Se connecter"), ("en", "Sign in")])
def test_app_translates_for_accept_language(
    compiled_catalogs: None, app, language: str, expected: str
) -> None:
    with app.test_request_context("/login", headers={"Accept-Language": language}):
        assert gettext("Sign in") == expected


@pytest.mark.parametrize(
    ("language", "expected", "unexpected"),
    [("fr", "Se connecter", "Sign in"), ("en", "Sign in", "Se connecter")],
)
def test_login_page_follows_accept_language(
    compiled_catalogs: None, client, language: str, expected: str, unexpected: str
) -> None:
    response = client.get("/login", headers={"Accept-Language": language})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{language}">' in html
    assert expected in html
    assert unexpected not in html
