"""``clerk-orgs --rate-limit-redis URL --share F``: every command paced through Redis."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from clerk_orgs_async import RedisRateLimit
from clerk_orgs_async._cli import main
from clerk_orgs_async._cli._connect import Connection
from clerk_orgs_async._redis_store import budget_key
from tests.cli.conftest import Cli
from tests.redis_budget._server import RedisServer


def test_a_command_takes_its_permits_from_redis(cli: Cli, redis_server: RedisServer) -> None:
    result = cli("--rate-limit-redis", redis_server.url, "--share", "0.5", "orgs", "list", "--json")
    assert result.exit_code == 0, result.output
    with redis_server.client() as client:
        # The one request's permit, given back when it was answered.
        assert client.zcard(budget_key(cli.emulator.secret_key)) == 1


def test_the_options_reach_the_client() -> None:
    connection = Connection()
    result = CliRunner().invoke(
        main,
        ["--rate-limit-redis", "redis://cache:6379/0", "--share", "0.25", "orgs", "--help"],
        obj=connection,
    )
    assert result.exit_code == 0, result.output
    assert connection.rate_limit() == RedisRateLimit("redis://cache:6379/0", share=0.25)
    assert Connection().rate_limit() == "auto"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate-limit-redis", "http://:Pw0rd@cache:6379"], "must be redis://"),
        (["--rate-limit-redis", "redis://:Pw0rd@cache", "--share", "0"], "0<x<=1"),
        (["--rate-limit-redis", "redis://cache", "--share", "1.5"], "0<x<=1"),
        (["--share", "0.5"], "--share applies to the budget of --rate-limit-redis"),
    ],
)
def test_odd_values_are_refused_before_any_request(cli: Cli, args: list[str], message: str) -> None:
    result = cli(*args, "orgs", "list")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Pw0rd" not in result.output
    assert len(cli.emulator.requests) == 0
