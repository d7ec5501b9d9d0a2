"""Parsing raw mail: sender, subject, text, threading, keys — and what is refused."""

from __future__ import annotations

import hashlib
import re

import pytest

from channels import ADAPTERS
from channels.email import threads
from channels.email.outbound import render
from hub.domain.errors import BadPayload, SignatureRejected
from hub.domain.kinds import IdentityKind
from hub.domain.messages import OutboundMessage, RawRequest
from tests.channels.email.mails import (
    ACCOUNT,
    DOMAIN,
    HTML_ONLY,
    PLAIN,
    WITH_ATTACHMENT,
    plain,
    raw_request,
)

EMAIL = ADAPTERS["email"]


def parse_one(raw: bytes, recipient: str = f"support@{DOMAIN}"):
    (item,) = EMAIL.parse(raw_request(raw, recipient), ACCOUNT)
    return item


def test_a_plain_mail_in_french_gives_sender_name_subject_and_text():
    item = parse_one(PLAIN)
    assert item.sender_kind is IdentityKind.EMAIL
    assert item.sender_address == "lea@example.com"
    assert item.sender_name == "Léa Martin"
    assert item.subject == "Problème de facture à régler"
    assert item.body == "Bonjour,\nma facture de novembre est fausse."
    assert item.provider_id == "CAF1234@mail.example.com"
    assert EMAIL.event_key(raw_request(PLAIN)) == "CAF1234@mail.example.com"


def test_an_idn_sender_is_normalised_to_punycode():
    item = parse_one(plain(sender="José <Jose@Café.example>").as_bytes())
    assert item.sender_address == "jose@xn--caf-dma.example"


def test_html_only_mail_becomes_clean_text_without_script():
    item = parse_one(HTML_ONLY)
    assert "Bonjour équipe" in item.body
    assert "Merci & <bonne> journée" in item.body
    assert "alert" not in item.body
    assert "color" not in item.body
    assert "<" not in item.body.replace("<bonne>", "")


def test_multipart_with_attachment_keeps_the_text_and_references_the_file():
    item = parse_one(WITH_ATTACHMENT)
    assert item.body == "Voici la capture d'écran."
    assert item.subject == "Connexion coupée"
    assert [(a.url, a.content_type, a.filename) for a in item.attachments] == [
        ("mail-part:0", "image/png", "capture.png")]  # read later from the stored mail


def test_without_message_id_the_key_is_a_sha256_of_the_bytes():
    raw = plain(message_id=None).as_bytes()
    key = EMAIL.event_key(raw_request(raw))
    assert key == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert parse_one(raw).provider_id == key


def test_a_new_mail_opens_a_thread_of_its_own():
    first = parse_one(plain(message_id="<a@example.com>").as_bytes())
    other = parse_one(plain(message_id="<b@example.com>").as_bytes())
    assert first.thread_key != other.thread_key
    assert threads.token_in_key(first.thread_key) == threads.token_of("a@example.com")


def test_a_reply_by_in_reply_to_our_message_lands_in_the_thread():
    first = parse_one(plain(message_id="<root@example.com>").as_bytes())
    ours = render(OutboundMessage(to="lea@example.com", body="Bonjour", idempotency_key="k1",
                                  thread_key=first.thread_key, subject="Ma box",
                                  in_reply_to="root@example.com"), ACCOUNT.credentials)
    answer = plain("Merci", message_id="<second@example.com>", subject="Re: Ma box",
                   in_reply_to=str(ours["Message-ID"]))
    assert parse_one(answer.as_bytes()).thread_key == first.thread_key


def test_a_reply_with_references_lands_in_the_thread_of_the_first_mail():
    first = parse_one(plain(message_id="<root@example.com>").as_bytes())
    answer = plain("Et aussi…", message_id="<third@example.com>", in_reply_to="<x@other.example>",
                   references="<root@example.com> <x@other.example>")
    assert parse_one(answer.as_bytes()).thread_key == first.thread_key


def test_a_reply_to_the_reply_plus_token_address_lands_in_the_thread():
    first = parse_one(plain(message_id="<root@example.com>").as_bytes())
    token = threads.token_in_key(first.thread_key)
    address = threads.reply_address(token, DOMAIN)
    answer = plain("Re-bonjour", message_id="<fourth@example.com>", to=address)
    assert parse_one(answer.as_bytes(), recipient=address).thread_key == first.thread_key


def test_a_stranger_using_a_token_gets_a_thread_of_their_own():
    first = parse_one(plain(message_id="<root@example.com>").as_bytes())
    address = threads.reply_address(threads.token_in_key(first.thread_key), DOMAIN)
    forged = plain("Hello", sender="mallory@evil.example", message_id="<m@evil.example>",
                   to=address)
    assert parse_one(forged.as_bytes(), recipient=address).thread_key != first.thread_key


