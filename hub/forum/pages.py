"""Public reading pages: home, categories (sorting, tags, pages), topics with canonical
URLs (a wrong slug is a 301 to the canonical one), Atom and RSS feeds."""

from __future__ import annotations

from flask import Flask, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from hub.forum import announcements, fragments, queries, views
from hub.forum.blueprint import blueprint, page_number
from hub.forum.config import ForumConfig
from hub.forum.context import (
    ForumExtension,
    config,
    current_member,
    current_moderator,
    db,
    language,
    services,
)
from hub.forum.mail import mailer_for
from hub.forum.models import ForumTopic, PostStatus
from hub.forum.reputation import rank_of


def init_app(app: Flask) -> None:
    from hub.forum import (  # noqa: F401, PLC0415
        case_pages,
        member_pages,
        metrics_pages,
        moderation_pages,
        post_pages,
    )

    config = ForumConfig.from_env()
    app.extensions["forum"] = ForumExtension(
        config, mailer_for(config, enqueue=lambda: services().effects.enqueue))
    app.register_blueprint(blueprint)


@blueprint.route("/")
def index() -> str:
    session = db()
    recent = queries.topics(session, category=None, per_page=10)
    return render_template("forum/index.html", categories=queries.categories(session),
                           recent=recent.items)


@blueprint.route("/c/<slug>")
def category(slug: str) -> str:
    session = db()
    found = queries.category_by_slug(session, slug)
    if found is None:
        abort(404)
    sort = request.args.get("sort", "recent")
    sort = sort if sort in queries.SORTS else "recent"
    tag = request.args.get("tag", "")[:40]
    page = queries.topics(session, category=found, sort=sort, tag=tag, page=page_number(),
                          per_page=config().FORUM_TOPICS_PER_PAGE)
    return render_template("forum/category.html", category=found, page=page, sort=sort,
                           tag=tag, sorts=queries.SORTS,
                           pinned=announcements.pinned_in(session, category_id=found.id))


def canonical_topic_url(topic: ForumTopic, page: int = 1, **params: object) -> str:
    if page > 1:
        params["page"] = page
    return url_for("forum.topic", topic_id=topic.id, slug=topic.slug, **params)


@blueprint.route("/t/<int:topic_id>")
def topic_without_slug(topic_id: int) -> Response:
    found = db().get(ForumTopic, topic_id)
    if found is None:
        abort(404)
    return redirect(canonical_topic_url(found, page_number()), 301)


@blueprint.route("/t/<int:topic_id>-<slug>")
def topic(topic_id: int, slug: str) -> Response | str:
    session = db()
    found = queries.topic(session, topic_id)
    member = current_member()
    moderator = current_moderator()
    if found is None or not _may_see(found, member.id if member else None, moderator):
        abort(404)
    if slug != found.slug:
        return redirect(canonical_topic_url(found, page_number()), 301)
    question, answers = queries.posts(session, topic=found,
                                      viewer_id=member.id if member else None,
                                      moderator=moderator is not None, page=page_number(),
                                      per_page=config().FORUM_POSTS_PER_PAGE, light=True)
    shown = ([question] if question else []) + answers.items
    ranks = queries.ranks(session)
    redis = services().redis
    html = render_template(
        "forum/topic.html", topic=found, question=question, answers=answers,
        kudoed=queries.kudoed(session, member_id=member.id if member else None,
                              post_ids=[p.id for p in shown]),
        heads=fragments.post_heads(redis, topic=found, posts=shown, lang=language(),
                                   rank_of=lambda points: rank_of(ranks, points),
                                   load=lambda ids: queries.for_rendering(session, ids)),
        post_link=PostLinks(),
        categories=queries.categories(session) if moderator else [],
        canonical=canonical_topic_url(found, answers.number, _external=True),
        incidents=announcements.announcements_for_topic(session, found.id),
    )
    views.count_view(redis, found.id)  # in Redis: reading a topic writes nothing
    return html


class PostLinks:
    """``url_for`` for the per-post links of a page's footers, built once per endpoint
    and action then filled with each post id (a page has about 300 of them)."""

    _MARK = 987654321987

    def __init__(self) -> None:
        self._patterns: dict[tuple[str, str], tuple[str, str]] = {}

    def __call__(self, endpoint: str, post_id: int, action: str = "") -> str:
        pattern = self._patterns.get((endpoint, action))
        if pattern is None:
            params: dict[str, object] = {"post_id": self._MARK}
            if action:
                params["action"] = action
            before, _, after = url_for(endpoint, **params).partition(str(self._MARK))
            pattern = self._patterns[(endpoint, action)] = (before, after)
        return f"{pattern[0]}{int(post_id)}{pattern[1]}"


def _may_see(topic: ForumTopic, member_id: int | None, moderator: object) -> bool:
    if topic.status == PostStatus.PUBLISHED or moderator is not None:
        return True
    return topic.status == PostStatus.HELD and member_id is not None \
        and topic.author_id == member_id


@blueprint.route("/c/<slug>/feed.atom")
def atom(slug: str) -> Response:
    return _feed(slug, "forum/feed.atom.xml", "application/atom+xml; charset=utf-8")


@blueprint.route("/c/<slug>/feed.rss")
def rss(slug: str) -> Response:
    return _feed(slug, "forum/feed.rss.xml", "application/rss+xml; charset=utf-8")


def _feed(slug: str, template: str, mimetype: str) -> Response:
    session = db()
    found = queries.category_by_slug(session, slug)
    if found is None:
        abort(404)
    body = render_template(template, category=found, posts=queries.feed(session, found))
    return Response(body, mimetype=mimetype)
