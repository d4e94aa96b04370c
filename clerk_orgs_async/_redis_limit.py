"""``RedisRateLimit``: the setting that shares one instance budget through Redis.

The budget itself, and what happens when Redis is out of reach, is ``_redis_budget.py``.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import attrs
from yarl import URL

from . import _rules as rules
from ._pacing import documented_budget
from .errors import InvalidRequestError

if TYPE_CHECKING:
    from ._redis_budget import RedisBudget

KEY_PREFIX = "clerk-orgs-async:budget:"
_SCHEMES = ("redis", "rediss", "unix")


def budget_key(secret_key: str) -> str:
    """The Redis key of an instance's budget: a one-way hash, so the key never reaches Redis."""
    return KEY_PREFIX + hashlib.sha256(secret_key.encode()).hexdigest()


def _check_url(_: object, __: attrs.Attribute[Any], url: object) -> None:
    if not isinstance(url, str):
        raise InvalidRequestError(f"the Redis URL must be a string, got {type(url).__name__}")
    try:
        parsed = URL(url)
    except ValueError:
        raise InvalidRequestError("the Redis URL is not a URL") from None
    if parsed.scheme not in _SCHEMES or (parsed.scheme != "unix" and not parsed.host):
        raise InvalidRequestError(
            f"the Redis URL must be redis://host[:port][/db], rediss://… or unix://path, "
            f"got {masked(url)!r}"
        )


def _check_requests(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidRequestError(
            f"requests must be a positive integer or None, got {rules.shown(value)}"
        )


_SECONDS = rules.seconds(above=True)


def _check_share(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise InvalidRequestError(f"share must be a fraction in (0, 1], got {rules.shown(value)}")


def _check_key(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidRequestError(
            f"key must be a non-empty string or None, got {rules.shown(value)}"
        )


def masked(url: str) -> str:
    """``url`` (one yarl can parse) with any password it carries shown as ``***``."""
    parsed = URL(url)
    if parsed.password:
        parsed = parsed.with_password("***")
    if "password" in parsed.query:
        parsed = parsed.update_query({"password": "***"})
    return str(parsed) if parsed != URL(url) else url


@attrs.frozen(repr=False)
class RedisRateLimit:
    """One instance budget shared through Redis by every process and host that uses the key.

    Each request holds a permit in Redis from the moment it leaves until one window after its
    answer, so Clerk never counts more than ``requests`` in any window across all of them.
    Pass it as ``ClerkClient(rate_limit=...)``; it needs the ``redis`` extra
    (``pip install 'clerk-orgs-async[redis]'``). Clerk's per-organization, per-membership and
    per-hour limits stay paced in each process.

    If Redis cannot be reached, each client paces locally at ``share`` of the budget divided
    by the clients seen using the key in Redis in the last minute (8 if none was), logs a
    warning once on the ``clerk_orgs_async`` logger, and goes back to Redis when it answers.

    Attributes:
        url: the Redis server: ``redis://host:6379/0``, ``rediss://…`` or ``unix://path``.
        requests: the instance budget per window; ``None`` is the key's documented one (100
            per 10 s for ``sk_test_`` keys, 1000 for ``sk_live_``).
        per_seconds: the window, in seconds.
        share: the fraction of the budget this client may use in any window, so a nightly
            sync at ``0.5`` leaves half to the web app even at full speed.
        key: the Redis key; by default derived from a SHA-256 of the secret key, so every
            process of one instance shares one budget and the secret never reaches Redis.

    Raises:
        InvalidRequestError: a URL that is not a Redis one, or an option out of range.
    """

    url: str = attrs.field(validator=_check_url)
    requests: int | None = attrs.field(default=None, kw_only=True, validator=_check_requests)
    per_seconds: float = attrs.field(default=10.0, kw_only=True, validator=_SECONDS)
    share: float = attrs.field(default=1.0, kw_only=True, validator=_check_share)
    key: str | None = attrs.field(default=None, kw_only=True, validator=_check_key)

    def __repr__(self) -> str:
        return (
            f"RedisRateLimit(url={masked(self.url)!r}, requests={self.requests!r}, "
            f"per_seconds={self.per_seconds!r}, share={self.share!r}, key={self.key!r})"
        )

    def budget(self, secret_key: str) -> RedisBudget:
        """The budget every process using ``secret_key`` shares.

        Raises:
            InvalidRequestError: redis-py is not installed.
        """
        try:
            import redis.asyncio  # noqa: F401  (checked here, used on the first request)
        except ImportError:
            raise InvalidRequestError(
                "RedisRateLimit needs redis-py: pip install 'clerk-orgs-async[redis]'"
            ) from None
        from ._redis_budget import RedisBudget

        requests = self.requests or documented_budget(secret_key)
        return RedisBudget(self, requests, self.key or budget_key(secret_key))
