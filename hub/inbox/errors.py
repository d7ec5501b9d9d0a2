"""The inbox services' refusals."""

from __future__ import annotations

from hub.domain.errors import NotAllowed


class BadInput(NotAllowed):
    """Input the API refuses with a 422; ``field`` names the faulty field."""

    def __init__(self, reason: str, field: str) -> None:
        super().__init__(reason)
        self.field = field
