"""The emulator's public objects have reprs that say what they are, never ``<… at 0x…>``."""

from __future__ import annotations

import re
from pathlib import Path

from clerk_orgs_async.testing import (
    ClerkEmulator,
    EmulatorState,
    Faults,
    LogoRecord,
    RequestRecord,
    ServedResponse,
)

_DEFAULT = re.compile(r"object at 0x[0-9a-f]+")


async def test_the_emulators_repr_tells_where_and_what(tmp_path: Path) -> None:
    data = str(tmp_path / "state.json")
    emu = ClerkEmulator(users=["user_1", "user_2"], data_file=data)
    assert repr(emu) == f"<ClerkEmulator not started, 2 users, 0 organizations, data_file={data!r}>"
    async with emu:
        emu.state.create_organization("Acme", created_by="user_1")
        assert repr(emu) == (
            f"<ClerkEmulator {emu.base_url}, 2 users, 1 organizations, data_file={data!r}>"
        )
        assert emu.secret_key not in repr(emu)


def test_the_states_repr_counts_its_records() -> None:
    state = EmulatorState()
    state.add_users(["user_1"])
    org = state.create_organization("Acme", created_by="user_1")
    assert repr(state) == "<EmulatorState 1 users, 1 organizations, 1 memberships>"
    assert "Acme" in repr(org)


def test_the_faults_repr_lists_what_is_pending() -> None:
    faults = Faults()
    assert repr(faults) == "<Faults: none>"
    faults.status(503, times=2, method="POST", path="/v1/organizations")
    faults.drop()
    faults.random({429: 0.1}, seed=3)
    assert repr(faults) == "<Faults: " + "; ".join(faults.describe()) + ">"
    assert repr(faults).startswith(
        "<Faults: 503 for the next 2 POST requests to /v1/organizations;"
    )


def test_records_do_not_dump_their_bytes() -> None:
    logo = LogoRecord(data=b"\x89PNG" + b"\x00" * 10_000_000, content_type="image/png")
    assert repr(logo) == "LogoRecord(data=<10000004 bytes>, content_type='image/png')"
    record = RequestRecord(method="GET", path="/v1/organizations", status=200)
    served = ServedResponse(record=record, route=None, content_type="image/png", body=logo.data)
    assert "<10000004 bytes>" in repr(served)
    assert len(repr(served)) < 2_000  # not ten megabytes


def test_no_public_object_has_the_default_repr() -> None:
    emu = ClerkEmulator()
    for thing in (emu, emu.faults, emu.state, emu.stats):
        assert not _DEFAULT.search(repr(thing)), repr(thing)
