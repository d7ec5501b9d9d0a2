"""``entraide``: every process and admin task of the hub."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time

import click
from sqlalchemy import select

from hub import runner
from hub.auth.models import Role, User
from hub.auth.service import create_token, create_user
from hub.db import Effects, make_engine, make_sessionmaker, transaction
from hub.domain.errors import NotAllowed
from hub.migrate import upgrade
from hub.routing.models import QueueMember
from hub.routing.service import default_queue
from hub.sandbox.twilio import SentMessage, TwilioStandin
from hub.seed import seed_demo
from hub.settings import Settings
from hub.simulate import simulate


def _settings() -> Settings:
    return Settings.from_env()


def _with_redis(settings: Settings) -> Settings:
    if settings.REDIS_URL:
        return settings
    shared = settings.data_path / "redis.url"
    if shared.exists():
        return dataclasses.replace(settings, REDIS_URL=shared.read_text().strip())
    raise click.ClickException(
        "REDIS_URL is not set and no embedded Redis is running: set REDIS_URL "
        "or run `entraide demo`"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Entraide: omnichannel contact-center hub with a community help forum."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", Settings.LOG_LEVEL),
        format="%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s",
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--hooks-only", is_flag=True,
              help="Serve the provider hooks (/hooks/...) and the health check alone.")
def serve(host: str, port: int, hooks_only: bool) -> None:
    """Run a web process (HTTP API, provider hooks, pages, Socket.IO)."""
    runner.serve(_with_redis(_settings()), host=host, port=port, hooks_only=hooks_only)


@main.command()
@click.option("--fork", is_flag=True, help="Fork a work-horse per job (RQ's Worker).")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(fork: bool, burst: bool) -> None:
    """Run an RQ worker (intake, delivery, media, sweeps)."""
    runner.work(_with_redis(_settings()), fork=fork, burst=burst)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, show_default=True, type=int)
def smtp(host: str, port: int) -> None:
    """Receive mail for EMAIL_DOMAIN (behind the MX): store, commit, then answer 250."""
    from hub import mail_ingress  # noqa: PLC0415 - aiosmtpd only in the smtp process

    settings = _with_redis(_settings())
    settings.data_path.mkdir(parents=True, exist_ok=True)
    (settings.data_path / "smtp.port").write_text(str(port))
    mail_ingress.serve(settings, host=host, port=port)


@main.command()
@click.option("--once", is_flag=True, help="Queue one sweep and exit.")
def scheduler(once: bool) -> None:
    """Queue the periodic sweeps (run exactly one)."""
    runner.schedule(_with_redis(_settings()), once=once)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (PostgreSQL or SQLite)."""
    settings = _settings()
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo(f"database at head: {_redact(settings.database_url)}")


def _sessions(settings: Settings):  # type: ignore[no-untyped-def]
    return make_sessionmaker(make_engine(settings.database_url), Effects())


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="advisor",
              show_default=True)
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--password", default=None, help="Prompted for when omitted.")
def create_user_command(email: str, name: str, role: str, language: str,
                        password: str | None) -> None:
    """Create an advisor, supervisor or admin (member of the default queue)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction(_sessions(_settings())) as session:
            user = create_user(session, email=email, name=name, password=password,
                               role=Role(role), language=language)
            session.add(QueueMember(queue_id=default_queue(session).id, user_id=user.id))
    except NotAllowed as error:
        raise click.ClickException(error.reason) from None
    click.echo(f"created {role} {user.email} (id {user.id})")


@main.command("create-token")
@click.option("--email", required=True)
@click.option("--label", default="cli")
def create_token_command(email: str, label: str) -> None:
    """Print a new API token for a user (shown once)."""
    with transaction(_sessions(_settings())) as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no user with email {email}")
        click.echo(create_token(session, user=user, label=label))


@main.command()
def openapi() -> None:
    """Print the OpenAPI document generated from the marshmallow schemas."""
    import json  # noqa: PLC0415

    from hub.app import create_app  # noqa: PLC0415

    settings = _settings()
    if not settings.REDIS_URL:  # building the document opens no connection
        settings = dataclasses.replace(settings, REDIS_URL="redis://127.0.0.1:6379/0")
    app = create_app(settings)
    click.echo(json.dumps(app.extensions["entraide.api"].spec.to_dict(), indent=2,
                          sort_keys=True))


@main.command()
def seed() -> None:
    """Load the demo data (idempotent)."""
    with transaction(_sessions(_settings())) as session:
        logins = seed_demo(session)
    for login in logins:
        click.echo(f"{login.role:<11} {login.email}  password: {login.password}")


def _reason(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not 3 <= len(value.strip()) <= 500:
        raise click.BadParameter("give a reason of 3 to 500 characters")
    return value


@main.group()
def customer() -> None:
    """GDPR: export or erase one customer's data (each run is audited)."""
    import hub.models  # noqa: F401, PLC0415 - privacy works on every table


@customer.command("export")
@click.argument("customer_id", type=int)
@click.option("--reason", required=True, callback=_reason, help="Why (audit log).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the JSON here instead of standard output.")
def customer_export(customer_id: int, reason: str, output: str | None) -> None:
    """Print one JSON document with everything about the customer."""
    import json  # noqa: PLC0415

    from hub.audit.service import Actor  # noqa: PLC0415
    from hub.customers.privacy import export_customer  # noqa: PLC0415

    try:
        with transaction(_sessions(_settings())) as session:
            document = export_customer(session, customer_id=customer_id, actor=Actor.cli(),
                                       reason=reason)
    except NotAllowed as error:
        raise click.ClickException(error.reason) from None
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if output:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        with open(os.open(output, flags, 0o600), "w", encoding="utf-8") as file:  # personal data
            file.write(text + "\n")
    else:
        click.echo(text)


