"""Issue #3: timeline reads on PostgreSQL at production size.

Loads customers and interactions with COPY (psycopg ``cursor.copy``) into its own database
(default ``bench_timeline``, dropped and migrated at every load), one customer holding
``--heavy`` interactions scattered through time like everyone else's (ids follow time, so
their rows are spread over the whole table; 3 % of interactions carry an attachment),
then measures p50/p99 over ``--reads`` reads of that customer's timeline for:

* the first page (25 items),
* a deep page (page 50, reached by following 49 cursors),
* searches, first page: "resiliation" (matches "résiliation" in ~2 % of bodies),
  "remboursement frais" (~1 %) and "invoice" (common elsewhere, but this customer writes
  French only: no match, the worst case when the plan walks the customer's rows),

twice: through the query the API runs (``hub.timeline.queries.timeline_page``, one
session) and through the HTTP handler (Flask test client, bearer token of a supervisor:
authentication, access gate, validation, cursor signing, JSON). Beside the wall clock it
prints the CPU time per read of this process and of the PostgreSQL backend (robust when
the machine is shared), and the EXPLAIN (ANALYZE, BUFFERS) of each query. No assertion on
time: it prints figures.

    python bench/timeline_read.py                                  # 100k / 1M / 10k
    python bench/timeline_read.py --customers 10000 --interactions 100000
    python bench/timeline_read.py --skip-load                      # reuse the loaded data
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from hub.db import Effects, make_engine, make_sessionmaker  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.timeline.queries import TimelineFilter, timeline_page, timeline_query  # noqa: E402

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_timeline"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
FORBIDDEN_DBS = {"test", "test_me", "test_a", "test_b", "test_c", "bench", "postgres"}
HEAVY = 1  # the customer id with --heavy interactions
CHANNELS = ("twilio_sms", "email", "webchat", "console")
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
# ~2 % of bodies (walks the customer's index); ~1 % (GIN bitmap); none of this customer's
SEARCHES = ("resiliation", "remboursement frais", "invoice")

FR = ["Bonjour, ma box ne fonctionne plus depuis {jour}.",
      "Je conteste la facture de {mois}, le montant est faux.",
      "Merci pour votre aide, tout remarche.",
      "Pouvez-vous me rappeler {jour} après 18 h ?",
      "Mon colis n'est toujours pas livré, numéro de suivi {n}.",
      "Le débit internet est très lent le soir.",
      "Je souhaite changer de forfait mobile.",
      "Votre conseiller m'a promis un remboursement de {n} euros.",
      "Le décodeur affiche une erreur {n}.",
      "J'ai déménagé, voici ma nouvelle adresse."]
EN = ["Hello, my router keeps rebooting since {jour}.",
      "The invoice for {mois} is wrong, please check.",
      "Thanks, it works again.",
      "Could you call me back {jour} after 6 pm?",
      "My parcel has not arrived, tracking {n}.",
      "Roaming charges appeared on my bill.",
      "I want to upgrade my plan."]
RARE = ["Je demande la résiliation de mon abonnement au {jour}.",
        "Suite à la Résiliation, je veux le remboursement des frais."]
JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "hier"]
MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "septembre", "octobre"]


# --- data ---------------------------------------------------------------------------------


def body(rng: random.Random, *, french_only: bool = False) -> str:
    """French (3/4) or English; the heavy customer writes French only, so an English word
    common elsewhere ("invoice") matches none of their 10,000 rows: the worst search."""
    roll = rng.random()
    pool = RARE if roll < 0.02 else FR if roll < 0.75 or french_only else EN
    quotable = FR if french_only else FR + EN
    words = {"jour": rng.choice(JOURS), "mois": rng.choice(MOIS), "n": rng.randrange(10**6)}
    text_ = rng.choice(pool).format(**words)
    if rng.random() < 0.05:  # an email with quoted history
        text_ += "\n\n> " + "\n> ".join(rng.choice(quotable).format(**words)
                                           for _ in range(20))
    return text_


def interaction_owners(rng: random.Random, customers: int, total: int, heavy: int) -> list[int]:
    """One customer id per interaction: ``heavy`` for customer 1, the rest at random."""
    return [HEAVY] * heavy + [rng.randint(2, customers) for _ in range(total - heavy)]


def generate(rng: random.Random, customers: int, total: int, heavy: int) -> Iterator[tuple]:
    """Interactions in time order (ids follow time, as in production): a customer's rows
    are scattered over the whole table, not clustered."""
    owners = interaction_owners(rng, customers, total, heavy)
    seconds = int(SPAN.total_seconds())
    times = sorted(rng.randrange(seconds) for _ in range(total))
    rng.shuffle(owners)
    for row_id, (owner, offset) in enumerate(zip(owners, times, strict=True), start=1):
        channel_index = rng.randrange(len(CHANNELS) if owner == HEAVY else 2)
        yield row_id, owner, channel_index, NOW - SPAN + timedelta(seconds=offset)


# --- load ---------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    name = make_url(url).database
    if name in FORBIDDEN_DBS:
        raise SystemExit(f"refusing to drop database {name!r}")
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def fillers(conn: psycopg.Connection, table: str, given: list[str]) -> dict[str, Any]:
    """A value for every NOT NULL column without a default that the loader does not know
    (other issues add columns): '' / 0 / false / '[]' / now by type."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_generated = 'NEVER'",
        (table,)).fetchall()
    by_type = {"boolean": False, "integer": 0, "smallint": 0, "bigint": 0, "json": "[]",
               "jsonb": "[]", "numeric": 0, "timestamp with time zone": NOW, "date": NOW.date()}
    return {name: by_type.get(kind, "") for name, kind in rows if name not in given}


