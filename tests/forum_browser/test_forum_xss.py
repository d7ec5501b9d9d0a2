"""The XSS corpus in titles, bodies, tags and profile fields executes nothing on any forum
page: no dialog, the ``window.__xss`` sentinel stays 0, and no CSP violation is even
attempted (the markup is neutralised before the CSP has anything to block)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hub.db import transaction
from hub.forum import moderation, service
from hub.forum.defaults import ensure_defaults
from tests.forum_browser.test_forum_flow import member_sign_in
from tests.hub.forum.conftest import CONFIG, answer, ask, make_member

pytestmark = pytest.mark.browser

SET = "window.__xss=1;alert(1)"
PAYLOADS = [
    f"<script>{SET}</script>",
    f"<img src=x onerror=\"{SET}\">",
    f"<svg onload=\"{SET}\"><script>{SET}</script></svg>",
    f"<svg><animate onbegin=\"{SET}\" attributeName=x dur=1s>",
    f"<iframe srcdoc=\"<script>parent.{SET}</script>\"></iframe>",
    f"<a href=\"javascript:{SET}\">clic</a>",
    f"[clic](javascript:{SET})",
    f"[clic](JaVaScRiPt:{SET})",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f"[a]: javascript:{SET}\n\n[clic][a]",
    f"![x](x\" onerror=\"{SET})",
    f"<details open ontoggle=\"{SET}\">",
    f"\"><img src=x onerror={SET}>",
    f"'><script>{SET}</script>",
    f"<math><mtext><table><mglyph><style><img src=x onerror=\"{SET}\">",
    f"<noscript><p title=\"</noscript><img src=x onerror={SET}>\">",
    f"<style>@import 'javascript:{SET}';</style>",
    f"{{{{7*7}}}} <body onload=\"{SET}\">",
]


def test_xss_corpus_executes_nothing(stack, services, open_page) -> None:
    with transaction(services.sessions) as session:
        ensure_defaults(session)
        lea = make_member(session, "Lea")
        marie = make_member(session, "Marie", role="super_user")
        evil = make_member(session, "Evil")
        evil.pseudonym = PAYLOADS[1][:40]  # registration refuses it; rendering must cope too
        evil.bio = " ".join(PAYLOADS)[:500]
        topics = []
        for n, payload in enumerate(PAYLOADS):
            topic = ask(session, evil, f"Question {n} {payload}"[:200], payload,
                        tags=payload[:30])
            reply = answer(session, topic, lea, f"Réponse {payload}")
            service.reply(session, config=CONFIG, topic=topic, member=evil, body=payload,
                          quote_of_id=reply.id)
            service.accept_solution(session, post=reply, member=evil)
            topics.append(topic)
        moderation.report(session, post=reply, reporter=marie, reason="other",
                          comment=" ".join(PAYLOADS)[:500])
        service.reply(session, config=CONFIG, topic=topics[0], member=evil,
                      body="06 12 34 56 78 " + PAYLOADS[1])  # held: on the moderation queue
        service.edit_post(session, config=CONFIG, post=reply, member=lea, body=PAYLOADS[2])
        paths = [f"/forum/t/{t.id}-{t.slug}" for t in topics] + [f"/forum/p/{reply.id}/history"]
        evil_id = evil.id
    url = stack.settings.PUBLIC_URL
    paths += ["/forum/", "/forum/c/mobile", "/forum/c/mobile?sort=solved",
              f"/forum/u/{evil_id}", "/forum/leaderboard", "/forum/leaderboard?period=all"]
    reader = open_page()
    checked = 0
    for path in paths:
        reader.page.goto(url + path)
        checked += 1
        assert not reader.xss_fired(), path
    moderator = open_page()
    member_sign_in(moderator, url, "marie@example.test")
    for path in ("/forum/moderation", paths[0], f"/forum/u/{evil_id}"):
        moderator.page.goto(url + path)
        checked += 1
        assert not moderator.xss_fired(), path
    moderator.page.goto(f"{url}/forum/c/mobile/new")
    moderator.page.get_by_label("Titre").press_sequentially("Question 1 img onerror", delay=10)
    expect(moderator.page.locator("#similar-list a").first).to_contain_text("<img")
    for watched in (reader, moderator):
        assert not watched.xss_fired()
        assert watched.dialogs == [], watched.dialogs
        assert watched.csp == [], watched.csp
    assert checked == len(paths) + 3