@customer.command("erase")
@click.argument("customer_id", type=int)
@click.option("--reason", required=True, callback=_reason, help="Why (audit log).")
@click.option("--keep-invoices", is_flag=True,
              help="Legal hold: keep the account invoices (recorded in the audit log).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def customer_erase(customer_id: int, reason: str, keep_invoices: bool, yes: bool) -> None:
    """Delete or irreversibly anonymise the customer's personal data everywhere."""
    import json  # noqa: PLC0415

    from redis import Redis  # noqa: PLC0415

    from hub.audit.service import Actor  # noqa: PLC0415
    from hub.customers.privacy import erase_customer, purge_outside_database  # noqa: PLC0415

    settings = _with_redis(_settings())
    if not yes:
        click.confirm(f"Erase customer {customer_id}? This cannot be undone", abort=True)
    try:
        with transaction(_sessions(settings)) as session:
            report = erase_customer(session, customer_id=customer_id, actor=Actor.cli(),
                                    reason=reason, keep_invoices=keep_invoices,
                                    region=settings.DEFAULT_REGION)
    except NotAllowed as error:
        raise click.ClickException(error.reason) from None
    redis = Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    purge_outside_database(report, redis=redis, data_path=settings.data_path)
    click.echo(json.dumps({"customer_id": report.customer_id, "counts": report.counts,
                           "legal_hold": report.legal_hold, "purged": report.purged}))
    if not report.complete:
        raise click.ClickException("Redis was unavailable: run the command again to finish")


main.add_command(simulate)


@main.command()
@click.option("--port", default=5000, show_default=True, type=int)
def demo(port: int) -> None:
    """Everything in one command: embedded Redis, SQLite, demo data, web + worker +
    scheduler + smtp."""
    from hub.embedded_redis import start_embedded_redis  # noqa: PLC0415

    settings = _settings()
    settings.data_path.mkdir(parents=True, exist_ok=True)
    redis = None
    env = dict(os.environ, PUBLIC_URL=os.environ.get("PUBLIC_URL", f"http://127.0.0.1:{port}"))
    sandbox = _twilio_sandbox(settings, env)
    if not settings.REDIS_URL:
        redis = start_embedded_redis(settings.data_path / "redis", own_session=True)
        env["REDIS_URL"] = redis.url
        (settings.data_path / "redis.url").write_text(redis.url)
    signal.signal(signal.SIGTERM, _interrupt)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        upgrade(settings.database_url)
        with transaction(_sessions(settings)) as session:
            logins = seed_demo(session)
        exe = [sys.executable, "-m", "hub.cli"]
        smtp_port = _free_port()
        for args in (["serve", "--port", str(port)], ["worker"], ["scheduler"],
                     ["smtp", "--port", str(smtp_port)]):
            processes.append(subprocess.Popen([*exe, *args], env=env))
        _print_demo(env["PUBLIC_URL"], logins, smtp_port, settings.EMAIL_FROM)
        _wait(processes)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=15)
        (settings.data_path / "smtp.port").unlink(missing_ok=True)
        if redis is not None:
            (settings.data_path / "redis.url").unlink(missing_ok=True)
            redis.stop()
        if sandbox is not None:
            sandbox.stop()


def _twilio_sandbox(settings: Settings, env: dict[str, str]) -> TwilioStandin | None:
    """With the demo's fake Twilio account, replies go to a local Twilio sandbox that
    answers like Twilio and calls back "sent" then "delivered"."""
    if settings.TWILIO_ACCOUNT_SID != Settings.TWILIO_ACCOUNT_SID:
        return None
    sandbox = TwilioStandin(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN).start()

    def deliver(message: SentMessage) -> None:
        for status in ("sent", "delivered"):
            time.sleep(0.5)
            sandbox.send_status_callback(message, status)

    sandbox.on_message = deliver
    env["TWILIO_API_BASE_URL"] = sandbox.base_url
    return sandbox


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _print_demo(url: str, logins: list, smtp_port: int,  # type: ignore[type-arg]
                mailbox: str) -> None:
    click.echo("")
    click.echo(f"  Entraide is running: {url}/login")
    click.echo(f"  Advisor inbox:       {url}/inbox")
    click.echo(f"  Community forum:     {url}/forum/")
    click.echo(f"  Chat as a customer:  {url}/chat/demo  (the web-chat widget on a brand page)")
    click.echo(f"  Forum metrics:       {url}/forum/metrics  (supervisors)")
    click.echo(f"  API (OpenAPI):       {url}/api/v1/openapi.json")
    for login in logins:
        click.echo(f"  {login.role:<11} {login.email}  password: {login.password}")
    click.echo('  Send an SMS:         entraide simulate sms --from +33612345678 --body "Bonjour"')
    click.echo('  Start a chat:        entraide simulate chat --from visitor-1 --body "Bonjour"')
    click.echo(f"  Mail ({mailbox}):  smtp://127.0.0.1:{smtp_port} (replies are logged)")
    click.echo('  Send an email:       entraide simulate email --from lea@example.com '
               '--subject "Ma facture" --body "Bonjour"')
    click.echo("  Stop with Ctrl+C")
    click.echo("")


def _wait(processes: list[subprocess.Popen]) -> None:  # type: ignore[type-arg]
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        return
    raise click.ClickException("a demo process stopped; see the log above")


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


if __name__ == "__main__":
    main()
