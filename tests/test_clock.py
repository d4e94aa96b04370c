"""The server clock's lower bound, from write stamps and Date headers, without I/O."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from clerk_orgs_async._clock import ServerClock

NOW = 1_800_000_000.25  # a local wall-clock instant, a quarter past a second


def stamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def test_nothing_seen_is_unknown() -> None:
    assert ServerClock().offset_floor(NOW) is None


def test_a_date_header_bounds_the_offset_from_below_within_a_second() -> None:
    clock = ServerClock()
    server = NOW + 3.6  # the server runs 3.6 s ahead
    clock.saw_date(format_datetime(stamp(server), usegmt=True), NOW)
    floor = clock.offset_floor(NOW)
    assert floor is not None and 2.6 < floor <= 3.6


def test_a_write_stamp_bounds_it_within_a_round_trip_and_wins() -> None:
    clock = ServerClock()
    clock.saw_date(format_datetime(stamp(NOW + 3.6), usegmt=True), NOW)
    clock.saw_write(stamp(NOW + 3.6 - 0.002), NOW)  # stamped 2 ms before the answer arrived
    assert clock.offset_floor(NOW) == pytest.approx(3.598, abs=1e-6)


def test_old_samples_are_dropped_and_garbage_is_ignored() -> None:
    clock = ServerClock()
    clock.saw_write(stamp(NOW), NOW)
    clock.saw_date("not a date", NOW + 100)
    assert clock.offset_floor(NOW + 100) is None


def test_an_object_stamped_in_the_calls_first_millisecond_is_the_calls() -> None:
    from clerk_orgs_async._resource import Lookup

    started = 1_800_000_000.0004  # the call starts 0.4 ms into a millisecond
    lookup = Lookup(timeout=1.0, retry=None, started=started, server_offset=lambda: 0.0)
    made = datetime.fromtimestamp(1_800_000_000.000, timezone.utc)  # stamped, rounded down
    assert lookup.made_by_this_call(made) is True
    before = datetime.fromtimestamp(1_799_999_999.998, timezone.utc)
    assert lookup.made_by_this_call(before) is False
    unknown = Lookup(timeout=1.0, retry=None, started=started, server_offset=lambda: None)
    assert unknown.made_by_this_call(made) is None


def test_an_object_this_client_created_earlier_is_never_a_later_calls() -> None:
    from clerk_orgs_async._resource import Lookup

    clock = ServerClock()
    clock.saw_created("org_earlier")
    started = 1_800_000_000.0004
    lookup = Lookup(
        timeout=1.0,
        retry=None,
        started=started,
        server_offset=lambda: 0.0,
        made_earlier=clock.made_earlier,
    )
    same_moment = datetime.fromtimestamp(started, timezone.utc)
    assert lookup.made_by_this_call(same_moment, "org_earlier") is False
    assert lookup.made_by_this_call(same_moment, "org_new") is True


def test_the_memory_of_created_objects_is_bounded() -> None:
    clock = ServerClock()
    for n in range(2000):
        clock.saw_created(f"org_{n}")
    assert clock.made_earlier("org_1999") and not clock.made_earlier("org_0")
