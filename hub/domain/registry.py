"""The channel registry: adapters by name and configured accounts by (channel, key)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hub.domain.errors import UnknownChannel
from hub.domain.ports import ChannelAccount, ChannelAdapter


class ChannelRegistry:
    def __init__(
        self, adapters: Mapping[str, ChannelAdapter], accounts: Iterable[ChannelAccount]
    ) -> None:
        self._adapters = dict(adapters)
        self._accounts = {(a.channel, a.key): a for a in accounts}

    def adapter(self, name: str) -> ChannelAdapter:
        try:
            return self._adapters[name]
        except KeyError:
            raise UnknownChannel(f"unknown channel {name!r}") from None

    def account(self, channel: str, key: str) -> ChannelAccount:
        try:
            return self._accounts[(channel, key)]
        except KeyError:
            raise UnknownChannel(f"no {channel!r} account named {key!r}") from None

    def names(self) -> list[str]:
        return sorted(self._adapters)

    def accounts_of(self, channel: str) -> list[ChannelAccount]:
        """The accounts configured for a channel, by key."""
        return sorted((a for (name, _), a in self._accounts.items() if name == channel),
                      key=lambda a: a.key)
