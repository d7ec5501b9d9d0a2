"""What an advisor sees in an offer: the work, the customer, the timeline, the account."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from hub.auth.models import User
from hub.customers.queries import customer_summaries
from hub.domain.kinds import Direction
from hub.domain.ports import AccountProvider
from hub.routing.models import Offer, Transfer, WorkItem
from hub.routing.strategy import channel_class
from hub.timeline.models import Conversation, Interaction
from hub.timeline.queries import recent_items_of

log = logging.getLogger(__name__)


def offer_payload(session: Session, *, offer: Offer, accounts: AccountProvider) -> dict[str, Any]:
    """One offer's card, with the customer's recent timeline whatever the channel."""
    item = offer.work_item
    return offer_payloads(session, offers=[offer], items={item.id: item},
                          queue_names={item.queue_id: item.queue.name},
                          accounts=accounts)[offer.id]


def offer_payloads(session: Session, *, offers: list[Offer], items: dict[int, WorkItem],
                   queue_names: dict[int, str],
                   accounts: AccountProvider) -> dict[int, dict[str, Any]]:
    """``offer_payload`` for a batch of offers, set-wise: the conversations, customers,
    last words, recent timelines (``recent_items_of``: one statement on PostgreSQL),
    transfers and account summaries of all of them in a handful of queries of the
    caller's session."""
    if not offers:
        return {}
    work = [items[o.work_item_id] for o in offers]
    conversations = conversations_of(session, {i.conversation_id for i in work})
    customer_ids = {c.customer_id for c in conversations.values()}
    customers = customer_summaries(session, customer_ids)
    timelines = recent_items_of(session, customer_ids, limit=10)
    words = latest_words(session, conversations, timelines)
    transfers = last_transfers(session, [i.id for i in work])
    account = account_summaries(session, accounts, customer_ids)
    out = {}
    for offer, item in zip(offers, work, strict=True):
        conversation = conversations[item.conversation_id]
        cid, cls = conversation.customer_id, channel_class(item.channel_kind)
        out[offer.id] = {
            "offer_id": offer.id,
            "expires_at": offer.expires_at.isoformat(),
            "kind": offer.kind,
            "note": offer.note,
            "auto_accepted": offer.auto_accepted,
            "work_item": {
                "id": item.id,
                "queue": queue_names.get(item.queue_id, ""),
                "queue_id": item.queue_id,
                "channel": conversation.channel,
                "channel_class": cls,
                "conversation_id": conversation.id,
                "waiting_since": item.created_at.isoformat(),
                "priority": item.priority,
                "language": item.language,
                "attributes": item.attributes,
                "preview": words.get(conversation.id, ""),
            },
            "customer": customers.get(cid, {}),
            "timeline": timelines[cid],
            "account": account.get(cid, {"available": False}),
            "transfer": transfers.get(item.id),
        }
    return out


def conversations_of(session: Session, ids: set[int]) -> dict[int, Any]:
    """id → (id, channel, customer_id) of each conversation: taken from the session when
    it holds them loaded (the intake opened or found them in this transaction), one
    query for the others."""
    found: dict[int, Any] = {}
    for conversation_id in ids:
        held = session.identity_map.get(identity_key(Conversation, conversation_id))
        if held is not None and not inspect(held).unloaded & {"channel", "customer_id"}:
            found[conversation_id] = held
    missing = ids - found.keys()
    if missing:
        found.update((row.id, row) for row in session.execute(
            select(Conversation.id, Conversation.channel, Conversation.customer_id)
            .where(Conversation.id.in_(sorted(missing)))))
    return found


def latest_words(session: Session, conversations: dict[int, Any],
                 timelines: dict[int, list[dict[str, Any]]]) -> dict[int, str]:
    """The customer's last words in each conversation (``id`` → a row with ``customer_id``),
    read off the cards' timelines where they show: a customer's recent items are their
    newest on every channel, in the same order (occurred_at, id), so the first inbound
    item of a conversation there is its latest. Only conversations whose customer's
    recent items hold none of theirs (a long exchange elsewhere since) are queried."""
    found: dict[int, str] = {}
    for conversation_id, conversation in conversations.items():
        for view in timelines.get(conversation.customer_id, ()):
            if view["conversation_id"] == conversation_id and \
                    view["direction"] == Direction.INBOUND:
                found[conversation_id] = (view["body"] or "")[:280]
                break
    missing = [c for c in conversations if c not in found]
    return found | latest_words_of(session, missing)


def latest_words_of(session: Session, conversation_ids: list[int]) -> dict[int, str]:
    """The customer's last words in each conversation (the offer's "first words"), one query."""
    if not conversation_ids:
        return {}
    ranked = select(Interaction.conversation_id, Interaction.body, func.row_number().over(
        partition_by=Interaction.conversation_id,
        order_by=(Interaction.occurred_at.desc(), Interaction.id.desc())).label("n")
    ).where(Interaction.conversation_id.in_(conversation_ids),
            Interaction.direction == Direction.INBOUND).subquery()
    rows = session.execute(select(ranked.c.conversation_id, ranked.c.body)
                           .where(ranked.c.n == 1))
    return {cid: (body or "")[:280] for cid, body in rows}


def last_transfers(session: Session, work_item_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The latest hand-over of each item, with its note, in one query (most items have none)."""
    found: dict[int, dict[str, Any]] = {}
    rows = session.execute(
        select(Transfer, User.name).outerjoin(User, User.id == Transfer.by_user_id)
        .where(Transfer.work_item_id.in_(work_item_ids)).order_by(Transfer.id))
    for transfer, by_name in rows:
        found[transfer.work_item_id] = _transfer_view(transfer, by_name)
    return found


def account_summaries(session: Session, accounts: AccountProvider, customer_ids: set[int]
                      ) -> dict[int, dict[str, Any]]:
    """Account summaries of many customers: set-wise in this session when the provider
    can (the SQL provider), else one by one (the CRM provider caches in Redis)."""
    batch = getattr(accounts, "summaries", None)
    if batch is not None:
        try:
            return dict(batch(customer_ids, session=session))
        except Exception:  # noqa: BLE001 - any provider failure degrades the same way
            log.warning("account data unavailable for %s customers", len(customer_ids),
                        exc_info=True)
            return {cid: {"available": False} for cid in customer_ids}
    return {cid: account_summary(accounts, cid) for cid in customer_ids}






def _transfer_view(transfer: Transfer, by_name: str | None) -> dict[str, Any]:
    return {"note": transfer.note, "by_user_id": transfer.by_user_id, "by_name": by_name,
            "from_user_id": transfer.from_user_id, "at": transfer.created_at.isoformat()}


def account_summary(accounts: AccountProvider, customer_id: int) -> dict[str, Any]:
    """Never let account data break an offer: degrade to "unavailable"."""
    try:
        return accounts.summary(customer_id)
    except Exception:  # noqa: BLE001 - any provider failure degrades the same way
        log.warning("account data unavailable for customer %s", customer_id, exc_info=True)
        return {"available": False}
