"""Points, ranks (thresholds as data), badges, leaderboards, the super-user role; the
points recomputed from the facts always equal the incremental updates."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from hub.db import transaction
from hub.forum import queries, reputation, service
from hub.forum.models import ForumMember, ForumRank, ForumReputationEvent, PostStatus
from hub.forum.service import ForumRefused
from tests.hub.forum.conftest import CONFIG, answer, ask, make_member

# A Wednesday at 11:00 in Paris: a reply then earns no "night owl" badge, whenever the
# suite runs.
OFFICE_HOURS = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_points_for_replies_kudos_and_accepted_solutions(forum) -> None:
    with transaction(forum.sessions) as session:
        lea, karim, emma = (make_member(session, n) for n in ("Lea", "Karim", "Emma"))
        topic = ask(session, lea, "Une question")
        post = answer(session, topic, karim, now=OFFICE_HOURS)  # no night-owl badge
        service.give_kudos(session, post=post, member=lea)
        service.give_kudos(session, post=post, member=emma)
        service.accept_solution(session, post=post, member=lea)
        session.refresh(karim)
        assert karim.reputation == 2 + 2 * 5 + 15
        assert karim.accepted_count == 1
        assert queries.badges_of(session, karim.id) == ["first-solution"]
        other = answer(session, topic, emma)
        service.accept_solution(session, post=other, member=lea)  # the asker changes their mind
        session.refresh(karim)
        session.refresh(emma)
        assert karim.reputation == 2 + 10 and karim.accepted_count == 0
        assert emma.reputation == 2 + 15


def test_answering_and_accepting_oneself_earns_no_solution_points(forum) -> None:
    with transaction(forum.sessions) as session:
        lea = make_member(session, "Lea")
        topic = ask(session, lea, "Une question")
        service.accept_solution(session, post=answer(session, topic, lea), member=lea)
        session.refresh(lea)
        assert lea.reputation == 2 and lea.accepted_count == 0


def test_ranks_are_data(forum) -> None:
    with transaction(forum.sessions) as session:
        ranks = queries.ranks(session)
        assert [reputation.rank_of(ranks, p).code for p in (0, 19, 20, 100, 5000)] == [
            "newcomer", "newcomer", "contributor", "expert", "super-user"]
        session.execute(update(ForumRank).where(ForumRank.code == "contributor")
                        .values(threshold=50))
        ranks = queries.ranks(session)
        assert reputation.rank_of(ranks, 20).code == "newcomer"


def test_night_owl_and_ten_solutions_badges(forum) -> None:
    night = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)  # 23:30 in Paris, a Wednesday
    day = OFFICE_HOURS
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        topic = ask(session, lea, "Une question")
        service.reply(session, config=CONFIG, topic=topic, member=lea, body="jour", now=day)
        assert queries.badges_of(session, lea.id) == []
        service.reply(session, config=CONFIG, topic=topic, member=lea, body="nuit", now=night)
        assert queries.badges_of(session, lea.id) == ["night-owl"]
        for n in range(10):
            question = ask(session, lea, f"Question {n}")
            service.accept_solution(session, post=answer(session, question, karim, now=day),
                                    member=lea)
        assert queries.badges_of(session, karim.id) == ["first-solution", "ten-solutions"]


def test_reaching_the_super_user_rank_grants_the_role(forum) -> None:
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        session.execute(update(ForumRank).where(ForumRank.code == "super-user")
                        .values(threshold=20))
        topic = ask(session, lea, "Une question")
        service.accept_solution(session, post=answer(session, topic, karim), member=lea)
        session.refresh(karim)
        assert karim.role == "member"
        service.give_kudos(session, post=answer(session, topic, karim), member=lea)
        session.refresh(karim)
        assert karim.reputation == 2 + 15 + 2 + 5 and karim.is_super_user


def test_monthly_and_all_time_leaderboards(forum, client) -> None:
    with transaction(forum.sessions) as session:
        lea, karim, emma = (make_member(session, n) for n in ("Lea", "Karim", "Emma"))
        topic = ask(session, lea, "Une question")
        for _ in range(3):
            answer(session, topic, karim)
        answer(session, topic, emma)
        session.execute(update(ForumReputationEvent).where(
            ForumReputationEvent.member_id == karim.id).values(
            created_at=datetime.now(UTC) - timedelta(days=62)))
        session.execute(update(ForumMember).where(ForumMember.id == karim.id).values(
            pseudonym="Karim <b>K</b>"))
    month = client.get("/forum/leaderboard").get_data(as_text=True)
    all_time = client.get("/forum/leaderboard?period=all").get_data(as_text=True)
    assert "Emma" in month and "Karim" not in month
    assert all_time.index("Karim &lt;b&gt;K&lt;/b&gt;") < all_time.index("Emma")


def test_recomputed_points_equal_the_incremental_updates(forum) -> None:
    """A random story of replies, kudos, accepted and re-accepted solutions."""
    rng = random.Random(6)
    with transaction(forum.sessions) as session:
        people = [make_member(session, f"Membre{n}") for n in range(6)]
        topics = [ask(session, rng.choice(people), f"Question {n}") for n in range(6)]
        posts = []
        for _ in range(120):
            action = rng.random()
            try:
                if action < 0.45 or not posts:
                    topic = rng.choice(topics)
                    posts.append(answer(session, topic, rng.choice(people)))
                elif action < 0.8:
                    service.give_kudos(session, post=rng.choice(posts), member=rng.choice(people))
                else:
                    post = rng.choice(posts)
                    service.accept_solution(session, post=post, moderator=True)
            except ForumRefused:
                pass
        assert all(p.status == PostStatus.PUBLISHED for p in posts)
        for person in session.scalars(select(ForumMember)):
            session.refresh(person)
            facts = reputation.points_from_facts(session, person.id)
            assert person.reputation == facts == reputation.ledger_total(session, person.id)
        assert sum(p.reputation for p in people) > 0


def test_public_profile_shows_rank_badges_and_accepted_answers(forum, client) -> None:
    with transaction(forum.sessions) as session:
        lea, karim = make_member(session, "Lea"), make_member(session, "Karim")
        karim.bio = "Fibre depuis 2019"
        for n in range(2):
            topic = ask(session, lea, f"Question {n}")
            service.accept_solution(session, post=answer(session, topic, karim), member=lea)
        karim_id = karim.id
    html = client.get(f"/forum/u/{karim_id}-karim", headers={"Accept-Language": "en"}
                      ).get_data(as_text=True)
    assert "<h1 class=\"pseudonym\">Karim</h1>" in html
    assert '<dd class="rank">Contributor</dd>' in html  # 2 × (2 + 15) = 34 points
    assert '<dd class="accepted-count">2</dd>' in html
    assert "First solution" in html and "Fibre depuis 2019" in html
    assert "karim@example.test" not in html
    assert client.get(f"/forum/u/{karim_id}").status_code == 301