def copy_rows(conn: psycopg.Connection, table: str, columns: list[str],
              rows: Iterator[tuple]) -> int:
    extra = fillers(conn, table, columns)
    names = ", ".join(columns + list(extra))
    count = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row + tuple(extra.values()))
            count += 1
    return count


INTERACTION_COLUMNS = ["id", "conversation_id", "customer_id", "channel", "direction", "body",
                       "status", "error_code", "occurred_at", "created_at"]


def load(url: str, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    started = time.perf_counter()
    recreate_database(url)
    upgrade(url)
    print(f"migrated in {time.perf_counter() - started:.1f} s")
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers: data is ours
        indexes = drop_indexes(conn, "interactions")
        phase = time.perf_counter()
        copy_rows(conn, "customers", ["id", "display_name", "language", "created_at"],
                  ((i, f"Client {i}", "fr", NOW - SPAN) for i in range(1, args.customers + 1)))
        copy_rows(conn, "conversations",
                  ["id", "customer_id", "channel", "account", "thread_key", "customer_address",
                   "status", "created_at", "last_activity_at"],
                  (conversation_row(c, k) for c in range(1, args.customers + 1)
                   for k in range(len(CHANNELS) if c == HEAVY else 2)))
        conn.commit()
        print(f"customers and conversations copied in {time.perf_counter() - phase:.1f} s")
        phase = time.perf_counter()
        rows = [interaction_row(rng, *row) for row in
                generate(rng, args.customers, args.interactions, args.heavy)]
        print(f"{len(rows)} interactions generated in {time.perf_counter() - phase:.1f} s")
        phase = time.perf_counter()
        streams = max(1, args.streams)
        with ThreadPoolExecutor(streams) as pool:  # PostgreSQL computes the tsvectors
            list(pool.map(lambda part: copy_part(dsn, rows[part::streams]), range(streams)))
        print(f"interactions copied (tsvector computed) in {time.perf_counter() - phase:.1f} s "
              f"over {streams} COPY streams")
        phase = time.perf_counter()
        attached = copy_rows(conn, "attachments",
                             ["id", "interaction_id", "source_url", "content_type", "size",
                              "storage_key", "state", "error"],
                             attachment_rows(rng, len(rows)))
        conn.commit()
        print(f"{attached} attachments copied in {time.perf_counter() - phase:.1f} s")
        phase = time.perf_counter()
        for statement in indexes:
            conn.execute(statement)
        reset_sequences(conn)
        conn.commit()
        print(f"indexes rebuilt in {time.perf_counter() - phase:.1f} s")
    phase = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) customers, conversations, interactions, attachments")
    print(f"vacuum analyze in {time.perf_counter() - phase:.1f} s")
    print(f"load total {time.perf_counter() - started:.1f} s")


