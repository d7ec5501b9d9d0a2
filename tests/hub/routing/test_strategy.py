"""The pure routing decisions: rules, qualification, capacity, priority, SLA targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.routing.strategy import (
    ASYNC,
    CHAT,
    VOICE,
    AdvisorProfile,
    Capacity,
    Facts,
    Load,
    QueueSpec,
    Rule,
    channel_class,
    choose_rule,
    effective_capacity,
    fits,
    has_keyword,
    is_busy,
    item_priority,
    matches,
    qualifies,
    rank_at,
    sla_target,
)

SMS = Facts(channel="twilio_sms", kind="sms", text="Bonjour, ma facture est FAUSSÉE",
            tags=frozenset({"fibre"}), vip=False, language="fr",
            attributes={"ivr_choice": "2"})


def test_channels_kinds_map_to_capacity_classes():
    assert [channel_class(k) for k in ("phone", "chat", "sms", "email", "social", "forum", "")] \
        == [VOICE, CHAT, ASYNC, ASYNC, ASYNC, ASYNC, ASYNC]


@pytest.mark.parametrize(("conditions", "expected"), [
    ({}, True),
    ({"channels": ["twilio_sms"]}, True),
    ({"channels": ["sms"]}, True),
    ({"channels": ["phone", "email"]}, False),
    ({"keywords": ["facture"]}, True),
    ({"keywords": ["faussee"]}, True),  # accents and case do not matter
    ({"keywords": ["factur"]}, True),  # a keyword starts a word
    ({"keywords": ["acture"]}, False),  # …but not in the middle of one
    ({"keywords": ["ma facture"]}, True),
    ({"tags": ["Fibre", "mobile"]}, True),
    ({"tags": ["mobile"]}, False),
    ({"vip": True}, False),
    ({"vip": False}, True),
    ({"vip": None}, True),
    ({"languages": ["fr"]}, True),
    ({"languages": ["en"]}, False),
    ({"attributes": {"ivr_choice": "2"}}, True),
    ({"attributes": {"ivr_choice": 2}}, True),
    ({"attributes": {"ivr_choice": ["1", "2"]}}, True),
    ({"attributes": {"ivr_choice": "3"}}, False),
    ({"attributes": {"missing": "x"}}, False),
    ({"channels": ["sms"], "languages": ["en"]}, False),  # every condition must hold
])
def test_rule_conditions(conditions, expected):
    assert matches(conditions, SMS) is expected


def test_rules_are_tried_by_position_then_id_and_none_means_the_default_queue():
    rules = [
        Rule(id=1, position=20, queue_id=101, conditions={"keywords": ["facture"]}),
        Rule(id=3, position=10, queue_id=103, conditions={"languages": ["en"]}),
        Rule(id=2, position=20, queue_id=102, conditions={}),
    ]
    assert choose_rule(rules, SMS).queue_id == 101
    assert choose_rule(rules[1:], SMS).queue_id == 102
    assert choose_rule([rules[1]], SMS) is None


def test_has_keyword_handles_empty_and_punctuation():
    assert not has_keyword("anything", "  ")
    assert has_keyword("Re: (facture) n°12", "facture")


def profile(skills=None, languages=("fr",)) -> AdvisorProfile:
    return AdvisorProfile(1, "Camille", skills or {}, frozenset(languages), Capacity())


def test_an_advisor_qualifies_with_every_required_skill_at_its_level():
    billing = QueueSpec(1, "billing", required_skills={"billing": 3, "fr-written": 1})
    assert qualifies(profile({"billing": 3, "fr-written": 2}), billing)
    assert not qualifies(profile({"billing": 2, "fr-written": 2}), billing)
    assert not qualifies(profile({"billing": 5}), billing)


def test_languages_of_the_queue_and_of_the_item():
    bilingual = QueueSpec(2, "support", languages=("fr", "en"))
    assert qualifies(profile(languages=("fr",)), bilingual, "fr")
    assert not qualifies(profile(languages=("fr",)), bilingual, "en")
    assert qualifies(profile(languages=("de", "en")), bilingual, "de")  # not served: any
    assert not qualifies(profile(languages=("de",)), bilingual, "")
    assert qualifies(profile(languages=("de",)), QueueSpec(3, "any"), "en")


def test_capacity_layers_default_team_then_advisor():
    assert effective_capacity() == Capacity(1, 3, 5, frozenset())
    team = {"chat": 2, "async": 8}
    mine = {"async": 3, "auto_accept": ["async"], "voice": None}
    assert effective_capacity(team, mine) == Capacity(1, 2, 3, frozenset({"async"}))


@pytest.mark.parametrize(("load", "cls", "expected"), [
    (Load(), VOICE, True),
    (Load(voice=1), VOICE, False),
    (Load(chat=1), VOICE, False),  # chats block a call
    (Load(voice=1), CHAT, False),  # a call blocks chats
    (Load(chat=2), CHAT, True),
    (Load(chat=3), CHAT, False),
    (Load(voice=1, async_=4), ASYNC, True),  # async work comes on top
    (Load(chat=3, async_=5), ASYNC, False),
])
def test_one_call_or_three_chats_plus_five_async(load, cls, expected):
    assert fits(load, Capacity(), cls) is expected


def test_busy_means_on_a_call_or_no_room_for_a_chat():
    assert is_busy(Load(voice=1), Capacity())
    assert is_busy(Load(chat=3), Capacity())
    assert not is_busy(Load(chat=2, async_=5), Capacity())
    assert not is_busy(Load(), Capacity())


def test_vip_and_calls_first_then_waiting_time_with_aging():
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    step = 120
    plain = rank_at(now - timedelta(minutes=3), item_priority(cls=ASYNC, vip=False), step)
    vip = rank_at(now, item_priority(cls=ASYNC, vip=True), step)
    call = rank_at(now, item_priority(cls=VOICE, vip=False), step)
    assert call < vip < plain  # a new call and a new VIP pass a 3-minute-old email
    older = rank_at(now - timedelta(minutes=11), item_priority(cls=ASYNC, vip=False), step)
    assert older < call  # …but an item that waited long enough is never starved


def test_sla_target_prefers_the_highest_priority_floor_then_the_channel():
    targets = [{"channel": "*", "min_priority": 0, "seconds": 3600},
               {"channel": "chat", "min_priority": 0, "seconds": 120},
               {"channel": "*", "min_priority": 2, "seconds": 60}]
    assert sla_target(targets, ASYNC, 0) == 3600
    assert sla_target(targets, CHAT, 0) == 120
    assert sla_target(targets, CHAT, 2) == 60
    assert sla_target([], CHAT, 0) is None
    assert sla_target([{"channel": "voice", "seconds": 30}], CHAT, 0) is None
