"""Clerk's rules and the argument checks, without I/O: refusals are typed and say where."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk_orgs_async import UNSET, InvalidRequestError, _json, _rules

WEST, EAST = timezone(timedelta(hours=-1)), timezone(timedelta(hours=1))


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("metadata", "where"),
    [
        ({"score": math.nan}, "public_metadata.score"),
        ({"a": {"b": [1, math.inf]}}, r"public_metadata.a.b\[1\]"),
        ({"x": -math.inf}, "public_metadata.x"),
        ({"tags": {"a", "b"}}, "set"),
        ({"raw": b"bytes"}, "bytes"),
        ({"when": datetime(2026, 1, 1, tzinfo=timezone.utc)}, "datetime"),
        ({"obj": object()}, "object"),
        ({1: "one"}, "int key"),
        ({None: "none"}, "NoneType key"),
        ({"big": 2**60}, "2\\*\\*53"),
        ({"huge": -(10**5000)}, "an integer of 16610 bits"),  # past str()'s 4300 digits
        ({10**5000: 1}, "int key an integer of 16610 bits"),
        ({"text": "\ud800"}, "surrogate"),
        ({"\udfff": 1}, "surrogate"),
        (nested(65), "deeper than 64"),
        ([1, 2], "dict"),
    ],
)
def test_metadata_json_cannot_carry_is_refused_with_where(metadata: Any, where: str) -> None:
    with pytest.raises(InvalidRequestError, match=where):
        _rules.metadata(metadata, "public_metadata")


@pytest.mark.parametrize(
    "metadata",
    [None, UNSET, {}, {"a": None}, {"t": (1, "x")}, {"f": 1.5, "n": -(2**53)}, nested(64)],
)
def test_metadata_json_carries_is_accepted(metadata: Any) -> None:
    assert _rules.metadata(metadata, "private_metadata") is metadata


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=5) | st.integers(), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=4))
def test_metadata_either_refused_or_carried_faithfully_by_both_encoders(value: Any) -> None:
    try:
        _rules.metadata(value, "public_metadata")
    except InvalidRequestError:
        return
    # Accepted: the standard library and orjson send the same JSON, which decodes to `value`.
    std = _json._std_dumps(value)
    assert _json.dumps(value) == std or json.loads(_json.dumps(value)) == json.loads(std)
    assert json.loads(std) == json.loads(json.dumps(value))


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (lambda v: _rules.page_args(v, None), "10"),
        (lambda v: _rules.page_args(v, None), 10.0),
        (lambda v: _rules.page_args(v, None), True),
        (lambda v: _rules.page_args(None, v), 1e20),
        (lambda v: _rules.rfc3339(v, "created_at"), 1e20),
        (lambda v: _rules.rfc3339(v, "created_at"), datetime(2026, 1, 1)),
        (lambda v: _rules.moment(v, "created_at_before"), 1e20),
        (lambda v: _rules.moment(v, "created_at_before"), 10**20),
        (lambda v: _rules.integer(v, "max_allowed_memberships"), 2**70),
        (lambda v: _rules.boolean(v, "include_members_count"), "yes"),
        (lambda v: _rules.strings(v, "user_id"), [1, 2]),
        (lambda v: _rules.strings(v, "user_id"), b"user_1"),
        (lambda v: _rules.slug(v), "Not A Slug"),
        (lambda v: _rules.name(v), "   "),
        (lambda v: _rules.name(v), "x" * 257),
        pytest.param(lambda v: _rules.integer(v, "limit"), -(10**5000), id="5000 digits"),
        (
            lambda v: _rules.moment(v, "created_at_after"),
            datetime(1969, 12, 31, tzinfo=timezone.utc),
        ),
        (lambda v: _rules.moment(v, "created_at_after"), datetime.max.replace(tzinfo=WEST)),
        (lambda v: _rules.rfc3339(v, "created_at"), datetime.max.replace(tzinfo=WEST)),
        (lambda v: _rules.rfc3339(v, "created_at"), datetime.min.replace(tzinfo=EAST)),
        (lambda v: _rules.rfc3339(v, "created_at"), "2026-01-01T00:00:00\ud800Z"),
        (lambda v: _rules.string(v, "query"), "a\ud800"),
        (lambda v: _rules.strings(v, "user_id"), "\udfff"),
        (lambda v: _rules.strings(v, "user_id"), ["user_1", "\ud800"]),
    ],
)
def test_wrong_types_and_values_are_invalid_requests(check: Any, value: Any) -> None:
    with pytest.raises(InvalidRequestError):
        check(value)


def test_the_2026_metadata_rule() -> None:
    _rules.metadata_in_update("2025-11-10", True)
    _rules.metadata_in_update("2026-05-12", False)
    with pytest.raises(InvalidRequestError, match="merge_metadata"):
        _rules.metadata_in_update("2026-05-12", True)
