"""The pacing settings (``RateLimit``, ``RedisRateLimit``) and Clerk's documented budgets.

Settings only: the budgets they make live in ``_budget.py`` (this process) and
``_redis_budget.py`` (shared through Redis), which never import this module back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import attrs
from yarl import URL

from . import _rules as rules
from ._budget import InstanceBudget, LocalBudget
from ._redis_store import budget_key, masked
from .errors import InvalidRequestError

if TYPE_CHECKING:
    from ._redis_budget import RedisBudget

# Clerk's documented limits for its Backend API (requests per 10 s).
_DEVELOPMENT = 100
_PRODUCTION = 1000
_CLERK_HOST = "api.clerk.com"
_SCHEMES = ("redis", "rediss", "unix")


@attrs.frozen
class RateLimit:
    """At most ``requests`` requests in any window of ``per_seconds`` seconds."""

    requests: int = attrs.field(validator=rules.whole_number(1))
    per_seconds: float = attrs.field(validator=rules.seconds(above=True))

    def budget(self, secret_key: str) -> InstanceBudget:
        """This process's budget (a ``RedisRateLimit`` shares one across processes)."""
        return LocalBudget(self.requests, self.per_seconds)


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


def _check_share(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise InvalidRequestError(f"share must be a fraction in (0, 1], got {rules.shown(value)}")


def _check_key(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidRequestError(
            f"key must be a non-empty string or None, got {rules.shown(value)}"
        )


@attrs.frozen(repr=False)
class RedisRateLimit:
    """One instance budget shared through Redis by every process and host that uses the key.

    Each request holds a permit in Redis from the moment it leaves until one window after its
    answer, so Clerk never counts more than ``requests`` in any window across all of them.
    Pass it as ``ClerkClient(rate_limit=...)``; it needs the ``redis`` extra
    (``pip install 'clerk-orgs-async[redis]'``). Clerk's per-organization, per-membership and
    per-hour limits stay paced in each process.

    A busy client takes permits from Redis in batches and keeps a few ahead of its callers,
    so that a Redis some milliseconds away does not slow it down; the ones it keeps ahead are
    counted in Redis too, and given back as soon as it falls idle.

    If Redis cannot be reached, each client paces locally at ``share`` of the budget divided
    by the clients seen using the key in Redis in the last minute (8 if none was), logs a
    warning once on the ``clerk_orgs_async`` logger, and goes back to Redis when it answers.
    A Redis that restarted empty is noticed on the next call, warned about, and paced the
    same way for one window while every client enters again the permits it holds.

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
    per_seconds: float = attrs.field(
        default=10.0, kw_only=True, validator=rules.seconds(above=True)
    )
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
        from ._redis_budget import RedisBudget  # loaded on use: it needs redis-py

        return RedisBudget(
            self.url,
            requests=self.requests or documented_budget(secret_key),
            window=self.per_seconds,
            share=self.share,
            key=self.key or budget_key(secret_key),
        )


Limit: TypeAlias = "RateLimit | RedisRateLimit"
Pacing: TypeAlias = "RateLimit | RedisRateLimit | Literal['auto'] | None"


def resolve(setting: Pacing, key: str, base_url: URL) -> Limit | None:
    """``"auto"`` paces Clerk's own API by the key's kind and leaves other hosts unpaced.

    Raises:
        InvalidRequestError: a setting that is none of these (``rate_limit=5``).
    """
    if setting is None or isinstance(setting, RateLimit | RedisRateLimit):
        return setting
    if setting != "auto":
        raise InvalidRequestError(
            "rate_limit must be 'auto', a RateLimit, a RedisRateLimit or None, "
            f"got {rules.shown(setting)}"
        )
    if base_url.host != _CLERK_HOST:
        return None
    return RateLimit(documented_budget(key), 10.0)


def documented_budget(key: str) -> int:
    """The instance budget Clerk documents for a key's kind, per 10 seconds."""
    return _PRODUCTION if key.startswith("sk_live_") else _DEVELOPMENT
