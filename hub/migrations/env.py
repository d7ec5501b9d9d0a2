"""Alembic environment: runs against whatever URL the CLI configured."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from hub.models import Base
from hub.timeline.search import is_search_object

config = context.config
target_metadata = Base.metadata


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate ignores what migrations create outside the models (timeline search)."""
    return not (reflected and compare_to is None and is_search_object(name, type_))


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


run()
