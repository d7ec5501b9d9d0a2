"""docker-compose.yml stays in step with the code: every app service runs a real
``entraide`` command, sets only settings that exist, and the expected services exist.

Docker is not needed: the file is parsed, and commands go through click's test runner
with ``--help`` (nothing is started).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from hub.cli import main
from hub.settings import SETTING_NAMES

COMPOSE_FILE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
REQUIRED_SERVICES = {"web", "worker", "scheduler", "smtp", "redis", "postgres"}


def load_services(path: Path = COMPOSE_FILE) -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(path.read_text())  # resolves the x-app anchor and `<<:`
    return document["services"]


def app_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Services built from the project's Dockerfile (the others are stock images)."""
    return {name: spec for name, spec in services.items() if "build" in spec}


def command_args(spec: dict[str, Any]) -> list[str]:
    command = spec.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(a) for a in command]


def environment_names(spec: dict[str, Any]) -> set[str]:
    environment = spec.get("environment") or {}
    if isinstance(environment, dict):
        return set(environment)
    return {entry.split("=", 1)[0] for entry in environment}  # list form: NAME=value


def unknown_settings(services: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Per app service, the environment names that hub/settings.py does not read."""
    found = {name: environment_names(spec) - SETTING_NAMES
             for name, spec in app_services(services).items()}
    return {name: names for name, names in found.items() if names}


def leaf_command(args: list[str]) -> tuple[click.Command, list[str]]:
    """The subcommand that ``entraide <args>`` runs, and the arguments left for it."""
    command: click.Command = main
    rest = list(args)
    while isinstance(command, click.Group):
        assert rest, f"`entraide {' '.join(args)}` names a group, not a command"
        sub = command.get_command(click.Context(command), rest[0])
        assert sub is not None, f"`entraide` has no command {rest[0]!r} (in {args})"
        command, rest = sub, rest[1:]
    return command, rest


SERVICES = load_services()
APP_SERVICES = app_services(SERVICES)


def test_the_expected_services_exist():
    assert REQUIRED_SERVICES <= set(SERVICES), REQUIRED_SERVICES - set(SERVICES)
    assert {"web", "worker", "scheduler", "migrate"} <= set(APP_SERVICES)


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_every_app_service_runs_a_real_entraide_command(name):
    args = command_args(APP_SERVICES[name])
    assert args[:1] == ["entraide"], f"{name}: command must start with `entraide`: {args}"
    result = CliRunner().invoke(main, [*args[1:], "--help"])
    assert result.exit_code == 0, f"{name}: `{shlex.join(args)} --help` failed:\n{result.output}"
    # --help stops before option values are converted: parse them too, without running.
    command, rest = leaf_command(args[1:])
    command.make_context(shlex.join(args), rest)


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_services_set_only_known_settings(name):
    spec = APP_SERVICES[name]
    assert "env_file" not in spec, f"{name}: env_file hides names from this check"
    unknown = environment_names(spec) - SETTING_NAMES
    assert not unknown, f"{name} sets {sorted(unknown)}, not settings in hub/settings.py"


def test_the_scheduler_is_single():
    assert SERVICES["scheduler"].get("deploy", {}).get("replicas", 1) == 1


# The checks above must bite: the same helpers on broken compose documents.

def test_an_unknown_environment_variable_is_reported():
    broken = {
        "web": {"build": ".", "environment": {"REDIS_URL": "redis://r", "REDIS_HOST": "r"}},
        "worker": {"build": ".", "environment": ["SECRET_KEY=x", "WORKER_COUNT=4"]},
        "redis": {"image": "redis:7", "environment": {"ANYTHING": "1"}},
    }
    assert unknown_settings(broken) == {"web": {"REDIS_HOST"}, "worker": {"WORKER_COUNT"}}
    assert unknown_settings(SERVICES) == {}


@pytest.mark.parametrize("args", [["imap"], ["db", "downgrade"], ["serve", "--workers", "4"]])
def test_a_command_the_cli_lacks_fails_its_help(args):
    assert CliRunner().invoke(main, [*args, "--help"]).exit_code != 0


def test_a_bad_option_value_is_caught_although_help_passes():
    args = ["serve", "--port", "http"]
    assert CliRunner().invoke(main, [*args, "--help"]).exit_code == 0
    command, rest = leaf_command(args)
    with pytest.raises(click.BadParameter):
        command.make_context("entraide serve", rest)