def copy_part(dsn: str, rows: list[tuple]) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("SET session_replication_role = replica")
        copy_rows(conn, "interactions", INTERACTION_COLUMNS, iter(rows))
        conn.commit()


def conversation_id(customer: int, channel_index: int) -> int:
    """The heavy customer owns conversations 1-4 (every channel); customer c > 1 owns
    2c + 1 and 2c + 2 (two channels)."""
    return 1 + channel_index if customer == HEAVY else 2 * customer + 1 + channel_index


def conversation_row(customer: int, channel_index: int) -> tuple:
    conv = conversation_id(customer, channel_index)
    channel = CHANNELS[channel_index]
    return (conv, customer, channel, "main", f"{channel}-{customer}", f"+3361{customer:07d}",
            "open", NOW - SPAN, NOW)


def interaction_row(rng: random.Random, row_id: int, owner: int, channel_index: int,
                    at: datetime) -> tuple:
    conv = conversation_id(owner, channel_index)
    inbound = rng.random() < 0.6
    return (row_id, conv, owner, CHANNELS[channel_index], "inbound" if inbound else "outbound",
            body(rng, french_only=owner == HEAVY), "received" if inbound else "delivered", "",
            at, at)


def attachment_rows(rng: random.Random, interactions: int) -> Iterator[tuple]:
    """A photo on about 3 % of interactions (MMS, chat uploads, email attachments)."""
    count = 0
    for interaction_id in range(1, interactions + 1):
        if rng.random() < 0.03:
            count += 1
            yield (count, interaction_id, f"https://media.example.test/{count}.jpg",
                   "image/jpeg", rng.randrange(10_000, 2_000_000), f"media/{count}", "stored", "")


def drop_indexes(conn: psycopg.Connection, table: str) -> list[str]:
    """Drop the table's secondary indexes (built once after the load is faster than
    maintained row by row); returns the statements that recreate them exactly."""
    rows = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique",
        (table,)).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    return [definition for _, definition in rows]


def reset_sequences(conn: psycopg.Connection) -> None:
    for table in ("customers", "conversations", "interactions", "attachments"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"(SELECT max(id) FROM {table}))")


