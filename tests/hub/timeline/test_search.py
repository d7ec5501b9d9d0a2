"""Full-text search, the same behaviour on PostgreSQL (tsvector) and SQLite (FTS5)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, inspect, text

from hub.timeline.models import Interaction
from hub.timeline.queries import TimelineFilter, timeline_page
from hub.timeline.search import fts5_expression
from tests.hub.timeline.builders import conversation, customer, interaction

BODIES = {
    "resiliation": "Je demande la résiliation de mon forfait",
    "Resiliation": "RÉSILIATION IMMÉDIATE SVP",
    "facture": "Ma facture de mars est fausse",
    "invoices": "Where are my invoices?",
    "box": "La box clignote en orange depuis hier",
    "reimbursement": "I was promised a reimbursement, nothing came",
}


@pytest.fixture
def lea_timeline(sessions):
    """Léa's interactions (one per body), plus Karim, who also wants to cancel."""
    with sessions.begin() as session:
        lea = customer(session)
        thread = conversation(session, lea)
        rows = {key: interaction(session, thread, body, minutes=n).id
                for n, (key, body) in enumerate(BODIES.items())}
        karim = customer(session, "Karim")
        interaction(session, conversation(session, karim), "résiliation", minutes=99)
    return sessions, lea.id, rows


def found(lea_timeline, words):
    sessions, customer_id, rows = lea_timeline
    names = {row_id: key for key, row_id in rows.items()}
    with sessions() as session:
        page = timeline_page(session, customer_id, filters=TimelineFilter(search=words))
    return {names[item["id"]] for item in page.items}


@pytest.mark.parametrize("words", ["resiliation", "résiliation", "Résiliation", "RESILIATION"])
def test_accents_and_case_do_not_matter(lea_timeline, words):
    assert found(lea_timeline, words) == {"resiliation", "Resiliation"}


@pytest.mark.parametrize(("words", "expected"), [
    ("factures", {"facture"}),       # French plural → singular
    ("facture", {"facture"}),
    ("invoice", {"invoices"}),       # English plural
    ("reimbursements", {"reimbursement"}),
    ("modem", set()),                # and nothing for a word nobody wrote
])
def test_stemming(lea_timeline, words, expected):
    assert found(lea_timeline, words) == expected


@pytest.mark.parametrize(("words", "expected"), [
    ("box orange", {"box"}),                          # every word must match
    ("box facture", set()),
    ("box or facture", {"box", "facture"}),
    ('"résiliation de mon forfait"', {"resiliation"}),
    ('"forfait résiliation"', set()),                 # a phrase keeps its order
    ("résiliation -forfait", {"Resiliation"}),
])
def test_websearch_syntax(lea_timeline, words, expected):
    assert found(lea_timeline, words) == expected


@pytest.mark.parametrize("words", ["!!!", "'", '"', "*", "box:", "NEAR(box", "body:box OR",
                                   "a AND", "-", "or", "^box", "box*", "(", "\\"])
def test_odd_input_never_errors(lea_timeline, words):
    found(lea_timeline, words)  # a page, possibly empty; never a database error


def test_search_stays_on_the_customers_timeline_and_combines_with_filters(lea_timeline):
    sessions, customer_id, rows = lea_timeline
    with sessions() as session:
        page = timeline_page(session, customer_id, limit=1,
                             filters=TimelineFilter(search="résiliation", direction="inbound"))
        rest = timeline_page(session, customer_id, limit=1, after=page.next_position,
                             filters=TimelineFilter(search="résiliation"))
    assert [i["id"] for i in page.items + rest.items] == [rows["Resiliation"],
                                                           rows["resiliation"]]
    assert rest.next_position is None


def test_edits_and_deletions_reach_the_index(lea_timeline):
    """An erased body is no longer found (the generated column / the FTS5 triggers)."""
    sessions, customer_id, rows = lea_timeline
    with sessions.begin() as session:
        session.get(Interaction, rows["box"]).body = "Le modem est réparé"
        session.execute(delete(Interaction).where(Interaction.id == rows["facture"]))
    assert found(lea_timeline, "box") == set()
    assert found(lea_timeline, "modem répare") == {"box"}
    assert found(lea_timeline, "facture") == set()


def test_the_index_objects_survive_every_migration(sessions):
    """A later SQLite batch migration on interactions would silently drop the triggers."""
    with sessions() as session:
        bind = session.get_bind()
        if bind.dialect.name == "sqlite":
            triggers = set(session.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")))
            assert {"interactions_fts_ai", "interactions_fts_ad", "interactions_fts_au"} <= \
                triggers
        else:
            columns = {c["name"] for c in inspect(bind).get_columns("interactions")}
            indexes = {i["name"] for i in inspect(bind).get_indexes("interactions")}
            assert "search_vector" in columns and "ix_interactions_search" in indexes


@pytest.mark.parametrize(("words", "expression"), [
    ("box", '("box")'),
    ("box orange", '("box" AND "orange")'),
    ('"la box" -orange', '("la box" NOT "orange")'),
    ("-orange box", '("box" NOT "orange")'),
    ("box or modem", '("box") OR ("modem")'),
    ("-orange", ""),
    ('box:col NEAR("x"', '("box col" AND "NEAR x")'),
    ('body:box "unclosed', '("body box" AND "unclosed")'),
    ("!!!", ""),
])
def test_fts5_expression_quotes_every_word(words, expression):
    assert fts5_expression(words) == expression
