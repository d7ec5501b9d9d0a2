"""Which channels an advisor may answer a conversation on: the conversation's own, and any
other the customer has an identity for, an account is configured for, and consent allows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from hub.customers.models import Customer
from hub.domain.kinds import ChannelKind, IdentityKind
from hub.domain.registry import ChannelRegistry
from hub.forum.on_timeline import FORUM_CHANNELS
from hub.forum.service import MAX_BODY
from hub.inbox.errors import BadInput
from hub.replies.service import ReplyRoute
from hub.timeline.models import Conversation

IDENTITY_KINDS: dict[str, tuple[str, ...]] = {
    ChannelKind.SMS: (IdentityKind.PHONE,),
    ChannelKind.EMAIL: (IdentityKind.EMAIL,),
    ChannelKind.CHAT: (IdentityKind.CHAT,),
    ChannelKind.SOCIAL: (IdentityKind.MESSENGER, IdentityKind.INSTAGRAM, IdentityKind.X),
    ChannelKind.FORUM: (IdentityKind.FORUM,),
}
# Channels whose identities are their own: the demo console's ids are not web-chat visitors.
CHANNEL_IDENTITY_KINDS: dict[str, tuple[str, ...]] = {"console": (IdentityKind.CONSOLE,)}
CONSENT = {ChannelKind.SMS: "consent_sms", ChannelKind.EMAIL: "consent_email"}


@dataclass(frozen=True)
class ReplyChannel:
    channel: str
    kind: str
    current: bool
    allowed: bool
    reason: str
    address: str
    account: str
    max_length: int

    def view(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "account"}

    def route(self) -> ReplyRoute:
        return ReplyRoute(self.channel, self.account, self.address)


def reply_channels(session: Session, *, conversation: Conversation,
                   registry: ChannelRegistry) -> list[ReplyChannel]:
    """Every registered channel, the conversation's first; ``allowed`` and why not."""
    customer = session.get(Customer, conversation.customer_id)
    assert customer is not None
    options = [_option(customer, conversation, registry, name) for name in registry.names()]
    if conversation.channel in FORUM_CHANNELS:  # no adapter: the forum delivers its replies
        options.append(ReplyChannel(conversation.channel, ChannelKind.FORUM.value, True, True, "",
                                    conversation.customer_address, conversation.account,
                                    MAX_BODY))
    return sorted(options, key=lambda o: (not o.current, not o.allowed, o.channel))


def choose(session: Session, *, conversation: Conversation, registry: ChannelRegistry,
           channel: str) -> ReplyChannel:
    """The channel asked for, or BadInput on ``channel`` saying why it cannot be used."""
    for option in reply_channels(session, conversation=conversation, registry=registry):
        if option.channel == channel:
            if not option.allowed:
                raise BadInput(option.reason, "channel")
            return option
    raise BadInput(f"unknown channel {channel!r}", "channel")


def _option(customer: Customer, conversation: Conversation, registry: ChannelRegistry,
            name: str) -> ReplyChannel:
    adapter = registry.adapter(name)
    kind, limit = str(adapter.kind), adapter.capabilities.max_length
    if name == conversation.channel:
        return ReplyChannel(name, kind, True, True, "", conversation.customer_address,
                            conversation.account, limit)

    def refused(reason: str, address: str = "") -> ReplyChannel:
        return ReplyChannel(name, kind, False, False, reason, address, "", limit)

    kinds = CHANNEL_IDENTITY_KINDS.get(name) or IDENTITY_KINDS.get(kind, ())
    identity = next((i for i in customer.identities if i.kind in kinds), None)
    if identity is None:
        return refused("the customer has no identity on this channel")
    consent = CONSENT.get(kind)
    if consent and not getattr(customer, consent):
        return refused("the customer has not consented to this channel", identity.address)
    accounts = registry.accounts_of(name)
    if not accounts:
        return refused("no account is configured for this channel", identity.address)
    return ReplyChannel(name, kind, False, True, "", identity.address, accounts[0].key, limit)
