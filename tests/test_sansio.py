"""The pure request/response helpers, without an event loop or a server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from clerk_orgs_async import UNSET, InvalidRequestError, RateLimitError, ServerError
from clerk_orgs_async._json import _std_dumps, _std_loads, dumps, loads
from clerk_orgs_async._rules import rfc3339
from clerk_orgs_async._sansio import (
    build_query,
    error_from_response,
    json_body,
    parse_retry_after,
    path_segment,
)
from clerk_orgs_async._serialization import datetime_to_ms, ms_to_datetime

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-3", 0.0),
        ("Mon, 23 Nov 2026 12:00:30 GMT", 30.0),
        ("Mon, 23 Nov 2026 11:59:00 GMT", 0.0),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_build_query_skips_none_repeats_lists_and_formats_values() -> None:
    when = datetime(2024, 10, 29, tzinfo=timezone.utc)
    assert build_query(
        {"a": None, "b": True, "c": False, "d": ["x", "y"], "e": 5, "f": when, "g": "s"}
    ) == [
        ("b", "true"),
        ("c", "false"),
        ("d", "x"),
        ("d", "y"),
        ("e", "5"),
        ("f", "1730160000000"),
        ("g", "s"),
    ]


def test_json_body_leaves_unset_out_and_keeps_none() -> None:
    assert loads(json_body({"a": UNSET, "b": None, "c": {"d": None}})) == {
        "b": None,
        "c": {"d": None},
    }


@given(st.text(min_size=1).filter(lambda s: s not in (".", "..")))
def test_path_segment_is_always_one_segment(value: str) -> None:
    encoded = path_segment(value, "id")
    assert "/" not in encoded and "?" not in encoded and "#" not in encoded
    from urllib.parse import unquote

    assert unquote(encoded) == value


def test_path_segment_refuses_non_strings() -> None:
    with pytest.raises(InvalidRequestError, match="must be a string"):
        path_segment(5, "organization_id")  # type: ignore[arg-type]


def test_rfc3339() -> None:
    berlin = timezone(timedelta(hours=1))
    assert rfc3339(datetime(2012, 10, 20, 8, 15, 20, 902123, tzinfo=berlin), "x") == (
        "2012-10-20T07:15:20.902Z"
    )
    assert rfc3339("2012-10-20T07:15:20.902Z", "x") == "2012-10-20T07:15:20.902Z"


@given(st.integers(min_value=0, max_value=2**45))
def test_millisecond_timestamps_round_trip_exactly(ms: int) -> None:
    moment = ms_to_datetime(ms)
    assert moment.tzinfo is timezone.utc
    assert datetime_to_ms(moment) == ms


def test_rate_limit_error_from_response() -> None:
    error = error_from_response(
        429, CIMultiDict({"Retry-After": "7", "X-Clerk-Trace-Id": "t-1"}), b"", NOW
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7
    assert error.retry_at == NOW + timedelta(seconds=7)
    assert error.clerk_trace_id == "t-1"


def test_odd_error_bodies_never_crash() -> None:
    for body in [b"\xff\xfe", b"null", b'{"errors": "nope"}', b'{"errors": [1, {"meta": 3}]}']:
        error = error_from_response(503, CIMultiDict(), body)
        assert isinstance(error, ServerError)
        assert error.status == 503


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=20,
    )
)
def test_orjson_and_stdlib_give_identical_results(value: object) -> None:
    assert loads(dumps(value)) == _std_loads(_std_dumps(value)) == value
    assert loads(_std_dumps(value)) == _std_loads(dumps(value))


def test_dumps_falls_back_for_huge_integers() -> None:
    assert loads(dumps({"n": 2**70})) == {"n": 2**70}
