"""The forum's fixtures (categories and ranks) for the incident tests."""

from tests.hub.forum.conftest import forum  # noqa: F401 - a fixture used by name
