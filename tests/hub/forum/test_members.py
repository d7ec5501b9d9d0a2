"""Members: registration, a signed verification link read from the mail port, the link to
the hub's customer, sign-in with a new session, sign-out, public profile."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hub.customers.models import Customer, Identity
from hub.db import transaction
from hub.forum import members
from hub.forum.models import ForumMember
from hub.forum.service import ForumRefused
from tests.hub.forum.conftest import PASSWORD, csrf_of, make_member, sign_in


def _register(client, email: str, pseudonym: str = "Léa D.", password: str = PASSWORD):
    token = csrf_of(client, "/forum/register")
    return client.post("/forum/register", data={"email": email, "pseudonym": pseudonym,
                                                "password": password, "csrf_token": token})


def _link(app) -> str:
    body = app.extensions["forum"].mailer.sent[-1].body
    match = re.search(r"https://hub\.example\.test/forum/verify/(\S+)", body)
    assert match, body
    return "/forum/verify/" + match.group(1)


def test_register_verify_and_link_to_the_customer(forum, app, client) -> None:
    with transaction(forum.sessions) as session:
        customer = Customer(display_name="Léa Dubois")
        session.add(customer)
        session.flush()
        session.add(Identity(customer_id=customer.id, kind="email",
                             address="lea.dubois@example.fr"))
        customer_id = customer.id
    response = _register(client, "Lea.Dubois@Example.fr")
    assert response.status_code == 200
    with transaction(forum.sessions) as session:
        member = session.scalars(select(ForumMember)).one()
        assert member.email == "lea.dubois@example.fr" and not member.verified
        assert member.customer_id is None  # not before the email is proven
    response = client.get(_link(app))
    assert response.status_code == 302
    with transaction(forum.sessions) as session:
        member = session.scalars(select(ForumMember)).one()
        assert member.verified and member.customer_id == customer_id
    home = client.get("/forum/").get_data(as_text=True)
    assert "Léa D." in home  # signed in by the link
    profile = client.get(f"/forum/u/{member.id}-lea-d").get_data(as_text=True)
    assert "lea.dubois" not in profile and "Léa Dubois" not in profile


def test_tampered_or_expired_links_are_refused(forum, app, client) -> None:
    _register(client, "emma@example.test", "Emma")
    link = _link(app)
    assert client.get(link[:-3] + "xyz").status_code == 302
    with transaction(forum.sessions) as session:
        assert not session.scalars(select(ForumMember)).one().verified
        with pytest.raises(ForumRefused):
            members.verify_email(session, token=link.rsplit("/", 1)[1],
                                 secret="test-secret-key-0123456789abcdef-0123456789",
                                 max_age=-1)


def test_registration_does_not_reveal_existing_accounts(forum, app, client) -> None:
    with transaction(forum.sessions) as session:
        make_member(session, "Karim", email="karim@example.test")
    first = _register(client, "karim@example.test", "Karim2")
    assert first.status_code == 200
    fresh = _register(client, "new@example.test", "Nouveau")
    assert fresh.status_code == 200
    strip = lambda html: re.sub(r'value="[^"]*"|content="[^"]*"', "", html)  # noqa: E731
    assert strip(first.get_data(as_text=True)) == strip(fresh.get_data(as_text=True))
    with transaction(forum.sessions) as session:
        assert session.scalar(select(ForumMember).where(
            ForumMember.pseudonym == "Karim2")) is None


@pytest.mark.parametrize(("email", "pseudonym", "password"), [
    ("not-an-email", "Valide", PASSWORD),
    ("a@example.test", "x", PASSWORD),
    ("a@example.test", "06 12 34 56 78", PASSWORD),
    ("a@example.test", "<script>", PASSWORD),
    ("a@example.test", "Valide", "court"),
])
def test_registration_rules(forum, client, email, pseudonym, password) -> None:
    _register(client, email, pseudonym, password)
    with transaction(forum.sessions) as session:
        assert session.scalars(select(ForumMember)).first() is None


def test_pseudonyms_are_unique_regardless_of_case_and_accents(forum, client) -> None:
    with transaction(forum.sessions) as session:
        make_member(session, "lea")
    _register(client, "other@example.test", "Léa")
    with transaction(forum.sessions) as session:
        assert len(session.scalars(select(ForumMember)).all()) == 1


def test_sign_in_rotates_the_session_and_sign_out_ends_it(forum, client) -> None:
    with transaction(forum.sessions) as session:
        make_member(session, "Lea")
    with client.session_transaction() as cookie:
        cookie["planted"] = "by an attacker"
    assert sign_in(client, "lea@example.test", "wrong password").status_code == 401
    assert sign_in(client, "lea@example.test").status_code == 302
    with client.session_transaction() as cookie:
        assert "planted" not in cookie and cookie["forum_member_id"]
        stolen = dict(cookie)
    client.post("/forum/logout", data={"csrf_token": csrf_of(client)})
    with client.session_transaction() as cookie:
        cookie.update(stolen)  # a copy of the old cookie no longer works
    assert "Lea</a>" not in client.get("/forum/").get_data(as_text=True)


def test_forms_need_the_csrf_token(forum, client) -> None:
    with transaction(forum.sessions) as session:
        make_member(session, "Lea")
    response = client.post("/forum/login", data={"email": "lea@example.test",
                                                 "password": PASSWORD})
    assert response.status_code == 400


def test_unverified_members_cannot_post(forum, client) -> None:
    with transaction(forum.sessions) as session:
        make_member(session, "Lea", verified=False)
    sign_in(client, "lea@example.test")
    response = client.post("/forum/c/mobile/new", data={
        "title": "Une question valable", "body": "texte", "csrf_token": csrf_of(client)},
        headers={"Accept-Language": "en"})
    assert "Confirm your email address before posting." in response.get_data(as_text=True)
