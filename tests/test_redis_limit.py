"""``RedisRateLimit`` as a setting: checked when made, shown without secrets, usable without
redis-py until a client needs it."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from typing import Any

import pytest

from clerk_orgs_async import ClerkClient, InvalidRequestError, RedisRateLimit
from clerk_orgs_async._redis_store import budget_key


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"url": "http://localhost:6379"}, "must be redis://"),
        ({"url": "localhost:6379"}, "must be redis://"),
        ({"url": "redis://"}, "must be redis://"),
        ({"url": "redis://[::1"}, "is not a URL"),
        ({"url": ""}, "must be redis://"),
        ({"url": 6379}, "must be a string"),
        ({"url": None}, "must be a string"),
        ({"requests": 0}, "requests must be a positive integer"),
        ({"requests": -5}, "requests must be a positive integer"),
        ({"requests": True}, "requests must be a positive integer"),
        ({"requests": 2.5}, "requests must be a positive integer"),
        ({"per_seconds": 0}, "per_seconds must be"),
        ({"per_seconds": float("inf")}, "per_seconds must be"),
        ({"per_seconds": float("nan")}, "per_seconds must be"),
        ({"per_seconds": "10"}, "per_seconds must be"),
        ({"share": 0}, "share must be a fraction"),
        ({"share": 1.5}, "share must be a fraction"),
        ({"share": -0.5}, "share must be a fraction"),
        ({"share": float("nan")}, "share must be a fraction"),
        ({"share": True}, "share must be a fraction"),
        ({"share": 10**5000}, "share must be a fraction .* got an integer of 16610 bits"),
        ({"per_seconds": 10**400}, "per_seconds must be"),
        ({"key": ""}, "key must be a non-empty string"),
        ({"key": b"k"}, "key must be a non-empty string"),
    ],
)
def test_odd_settings_are_refused_with_what_is_wrong(options: dict[str, Any], message: str) -> None:
    url = options.pop("url", "redis://localhost:6379/0")
    with pytest.raises(InvalidRequestError, match=message):
        RedisRateLimit(url, **options)


def test_good_settings_are_kept() -> None:
    limit = RedisRateLimit("rediss://cache.internal:6380/2", requests=500, share=0.5, key="k")
    assert (limit.requests, limit.per_seconds, limit.share, limit.key) == (500, 10.0, 0.5, "k")
    assert RedisRateLimit("unix:///run/redis.sock").share == 1.0
    assert RedisRateLimit("redis://localhost", share=1).share == 1


@pytest.mark.parametrize(
    "url",
    [
        "redis://:Pw0rdNeverShown@cache:6379/0",
        "redis://app:Pw0rdNeverShown@cache:6379/0",
        "redis://cache:6379/0?password=Pw0rdNeverShown",
    ],
)
def test_a_password_never_shows_in_repr_or_errors(url: str) -> None:
    assert "Pw0rdNeverShown" not in repr(RedisRateLimit(url))
    assert "***" in repr(RedisRateLimit(url))
    bad = url.replace("redis://", "http://")
    with pytest.raises(InvalidRequestError) as refused:
        RedisRateLimit(bad)
    assert "Pw0rdNeverShown" not in str(refused.value)


def test_the_repr_shows_the_setting() -> None:
    assert repr(RedisRateLimit("redis://cache:6379/0", share=0.5)) == (
        "RedisRateLimit(url='redis://cache:6379/0', requests=None, per_seconds=10.0, "
        "share=0.5, key=None)"
    )


def test_the_key_is_a_one_way_hash_of_the_secret_key() -> None:
    secret = "sk_live_" + "x" * 40
    assert budget_key(secret) == (
        "clerk-orgs-async:budget:" + hashlib.sha256(secret.encode()).hexdigest()
    )
    assert budget_key(secret) != budget_key(secret + "y")
    assert "x" * 8 not in budget_key(secret)


def test_the_client_shares_one_budget_per_key_whatever_whitespace_the_key_came_with() -> None:
    limit = RedisRateLimit("redis://localhost:6379/0")
    a = ClerkClient("sk_test_abc\n", rate_limit=limit)
    b = ClerkClient("sk_test_abc", rate_limit=limit)
    assert a._pacer._instance._store._keys == b._pacer._instance._store._keys  # type: ignore[union-attr]


def test_without_redis_py_it_is_made_and_shown_but_a_client_says_which_extra_to_install() -> None:
    code = """
import sys
sys.modules["redis"] = None  # as if redis-py were not installed
from clerk_orgs_async import ClerkClient, InvalidRequestError, RedisRateLimit
limit = RedisRateLimit("redis://localhost:6379/0", share=0.5)
print(repr(limit))
try:
    ClerkClient("sk_test_x", rate_limit=limit)
except InvalidRequestError as error:
    print(error)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    shown, refused = out.stdout.strip().splitlines()
    assert shown.startswith("RedisRateLimit(url='redis://localhost:6379/0'")
    assert "pip install 'clerk-orgs-async[redis]'" in refused


def test_making_one_imports_no_redis() -> None:
    code = (
        "import sys; from clerk_orgs_async import RedisRateLimit;"
        "repr(RedisRateLimit('redis://localhost', share=0.5));"
        "print(sorted(m for m in sys.modules if m == 'redis' or m.startswith('redis.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