def test_the_http_hook_cannot_store_mail():
    raw = PLAIN
    posted = RawRequest(method="POST", url="https://hub.example.test/hooks/email/default",
                        headers={}, form=(), query=(), body=raw)
    with pytest.raises(SignatureRejected):
        EMAIL.verify(posted, ACCOUNT)
    forged = raw_request(raw)
    forged = RawRequest(**{**forged.__dict__, "body": raw + b"tampered"})
    with pytest.raises(SignatureRejected, match="does not match"):
        EMAIL.verify(forged, ACCOUNT)
    EMAIL.verify(raw_request(raw), ACCOUNT)


@pytest.mark.parametrize("raw", [b"", b"Subject: no sender\r\n\r\nhello\r\n",
                                 b"From: not an address\r\n\r\nhello\r\n"])
def test_mail_without_a_sender_is_a_bad_payload(raw):
    with pytest.raises(BadPayload):
        EMAIL.parse(raw_request(raw), ACCOUNT)


def test_the_reply_subject_and_threading_headers():
    mail = render(OutboundMessage(to="lea@example.com", body="Bonjour Léa", idempotency_key="k2",
                                  thread_key=threads.thread_key("a" * 32, "lea@example.com"),
                                  subject="Problème de facture", in_reply_to="CAF1234@x"),
                  ACCOUNT.credentials)
    assert mail["Subject"] == "Re: Problème de facture"
    assert mail["In-Reply-To"] == "<CAF1234@x>"
    assert mail["References"] == "<CAF1234@x>"
    assert mail["Reply-To"] == f"reply+{'a' * 32}@{DOMAIN}"
    assert re.fullmatch(rf"<a{{32}}\.k2@{re.escape(DOMAIN)}>", str(mail["Message-ID"]))
    again = render(OutboundMessage(to="lea@example.com", body="Bonjour Léa", idempotency_key="k2",
                                   thread_key=threads.thread_key("a" * 32, "lea@example.com"),
                                   subject="Re: Problème de facture"), ACCOUNT.credentials)
    assert again["Message-ID"] == mail["Message-ID"]
    assert again["Subject"] == "Re: Problème de facture"


def test_a_first_mail_to_a_customer_has_no_re_and_no_in_reply_to():
    """A reply by email to a conversation of another channel (an SMS thread)."""
    mail = render(OutboundMessage(to="lea@example.com", body="Bonjour", idempotency_key="k3",
                                  thread_key="+33612345678"), ACCOUNT.credentials)
    assert mail["Subject"] == ""
    assert mail["In-Reply-To"] is None
    token = threads.token_of("k3")
    assert mail["Reply-To"] == f"reply+{token}@{DOMAIN}"


def test_the_html_part_is_kept_sanitized_beside_the_text_part():
    from tests.channels.email.mails import HOSTILE_HTML, alternative

    item = parse_one(bytes(alternative("Bonjour, ma facture est fausse.", HOSTILE_HTML)))
    assert item.body == "Bonjour, ma facture est fausse."
    assert "<b>l'équipe</b>" in item.html
    assert "script" not in item.html and "onerror" not in item.html


def test_an_html_only_mail_keeps_its_html_and_a_text_version():
    item = parse_one(HTML_ONLY)
    assert "Bonjour <b>équipe</b>" in item.html
    assert "alert" not in item.html
    assert item.body.startswith("Bonjour équipe")


def test_a_text_only_mail_has_no_html():
    assert parse_one(PLAIN).html == ""


def test_an_advisor_subject_is_sent_as_written_with_the_quote_and_the_references():
    from datetime import UTC, datetime

    from hub.domain.messages import Quote

    quote = Quote(text="Bonjour,\r\nma facture est fausse.\n", author="Léa <lea@example.com>",
                  at=datetime(2026, 11, 26, 9, 5, tzinfo=UTC), language="fr")
    ids = tuple(f"m{n}@x" for n in range(14))
    mail = render(OutboundMessage(to="lea@example.com", body="Je corrige.", idempotency_key="k4",
                                  thread_key=threads.thread_key("b" * 32, "lea@example.com"),
                                  subject="Votre facture corrigée", exact_subject=True,
                                  in_reply_to="m13@x", quote=quote,
                                  references=("sha256:abc", *ids)), ACCOUNT.credentials)
    assert mail["Subject"] == "Votre facture corrigée"
    assert mail["In-Reply-To"] == "<m13@x>"
    # the first id, then the latest ones, ending with the message answered; 10 at most
    assert mail["References"] == " ".join(f"<m{n}@x>" for n in (0, 5, 6, 7, 8, 9, 10, 11, 12, 13))
    assert mail.get_content() == ("Je corrige.\n\nLe 26/11/2026 09:05 UTC, Léa <lea@example.com>"
                                  " a écrit :\n> Bonjour,\n> ma facture est fausse.\n")
    english = render(OutboundMessage(to="lea@example.com", body="Done.", idempotency_key="k5",
                                     quote=Quote("Hi\n\nthanks", "Bob", quote.at, "en")),
                     ACCOUNT.credentials)
    assert english.get_content() == (
        "Done.\n\nOn 26/11/2026 09:05 UTC, Bob wrote:\n> Hi\n>\n> thanks\n")