# --- reads --------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def process_cpu_ms(pid: int | None) -> float:
    """CPU time (user + system) of a local process, e.g. the PostgreSQL backend."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(name: str, read: Callable[[], Any], reads: int, backend: int | None = None) -> None:
    """Wall-clock p50/p99 of ``reads`` reads (after 50 warm-up reads), this process's CPU
    time per read and, given its pid, the PostgreSQL backend's average CPU per read: what
    the wall clock is made of when the machine is busy."""
    for _ in range(min(50, reads)):
        read()
    took, cpu = [], []
    backend_start = process_cpu_ms(backend)
    for _ in range(reads):
        start, start_cpu = time.perf_counter(), time.process_time()
        read()
        took.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    db_cpu = (process_cpu_ms(backend) - backend_start) / reads
    extra = f", db {db_cpu:.2f} ms avg" if backend else ""
    print(f"  {name:<30} p50 {pct(took, 0.50):7.2f} ms   p99 {pct(took, 0.99):7.2f} ms   "
          f"max {max(took):7.2f} ms   (CPU/read: client p50 {pct(cpu, 0.50):.2f} ms{extra})")


def explain(session: Any, label: str, **kwargs: Any) -> None:
    query = timeline_query(session, HEAVY, limit=25, **kwargs)
    compiled = query.compile(dialect=session.get_bind().dialect)
    plan = session.connection().exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params).scalars()
    print(f"\n-- EXPLAIN {label}")
    for line in plan:
        print("   ", line)


def scenarios(session: Any) -> dict[str, dict[str, Any]]:
    """Arguments of timeline_page for each scenario; page 50 reached by 49 cursors."""
    after = None
    for _ in range(49):
        after = timeline_page(session, HEAVY, after=after, limit=25).next_position
    cases: dict[str, dict[str, Any]] = {"first page": {}, "page 50": {"after": after}}
    for words in SEARCHES:
        cases[f"search {words!r}"] = {"filters": TimelineFilter(search=words)}
    return cases


def read_queries(url: str, reads: int) -> dict[str, dict[str, Any]]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine, Effects())
    print(f"\nload average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"query (hub.timeline.queries.timeline_page), {reads} reads each:")
    with sessions() as session:
        cases = scenarios(session)
        count = session.execute(text("SELECT count(*) FROM interactions "
                                     "WHERE customer_id = :c"), {"c": HEAVY}).scalar_one()
        print(f"  customer {HEAVY}: {count} interactions")
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        local = make_url(url).host in ("127.0.0.1", "localhost", None)
        for label, kwargs in cases.items():
            measure(label, lambda kw=kwargs: (timeline_page(session, HEAVY, **kw),
                                              session.rollback()), reads,
                    backend if local else None)
        for label, kwargs in cases.items():
            explain(session, label, filters=kwargs.get("filters", TimelineFilter()),
                    after=kwargs.get("after"))
    engine.dispose()
    return cases


def read_api(url: str, redis_url: str, reads: int) -> None:
    from hub.app import create_app  # noqa: PLC0415 - only this part needs the web stack
    from hub.auth.models import Role, User  # noqa: PLC0415
    from hub.auth.service import create_token, create_user  # noqa: PLC0415
    from hub.db import transaction  # noqa: PLC0415
    from hub.settings import Settings  # noqa: PLC0415

    settings = Settings(DATABASE_URL=url, REDIS_URL=redis_url, UI_MODULES="",
                        SECRET_KEY="bench-secret-0123456789abcdef0123456789")
    app = create_app(settings)
    services = app.extensions["entraide"]
    with transaction(services.sessions) as session:
        user = session.query(User).filter_by(email="bench@example.test").one_or_none()
        if user is None:
            user = create_user(session, email="bench@example.test", name="Bench",
                               password="bench password 123", role=Role.SUPERVISOR)
        token = create_token(session, user=user)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/customers/{HEAVY}/timeline"
    cursor = None
    for _ in range(49):
        got = client.get(base + (f"?cursor={cursor}" if cursor else ""), headers=headers)
        cursor = got.get_json()["next_cursor"]
    print(f"\nload average {os.getloadavg()[0]:.2f}; HTTP (Flask test client: auth, access "
          f"gate, validation, cursor, JSON), {reads} reads each:")
    paths = [("first page", base), ("page 50", f"{base}?cursor={cursor}")]
    paths += [(f"search {words!r}", f"{base}?{urlencode({'q': words})}") for words in SEARCHES]
    for label, path in paths:
        def read(path: str = path) -> None:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.get_json()
        measure(label, read, reads)
    services.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--heavy", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--streams", type=int, default=2, help="parallel COPY connections")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    if args.heavy > args.interactions or args.customers < 2:
        raise SystemExit("need --heavy <= --interactions and --customers >= 2")
    if not args.skip_load:
        load(args.database_url, args)
    read_queries(args.database_url, args.reads)
    if not args.skip_http:
        read_api(args.database_url, args.redis_url, args.reads)


if __name__ == "__main__":
    main()
