"""Issue #6: the forum under a realistic volume, through the Flask test client.

Loads 20,000 topics and 200,000 replies with COPY into a PostgreSQL database (default
``bench_forum``, dropped and migrated first: a name not starting with ``bench`` is refused;
Redis from ``ENTRAIDE_BENCH_REDIS_URL``), then measures p50/p99 over N requests each
(default 1,000) of:

* rendering a topic page with 50 replies (GET /forum/t/<id>-<slug>), as served (the
  rendered posts come from the cache after the first request) and with the cache emptied
  before each request (the worst case: every post rendered),
* rendering a category page (GET /forum/c/<slug>, newest first, and sorted by popularity),
* posting a reply (POST /forum/t/<id>/reply, signed in, CSRF token, through the service).

Prints p50, p99 and the CPU time of this process per request (database and Redis server
time not included); ``--write-docs`` puts them into the "Forum (issue #6)" section of
docs/performance.md (other sections untouched). No assertion on time.

    python bench/forum.py
    python bench/forum.py --requests 200 --topics 2000 --replies 20000
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.db import utcnow  # noqa: E402
from hub.forum.markdown import render  # noqa: E402
from hub.forum.text import fold, slugify  # noqa: E402

BODIES = [
    "Bonjour, depuis hier **ma box** redémarre sans arrêt. Une idée ?",
    "Essayez de *réinitialiser* la box :\n\n1. bouton reset\n2. attendre 10 minutes",
    "Même problème ici, voir https://assistance.example.fr/box pour la procédure.",
    "> citation d'une réponse\n\nMerci, cela a fonctionné pour moi.",
    "Vérifiez le câble optique et le voyant `PON`.",
]
WORDS = ("box fibre wifi forfait 5g facture replay décodeur sim réseau débit "
         "résiliation portabilité remboursement appel messagerie").split()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get(
        "ENTRAIDE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_forum"))
    parser.add_argument("--redis", default=os.environ.get(
        "ENTRAIDE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--topics", type=int, default=20_000)
    parser.add_argument("--replies", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--write-docs", action="store_true")
    return parser.parse_args()


def recreate(url: str) -> None:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    name = plain.rsplit("/", 1)[1]
    if not name.startswith("bench"):
        sys.exit(f"refusing to drop {name!r}: the bench's database name must start with 'bench'")
    admin = plain.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load(url: str, topics: int, replies: int) -> tuple[int, str, int]:
    """COPY the members, topics and posts; returns the 50-reply topic (id, slug) and a
    topic to post replies to."""
    from argon2 import PasswordHasher

    rng = random.Random(6)
    now = utcnow()
    rendered = [(body, render(body)) for body in BODIES]
    password = PasswordHasher().hash("bench-password")
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        categories = [r[0] for r in conn.execute("SELECT id FROM forum_categories ORDER BY id")]
        with conn.cursor().copy(
            "COPY forum_members (id, email, pseudonym, pseudonym_key, password_hash, "
            "email_verified_at, role, bio, reputation, accepted_count, session_version, "
            "created_at) FROM STDIN") as copy:
            for n in range(1, 501):
                copy.write_row((n, f"m{n}@bench.test", f"Membre {n}", f"membre{n}", password,
                                now, "member", "", 0, 0, 1, now))
        counts = [0] * (topics + 1)
        counts[1] = 50
        for _ in range(replies - 50):
            counts[rng.randint(2, topics)] += 1
        post_id = 0
        with conn.cursor().copy(
            "COPY forum_topics (id, category_id, author_id, title, slug, search_text, status, "
            "locked, solution_post_id, reply_count, kudos_count, created_at, last_activity_at) "
            "FROM STDIN") as copy:
            for t in range(1, topics + 1):
                title = f"Question {t} : " + " ".join(rng.sample(WORDS, 4))
                created = now - timedelta(minutes=topics - t)
                solution = None  # set below once post ids are known
                copy.write_row((t, categories[t % len(categories)], rng.randint(1, 500), title,
                                slugify(title), fold(title), "published", False, solution,
                                counts[t], rng.randint(0, 20), created, created))
        solutions = []
        with conn.cursor().copy(
            "COPY forum_posts (id, topic_id, author_id, is_question, body, body_html, status, "
            "masked, kudos_count, created_at) FROM STDIN") as copy:
            for t in range(1, topics + 1):
                created = now - timedelta(minutes=topics - t)
                post_id += 1
                body, html = rendered[0]
                copy.write_row((post_id, t, rng.randint(1, 500), True, body, html,
                                "published", False, 0, created))
                for r in range(counts[t]):
                    post_id += 1
                    body, html = rendered[1 + (post_id % 4)]
                    copy.write_row((post_id, t, rng.randint(1, 500), False, body, html,
                                    "published", False, rng.randint(0, 3),
                                    created + timedelta(seconds=r)))
                    if r == 0 and t % 3 == 0:
                        solutions.append((post_id, t))
        with conn.cursor() as cur:
            cur.executemany("UPDATE forum_topics SET solution_post_id = %s WHERE id = %s",
                            solutions[:5000])
            for table in ("forum_members", "forum_topics", "forum_posts"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
        slug = conn.execute("SELECT slug FROM forum_topics WHERE id = 1").fetchone()[0]
    return 1, slug, topics


def timed(call, count: int) -> tuple[list[float], float]:
    """Wall-clock durations (ms) of each call, and the CPU time of this process per call
    (ms): the CPU figure moves much less than the wall clock on a loaded, shared machine."""
    durations = []
    cpu_start = time.process_time()
    for _ in range(count):
        start = time.perf_counter()
        call()
        durations.append((time.perf_counter() - start) * 1000)
    return durations, (time.process_time() - cpu_start) * 1000 / count


def summary(measured: tuple[list[float], float]) -> tuple[float, float, float]:
    durations, cpu = measured
    ordered = sorted(durations)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, cpu


def measure(args: argparse.Namespace, topic: tuple[int, str], reply_to: int) -> dict:
    from hub.app import create_app
    from hub.settings import Settings

    settings = Settings(DATABASE_URL=args.database, REDIS_URL=args.redis,
                        SECRET_KEY="bench-secret-0123456789abcdef-0123456789", LOG_LEVEL="WARNING")
    # one member posts every measured reply: lift the anti-flood limit (hub/forum/limits.py)
    os.environ.setdefault("FORUM_POST_LIMIT", str(10**9))
    app = create_app(settings)
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["forum_member_id"] = 7
        cookie["forum_member_v"] = 1
    topic_path = f"/forum/t/{topic[0]}-{topic[1]}"
    html = client.get(topic_path).get_data(as_text=True)
    assert html.count('<article id="post-') == 51, "the topic page should show 50 replies"
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)

    def get(path: str):
        def call() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        return call

    counter = iter(range(10**9))

    def post() -> None:
        response = client.post(f"/forum/t/{reply_to}/reply", data={
            "body": f"Réponse de bench {next(counter)} : **merci**", "csrf_token": token})
        assert response.status_code == 302, response.status_code

    redis = app.extensions["entraide"].redis
    fetch_topic = get(topic_path)

    def topic_uncached() -> None:
        """The worst case: no post of the page in the rendered-post cache."""
        stale = redis.keys("entraide:forum:post:*")
        if stale:
            redis.delete(*stale)
        fetch_topic()

    for call in (get(topic_path), get("/forum/c/box-internet"), post):
        timed(call, 20)  # warm-up
    results = {
        "topic page, 50 replies": summary(timed(fetch_topic, args.requests)),
        "topic page, 50 replies, no post cached": summary(timed(topic_uncached,
                                                                 args.requests)),
        "category page, newest": summary(timed(get("/forum/c/box-internet"), args.requests)),
        "category page, popular": summary(timed(get("/forum/c/box-internet?sort=popular"),
                                                args.requests)),
        "post a reply": summary(timed(post, args.requests)),
    }
    app.extensions["entraide"].engine.dispose()
    return results


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:
        return "unknown"


def write_docs(text: str) -> None:
    path = ROOT / "docs" / "performance.md"
    current = path.read_text() if path.exists() else "# Performance\n"
    heading = "## Forum (issue #6)"
    start = current.find(heading)
    if start == -1:
        path.write_text(current.rstrip("\n") + "\n\n" + text)
        return
    end = current.find("\n## ", start + len(heading))
    rest = current[end + 1:] if end != -1 else ""
    path.write_text(current[:start] + text + ("\n" + rest if rest else ""))


def main() -> None:
    args = parse()
    from hub.migrate import upgrade

    recreate(args.database)
    upgrade(args.database)
    started = time.perf_counter()
    topic_id, slug, reply_to = load(args.database, args.topics, args.replies)
    loaded = time.perf_counter() - started
    results = measure(args, (topic_id, slug), reply_to)
    lines = [
        "## Forum (issue #6)",
        "",
        f"`python bench/forum.py` on {datetime.now(UTC):%Y-%m-%d}: PostgreSQL 15 on loopback, "
        f"{args.topics:,} topics and {args.replies:,} replies loaded with COPY in "
        f"{loaded:.1f} s; {args.requests:,} requests per line through the Flask test client "
        "(one process, no network), signed in as a member; 2-core machine.",
        "",
        "| request | p50 (ms) | p99 (ms) | CPU per request (ms) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {p50:.1f} | {p99:.1f} | {cpu:.1f} |"
              for name, (p50, p99, cpu) in results.items()]
    lines.append("")
    lines.append(f"Load average while measuring: {load_average()}.")
    lines.append("")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
