"""Probable duplicates are suggested, never merged; a rejected pair is not suggested again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.auth.models import Role
from hub.customers.models import Customer, CustomerMerge, MergeSuggestion
from hub.customers.names import name_key
from hub.customers.suggestions import (
    CLOSE_EMAIL_USER,
    SAME_EMAIL_USER,
    SAME_NATIONAL_NUMBER,
    edit_distance,
    reject_suggestion,
    suggest_merges,
)
from hub.db import transaction
from hub.domain.errors import NotAllowed
from tests.hub.customers.merge_builders import ADVISOR, assign, person, thread
from tests.personas import advisor


def bearer(persona) -> dict[str, str]:
    return {"Authorization": f"Bearer {persona.token}"}


def test_names_compare_without_case_accents_punctuation_or_word_order():
    assert name_key("Léa DUBOIS") == name_key("dubois, lea") == "dubois lea"
    assert name_key("+33 6 12 34 56 78") == ""
    assert edit_distance("lea.dubois", "leadubois") == 1
    assert edit_distance("dubois", "dupont") == 3


@pytest.mark.parametrize(("mine", "theirs", "evidence"), [
    (("email", "lea.dubois@gmail.com"), ("email", "lea.dubois@orange.fr"), SAME_EMAIL_USER),
    (("email", "lea.dubois+sav@gmail.com"), ("email", "lea.dubois@gmail.fr"), SAME_EMAIL_USER),
    (("email", "lea.dubois@gmail.com"), ("email", "leadubois@orange.fr"), CLOSE_EMAIL_USER),
    (("email", "lea.dubois@gmail.com"), ("email", "l.dubois75@orange.fr"), None),
    (("phone", "+33612345678"), ("phone", "+32612345678"), SAME_NATIONAL_NUMBER),
    (("phone", "+33612345678"), ("phone", "+33612345679"), None),
])
def test_same_name_and_a_similar_address_is_suggested(db_session, mine, theirs, evidence):
    lea = person(db_session, "Léa Dubois", mine)
    twin = person(db_session, "DUBOIS Lea", theirs)
    found = suggest_merges(db_session, lea.id)
    assert [s.evidence for s in found] == ([evidence] if evidence else [])
    if evidence:
        assert {found[0].low_id, found[0].high_id} == {lea.id, twin.id}
        assert [s.id for s in suggest_merges(db_session, twin.id)] == [found[0].id]


def test_an_unverified_number_written_nationally_matches(db_session):
    lea = person(db_session, "Léa Dubois", ("phone", "+33612345678"))
    person(db_session, "Léa Dubois", ("phone", "06.12.34.56.78 (maison)"), verified=False)
    assert [s.evidence for s in suggest_merges(db_session, lea.id)] == [SAME_NATIONAL_NUMBER]


def test_another_name_is_never_suggested_and_nothing_is_merged(db_session):
    lea = person(db_session, "Léa Dubois", ("email", "lea@gmail.com"))
    person(db_session, "Léo Dubois", ("email", "lea@orange.fr"))
    person(db_session, "Léa Dubois", ("email", "karim@orange.fr"))
    assert suggest_merges(db_session, lea.id) == []
    assert db_session.scalars(select(CustomerMerge)).all() == []


def test_a_rejected_suggestion_is_remembered(db_session):
    lea = person(db_session, "Léa Dubois", ("email", "lea@gmail.com"))
    person(db_session, "Léa Dubois", ("email", "lea@orange.fr"))
    (found,) = suggest_merges(db_session, lea.id)
    reject_suggestion(db_session, suggestion_id=found.id, actor=ADVISOR,
                      reason="two sisters with the same name")
    assert suggest_merges(db_session, lea.id) == []
    assert db_session.scalar(select(MergeSuggestion.state)) == "rejected"
    with pytest.raises(NotAllowed, match="already rejected"):
        reject_suggestion(db_session, suggestion_id=found.id, actor=ADVISOR, reason="again")


def test_advisors_list_and_reject_suggestions_only_between_customers_they_handle(
        client, services):
    with transaction(services.sessions) as session:
        camille = advisor(session)
        alex = advisor(session, email="alex@example.test", name="Alex")
        lea = person(session, "Léa Dubois", ("email", "lea@gmail.com"))
        twin = person(session, "Léa Dubois", ("email", "lea@orange.fr"))
        assign(session, camille.user.id, thread(session, lea, 1))
        assign(session, camille.user.id, thread(session, twin, 2))
        assign(session, alex.user.id, thread(session, lea, 3))
        ids = lea.id, twin.id
    lea_id, twin_id = ids
    url = f"/api/v1/customers/{lea_id}/merge-suggestions"

    listed = client.get(url, headers=bearer(camille))
    assert listed.status_code == 200, listed.get_json()
    (suggestion,) = listed.get_json()
    assert (suggestion["other_id"], suggestion["evidence"]) == (twin_id, SAME_EMAIL_USER)
    assert client.get(url, headers=bearer(alex)).get_json() == []  # Alex cannot reach the twin
    reject_url = f"{url}/{suggestion['id']}/reject"
    assert client.post(reject_url, json={"reason": "not her"},
                       headers=bearer(alex)).status_code == 404
    assert client.post(reject_url, json={"reason": "no"},
                       headers=bearer(camille)).status_code == 422
    rejected = client.post(reject_url, json={"reason": "two sisters"}, headers=bearer(camille))
    assert rejected.status_code == 200, rejected.get_json()
    assert client.get(url, headers=bearer(camille)).get_json() == []
    with services.sessions() as session:
        assert session.get(Customer, twin_id).merged_into_id is None


def test_a_supervisor_sees_every_suggestion(client, services):
    with transaction(services.sessions) as session:
        boss = advisor(session, email="sam@example.test", role=Role.SUPERVISOR)
        lea = person(session, "Léa Dubois", ("phone", "+33612345678"))
        person(session, "Léa Dubois", ("phone", "+41612345678"))
        lea_id = lea.id
    listed = client.get(f"/api/v1/customers/{lea_id}/merge-suggestions", headers=bearer(boss))
    assert [s["evidence"] for s in listed.get_json()] == [SAME_NATIONAL_NUMBER]
    assert client.get("/api/v1/customers/999999/merge-suggestions",
                      headers=bearer(boss)).status_code == 404
