"""The rendered posts of a topic page, cached in Redis: about half the page's time was
Jinja rendering the same 50 posts for every reader.

What is cached is the *head* of a published post (template ``forum/_post_head.html``):
the opening ``<article>`` tag, author, rank, dates, badges, notices, quote reference and
the sanitized body. It is rendered without the page's context (only the post, its topic,
the author's rank and the language), so it holds nothing about the viewer; everything
viewer-dependent (kudos, quote, accept, certify, report, edit, hide/publish, the CSRF
token) is the footer, rendered for each request in ``forum/_post.html``.

The key names everything the head shows that can change:

* the topic's id, creation time and ``version``: every write to the topic or to one of
  its posts (reply, edit, hide, publish, hold, certify, accept, delete) bumps ``version``
  in the same transaction (listener in hub/forum/models.py), so after the commit no
  reader can reach a fragment of the old content;
* the post id, the language and the author's rank code (reputation moves without
  touching the topic);
* a hash of the head template's source (a deploy that changes it starts afresh).

Only *published* posts are cached: held and hidden posts (shown to their author or to
moderators only) are always rendered live. Which posts a viewer sees is decided by the
query, never by the cache. Entries expire after ``TTL`` seconds (what the key does not
name, such as an advisor's renamed display name, is at most that old). When Redis
cannot be reached every post is rendered live."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from flask import current_app
from markupsafe import Markup
from redis import Redis
from redis.exceptions import RedisError

from hub.forum.models import ForumPost, ForumRank, ForumTopic, PostStatus

log = logging.getLogger(__name__)
PREFIX = "entraide:forum:post"
TTL = 24 * 3600
TEMPLATE = "forum/_post_head.html"


@cache
def template_hash() -> str:
    source = (Path(__file__).parent / "templates" / TEMPLATE).read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


def key(topic: ForumTopic, post: ForumPost, *, lang: str, rank: ForumRank | None) -> str:
    created = int(topic.created_at.timestamp() * 1_000_000)
    return (f"{PREFIX}:{template_hash()}:{topic.id}:{created}:{topic.version}:{post.id}:"
            f"{lang}:{rank.code if rank else '-'}")


def post_heads(redis: Redis, *, topic: ForumTopic, posts: Sequence[ForumPost], lang: str,
               rank_of: Callable[[int], ForumRank | None],
               load: Callable[[list[int]], None] = lambda ids: None) -> dict[int, Markup]:
    """Post id -> the post's head, from the cache or rendered (and then cached). The
    posts may be loaded with only what the key needs (id, status, author's reputation,
    advisor): ``load`` is called once with the ids of those to render, to load the rest."""
    ranks = {p.id: rank_of(p.author.reputation) if p.author and p.advisor_id is None
             else None for p in posts}
    cacheable = [p for p in posts if p.status == PostStatus.PUBLISHED]
    keys = [key(topic, p, lang=lang, rank=ranks[p.id]) for p in cacheable]
    heads: dict[int, Markup] = {}
    if keys:
        try:
            found = redis.mget(keys)
        except RedisError:
            log.warning("forum fragments: Redis unavailable, rendering every post")
            found = [None] * len(keys)
        for post, value in zip(cacheable, found, strict=True):
            if value is not None:
                heads[post.id] = Markup(value.decode())  # noqa: S704 - rendered by Jinja
    missing = [p for p in posts if p.id not in heads]
    if missing:
        load([p.id for p in missing])
    template = current_app.jinja_env.get_template(TEMPLATE)
    fresh: dict[str, str] = {}
    for post in missing:
        html = template.render(p=post, topic=topic, rank=ranks[post.id], lang=lang)
        heads[post.id] = Markup(html)  # noqa: S704 - autoescaped Jinja output
        if post.status == PostStatus.PUBLISHED:
            fresh[key(topic, post, lang=lang, rank=ranks[post.id])] = html
    if fresh:
        try:
            with redis.pipeline(transaction=False) as pipe:
                for name, html in fresh.items():
                    pipe.set(name, html, ex=TTL)
                pipe.execute()
        except RedisError:
            log.warning("forum fragments: Redis unavailable, posts not cached")
    return heads
