"""Topic views counted in Redis, so that reading a topic writes nothing to the database.

A view is one ``HINCRBY`` on the hash ``PENDING`` (field: the topic id). The scheduler's
``forum-views`` job (``workers.forum.flush_views``) moves the counts into
``forum_topics.view_count``:

1. ``RENAME PENDING FLUSHING`` (atomic): views counted from now on start a new hash and
   are left for the next cycle; none is lost.
2. one transaction adds every count of ``FLUSHING`` to its topic, then commits;
3. ``DEL FLUSHING``.

A flush that fails before its commit leaves ``FLUSHING`` in place; the next cycle flushes
it first (it never renames over it). A crash between the commit and the ``DEL`` would
count that one batch twice: views are a metric (deflection), not money.

Shown counts are ``view_count`` plus what is still pending (both hashes):
:func:`pending` / :func:`with_pending`. When Redis cannot be reached the view is not
counted (logged): the page is served all the same. Views are not de-duplicated per viewer
(the forum never did)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.forum.models import ForumTopic

log = logging.getLogger(__name__)
PENDING = "entraide:forum:views"
FLUSHING = "entraide:forum:views:flushing"


def count_view(redis: Redis, topic_id: int) -> None:
    try:
        redis.hincrby(PENDING, str(topic_id), 1)
    except RedisError:
        log.warning("forum views: Redis unavailable, view of topic %s not counted", topic_id)


def pending(redis: Redis, topic_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Views counted but not yet in the database: of ``topic_ids``, or of every topic.
    Empty when Redis cannot be reached (the database figure is then shown alone)."""
    try:
        if topic_ids is None:
            with redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(PENDING)
                pipe.hgetall(FLUSHING)
                hashes = pipe.execute()
            rows = [(int(k), int(v)) for h in hashes for k, v in h.items()]
        else:
            ids = list(topic_ids)
            if not ids:
                return {}
            fields = [str(i) for i in ids]
            with redis.pipeline(transaction=True) as pipe:
                pipe.hmget(PENDING, fields)
                pipe.hmget(FLUSHING, fields)
                counted, flushing = pipe.execute()
            rows = [(i, int(v)) for values in (counted, flushing)
                    for i, v in zip(ids, values, strict=True) if v is not None]
    except RedisError:
        log.warning("forum views: Redis unavailable, pending views not shown")
        return {}
    total: dict[int, int] = {}
    for topic_id, count in rows:
        total[topic_id] = total.get(topic_id, 0) + count
    return total


def shown_count(redis: Redis, topic: ForumTopic) -> int:
    return topic.view_count + pending(redis, [topic.id]).get(topic.id, 0)


def flush(redis: Redis, session: Session) -> int:
    """Move the pending views into the database (one transaction, committed here);
    returns how many views were moved."""
    if not redis.exists(FLUSHING):
        try:
            redis.rename(PENDING, FLUSHING)
        except RedisError as error:
            if "no such key" in str(error).lower():
                return 0  # nothing viewed since the last flush
            raise
    counts = {int(k): int(v) for k, v in redis.hgetall(FLUSHING).items()}
    for topic_id, count in sorted(counts.items()):
        session.execute(update(ForumTopic).where(ForumTopic.id == topic_id)
                        .values(view_count=ForumTopic.view_count + count)
                        .execution_options(synchronize_session=False))
    session.commit()
    redis.delete(FLUSHING)
    return sum(counts.values())
