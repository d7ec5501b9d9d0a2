"""The inbox lists and tags on SQLite (the demo's database), every migration applied."""

from __future__ import annotations

from sqlalchemy import select

from hub.auth.models import User
from hub.bootstrap import build_services
from hub.customers.models import Customer
from hub.db import transaction
from hub.migrate import upgrade
from hub.routing.followup import tag_work
from hub.routing.worklists import ListFilters, list_work
from hub.seed import seed_demo
from tests.conftest import with_settings
from tests.hub.routing.builders import work


def test_lists_search_and_tags_on_sqlite(settings, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    services = build_services(with_settings(settings, DATABASE_URL=url))
    try:
        with transaction(services.sessions) as session:
            seed_demo(session)
            karim = session.scalar(select(Customer).where(Customer.display_name == "Karim Benali"))
            item = work(session, services.routing, text="Colis 50% abîmé", kind="email",
                        channel="smtp", who=karim)
            sophie = session.scalar(select(User).where(User.email == "sophie@demo.entraide"))
            tag_work(session, item_id=item.id, user=sophie, tags=["Colis", "urgent"])
        with services.sessions() as session:
            sophie = session.scalar(select(User).where(User.email == "sophie@demo.entraide"))
            found = list_work(session, user=sophie, filters=ListFilters(view="all", q="BENALI"),
                              viewers_of=lambda ids: {})
            assert [row["id"] for row in found["items"]] == [item.id]
            assert found["items"][0]["tags"] == ["colis", "urgent"]
            assert found["items"][0]["first_words"] == "Colis 50% abîmé"
            assert found["counts"]["all"] == 1
            none = list_work(session, user=sophie, filters=ListFilters(view="all", q="%"),
                             viewers_of=lambda ids: {})
            assert none["items"] == []  # "%" is a character, not a wildcard
    finally:
        services.engine.dispose()
