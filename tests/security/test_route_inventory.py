"""Every route, walked from ``app.url_map``: an anonymous caller gets nothing.

The first column of the sec_idor_matrix of QUALITY.md: for each route and method, an
anonymous request (with a valid CSRF token, so the refusal is about identity, not
forgery) must be refused — 401 for the API, a redirect to a sign-in page for HTML — and
nothing may answer 5xx. A route that anyone may call is listed in ``PUBLIC`` with the
reason; a new route that is neither refused nor listed fails this test.
"""

from __future__ import annotations

import re

import pytest

PUBLIC: dict[str, str] = {
    "static": "the hub's static files",
    "pages.static": "the inbox's scripts and styles",
    "forum.static": "the forum's scripts and styles",
    "pages.index": "redirects to the inbox (which asks to sign in)",
    "pages.login": "the advisors' sign-in page",
    "pages.logout": "signing out is harmless",
    "api-docs.openapi_json": "the API description",
    "health.health": "the load balancer's health check",
    "hooks.receive": "providers: every request is checked against the provider's signature",
    "forum.index": "public forum pages",
    "forum.category": "public forum pages",
    "forum.atom": "public forum feeds",
    "forum.rss": "public forum feeds",
    "forum.topic": "public forum pages",
    "forum.topic_without_slug": "redirects to the canonical topic URL",
    "forum.leaderboard": "public forum pages",
    "forum.profile": "public member profiles (pseudonym, rank, badges)",
    "forum.similar": "similar solved questions while asking",
    "forum.similar_click": "deflection metric: counts a click, nothing else",
    "forum.history": "public edit history of a published post",
    "forum.quote_post": "quotes a published post",
    "forum.login": "the members' sign-in page",
    "forum.logout": "signing out is harmless",
    "forum.register": "members register",
    "forum.verify": "the signed link of a verification email",
    "webchat.static": "the chat widget's script and styles, loaded by brands' sites",
    "webchat.demo": "a demo brand page embedding the chat widget (no data)",
    "webchat.strings": "the chat widget's words in the visitor's language",
    "webchat.open_session": "visitors have no account: a new anonymous visitor, or one "
                            "proven by the session or the brand's identity token",
    "webchat.history": "refused with 403 without the visitor session the hub signed",
}

ADVISOR_SIGN_IN = "/login"
FORUM_SIGN_IN = "/forum/login"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _url(rule) -> str:
    def value(match: re.Match[str]) -> str:
        converter = match.group(1) or ""
        return "999999" if converter.startswith("int") else "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", value, rule.rule)


def _routes(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods or ()) & set(METHODS)):
            found.append((rule.endpoint, method, _url(rule)))
    return sorted(found)


def _csrf(client) -> str:
    page = client.get(ADVISOR_SIGN_IN).get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _refused(endpoint: str, url: str, response) -> bool:
    if url.startswith("/api/"):
        return response.status_code == 401 and "errors" in (response.get_json() or {})
    if response.status_code in (301, 302, 303):
        target = response.headers.get("Location", "")
        return ADVISOR_SIGN_IN in target or FORUM_SIGN_IN in target
    # forum actions of members and advisors: refused outright, or "not found" for an id
    # that does not exist (the id check comes after the identity check, see the forum tests)
    return endpoint.startswith("forum.") and response.status_code in (401, 403, 404)


def test_every_route_refuses_anonymous_callers_unless_listed_public(app, client, services):
    problems = []
    for endpoint, method, url in _routes(app):
        token = _csrf(client)  # signing out (a listed route) clears the session's token
        headers = {"X-CSRFToken": token}
        data = {"csrf_token": token} if method != "GET" else None
        response = client.open(url, method=method, headers=headers, data=data)
        if response.status_code >= 500:
            problems.append(f"{method} {url} ({endpoint}): {response.status_code}")
        elif endpoint not in PUBLIC and not _refused(endpoint, url, response):
            problems.append(f"{method} {url} ({endpoint}): {response.status_code} for anonymous")
    assert not problems, "\n".join(problems)


def test_public_list_names_only_existing_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PUBLIC) <= endpoints, sorted(set(PUBLIC) - endpoints)


@pytest.mark.parametrize("origin", ["https://evil.example", "null"])
def test_the_api_never_hands_its_answers_to_another_origin(client, origin):
    response = client.get("/api/v1/health", headers={"Origin": origin})
    assert response.headers.get("Access-Control-Allow-Origin") in (None, "")
    assert response.headers.get("Access-Control-Allow-Credentials") is None
