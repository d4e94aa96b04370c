"""sync_organizations end to end against the emulator."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import attrs
import pytest

from clerk_orgs_async import ClerkClient, InvalidRequestError
from clerk_orgs_async.sync import (
    DesiredMember,
    DesiredOrganization,
    InvalidDesiredStateError,
    export_organizations,
    sync_organizations,
)
from clerk_orgs_async.testing import ClerkEmulator, ServedResponse
from tests.sync.conftest import QUICK_RETRY, USERS, state, writes

ADMIN, MEMBER = "org:admin", "org:member"


def record(n: int, *members: DesiredMember, **fields: object) -> DesiredOrganization:
    values: dict[str, object] = {
        "slug": f"org-{n}",
        "name": f"Org {n}",
        "max_allowed_memberships": 10,
        "public_metadata": {"n": n},
        "private_metadata": {},
        "members": sorted(members, key=lambda m: m.name),
        **fields,
    }
    return DesiredOrganization(**values)  # type: ignore[arg-type]


DESIRED = [
    record(1, DesiredMember("user_1", ADMIN), DesiredMember("user_2")),
    record(2, DesiredMember("user_3", ADMIN)),
    record(3, DesiredMember("user_4")),  # no admin: created without a creator
]


def expected(records: list[DesiredOrganization]) -> dict[str, DesiredOrganization]:
    return {r.slug: r for r in records}


async def test_from_empty(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    report = await sync_organizations(clerk, DESIRED)
    assert report.ok
    assert report.counts["create"] == 3
    assert report.counts["add_member"] == 2  # the admins came in as creators
    assert {a.outcome for a in report.actions} == {"applied"}
    assert all(a.organization_id for a in report.actions)
    assert state(clerk_emulator) == expected(DESIRED)


async def test_second_run_plans_nothing(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    await sync_organizations(clerk, DESIRED)
    sent = len(writes(clerk_emulator))
    again = await sync_organizations(clerk, DESIRED)
    assert again.actions == []
    assert again.ok
    assert len(writes(clerk_emulator)) == sent


async def test_from_partial(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    await sync_organizations(clerk, DESIRED[:1])
    report = await sync_organizations(clerk, DESIRED)
    assert [(a.kind, a.key) for a in report.actions] == [
        ("create", "org-2"),
        ("create", "org-3"),
        ("add_member", "org-3"),
    ]
    assert state(clerk_emulator) == expected(DESIRED)


async def test_drifted_fields_and_members(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    await sync_organizations(clerk, DESIRED)
    emu = clerk_emulator.state
    org = emu.get_organization("org-1")
    emu.update_organization(org.id, name="Renamed", public_metadata={"n": 1, "extra": True})
    emu.update_membership(org.id, "user_1", role=MEMBER)
    emu.delete_membership(org.id, "user_2")
    emu.create_membership(org.id, "user_9", ADMIN)
    report = await sync_organizations(clerk, DESIRED)
    assert report.ok
    assert [(a.kind, a.user_id) for a in report.actions] == [
        ("set_role", "user_1"),
        ("remove_member", "user_9"),
        ("update", None),
        ("add_member", "user_2"),
    ]
    assert report.actions[2].changes == {
        "name": ("Renamed", "Org 1"),
        "public_metadata": ({"n": 1, "extra": True}, {"n": 1}),
    }
    assert state(clerk_emulator) == expected(DESIRED)


async def test_an_update_whose_metadata_fails_after_its_fields_landed_says_so(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    await sync_organizations(clerk, DESIRED)
    org = clerk_emulator.state.get_organization("org-1")
    clerk_emulator.state.update_organization(org.id, name="Renamed", public_metadata={"n": 0})
    clerk_emulator.faults.status(422, method="PUT", path="/v1/organizations/*/metadata")
    report = await sync_organizations(clerk, DESIRED)
    # Two requests: the name landed, the metadata did not. The report says both, truly.
    assert [(a.kind, a.outcome, dict(a.changes)) for a in report.actions] == [
        ("update", "applied", {"name": ("Renamed", "Org 1")}),
        ("update", "failed", {"public_metadata": ({"n": 0}, {"n": 1})}),
    ]
    assert [f.action for f in report.failures] == [report.actions[1]]
    assert clerk_emulator.state.get_organization("org-1").name == "Org 1"
    again = await sync_organizations(clerk, DESIRED)
    assert [(a.kind, dict(a.changes), a.outcome) for a in again.actions] == [
        ("update", {"public_metadata": ({"n": 0}, {"n": 1})}, "applied")
    ]


async def test_raised_limit_lands_before_the_additions(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    small = record(1, DesiredMember("user_1", ADMIN), max_allowed_memberships=1)
    await sync_organizations(clerk, [small])
    members = [DesiredMember(f"user_{n}", ADMIN if n == 1 else MEMBER) for n in range(1, 5)]
    bigger = record(1, *members, max_allowed_memberships=4)
    report = await sync_organizations(clerk, [bigger])
    assert report.ok, report.failures
    assert state(clerk_emulator) == expected([bigger])


async def test_delete_missing(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    clerk_emulator.state.create_organization("Stray", slug="stray")
    kept = await sync_organizations(clerk, DESIRED)
    assert "stray" in state(clerk_emulator)
    assert kept.counts["delete"] == 0
    report = await sync_organizations(clerk, DESIRED, delete_missing=True)
    assert [(a.kind, a.key, a.outcome) for a in report.actions] == [("delete", "stray", "applied")]
    assert state(clerk_emulator) == expected(DESIRED)


async def test_dry_run_sends_no_write(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    clerk_emulator.state.create_organization("Stray", slug="stray")
    before = state(clerk_emulator)
    report = await sync_organizations(clerk, DESIRED, dry_run=True, delete_missing=True)
    assert report.dry_run
    assert report.counts["create"] == 3
    assert report.counts["delete"] == 1
    assert {a.outcome for a in report.actions} == {"planned"}
    assert writes(clerk_emulator) == []
    assert state(clerk_emulator) == before


async def test_a_failing_organization_does_not_stop_the_others(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    broken_creator = record(7, DesiredMember("user_ghost", ADMIN), DesiredMember("user_5"))
    broken_member = record(8, DesiredMember("user_1", ADMIN), DesiredMember("user_ghost"))
    report = await sync_organizations(clerk, [*DESIRED, broken_creator, broken_member])
    assert sorted((f.key, f.action.kind if f.action else None) for f in report.failures) == [
        ("org-7", "create"),
        ("org-8", "add_member"),
    ]
    outcomes = {(a.key, a.kind, a.user_id): a.outcome for a in report.actions}
    assert outcomes[("org-7", "add_member", "user_5")] == "skipped"
    failure = report.failures[0]
    assert failure.action is not None
    assert failure.action.error is failure.error
    assert "organization_creator_not_found" in str(failure.error)
    final = state(clerk_emulator)
    assert "org-7" not in final
    assert final["org-8"].members == [DesiredMember("user_1", ADMIN)]
    assert {slug: final[slug] for slug in ("org-1", "org-2", "org-3")} == expected(DESIRED)


async def test_members_left_alone(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    await sync_organizations(clerk, DESIRED)
    changed = [attrs.evolve(r, members=[DesiredMember("user_20", ADMIN)]) for r in DESIRED]
    report = await sync_organizations(clerk, changed, sync_members=False)
    assert report.actions == []
    unmanaged = [attrs.evolve(r, members=None) for r in changed]
    assert (await sync_organizations(clerk, unmanaged)).actions == []
    assert state(clerk_emulator) == expected(DESIRED)


async def test_key_name_renames_slugs(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    await sync_organizations(clerk, DESIRED)
    renamed = [attrs.evolve(DESIRED[0], slug="org-one"), *DESIRED[1:]]
    report = await sync_organizations(clerk, renamed, key="name")
    assert [(a.kind, a.key, dict(a.changes)) for a in report.actions] == [
        ("update", "Org 1", {"slug": ("org-1", "org-one")})
    ]
    assert state(clerk_emulator) == expected(renamed)


async def test_ambiguous_name_is_a_failure(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.state.create_organization("Org 1", slug="twin-a")
    clerk_emulator.state.create_organization("Org 1", slug="twin-b")
    report = await sync_organizations(clerk, DESIRED[:1], key="name")
    (failure,) = report.failures
    assert failure.action is None
    assert "2 organizations have the name 'Org 1'" in str(failure.error)


async def test_async_input_and_progress(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    async def records() -> AsyncIterator[DesiredOrganization]:
        for item in DESIRED:
            yield item

    seen: list[tuple[int, int]] = []
    report = await sync_organizations(
        clerk, records(), concurrency=2, on_progress=lambda *p: seen.append(p)
    )
    assert report.ok
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


async def test_invalid_input_sends_nothing(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    with pytest.raises(InvalidDesiredStateError, match="duplicate slug"):
        await sync_organizations(clerk, [DESIRED[0], DESIRED[0]])
    assert list(clerk_emulator.requests) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"key": "id"}, "key must be"),
        ({"concurrency": 0}, "concurrency must be"),
        ({"concurrency": math.nan}, "concurrency must be"),
        ({"concurrency": 1.5}, "concurrency must be"),
        ({"concurrency": "8"}, "concurrency must be"),
        # A truthy string would delete every organization not listed.
        ({"delete_missing": "false"}, "delete_missing must be True or False"),
        ({"dry_run": 0}, "dry_run must be True or False"),
        ({"sync_members": None}, "sync_members must be True or False"),
        ({"sync_invitations": "yes"}, "sync_invitations must be True or False"),
    ],
)
async def test_bad_options(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator, options: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        await sync_organizations(clerk, DESIRED, **options)  # type: ignore[arg-type]
    assert list(clerk_emulator.requests) == []


@pytest.mark.parametrize("desired", [None, "acme", {"slug": "acme", "name": "Acme"}, [None]])
async def test_desired_state_of_the_wrong_shape_is_refused(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator, desired: object
) -> None:
    with pytest.raises(InvalidRequestError):
        await sync_organizations(clerk, desired)  # type: ignore[arg-type]
    assert list(clerk_emulator.requests) == []


@pytest.mark.parametrize(
    "options", [{"include_members": "no"}, {"include_invitations": 1}, {"include_members": None}]
)
async def test_bad_export_options(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator, options: dict[str, object]
) -> None:
    with pytest.raises(InvalidRequestError, match="must be True or False"):
        [record async for record in export_organizations(clerk, **options)]  # type: ignore[arg-type]
    assert list(clerk_emulator.requests) == []


_MEMBER_LISTS = ("/organizations/{organization_id}/memberships", "/organization_memberships")


async def test_a_member_added_elsewhere_meanwhile_is_given_the_desired_role() -> None:
    # Another writer adds user_2 as an admin just after the sync read the members: Clerk
    # refuses the add (400 already_a_member_in_organization); the sync converges anyway.
    armed = False

    def add_meanwhile(served: ServedResponse) -> None:
        nonlocal armed
        if armed and served.record.method == "GET" and served.route in _MEMBER_LISTS:
            armed = False
            org = next(o for o in emulator.state.organizations.values() if o.slug == "org-1")
            emulator.state.create_membership(org.id, "user_2", ADMIN)

    emulator = ClerkEmulator(users=USERS, on_response=add_meanwhile)
    async with emulator, emulator.client(retry=QUICK_RETRY) as clerk:
        first = record(1, DesiredMember("user_1", ADMIN))
        await sync_organizations(clerk, [first])
        armed = True
        wanted = record(1, DesiredMember("user_1", ADMIN), DesiredMember("user_2", MEMBER))
        report = await sync_organizations(clerk, [wanted])
        assert not armed, "the members were never listed"
        assert report.failures == []
        assert [(a.kind, a.user_id, a.outcome) for a in report.actions] == [
            ("add_member", "user_2", "applied")
        ]
        assert state(emulator)["org-1"].members == wanted.members
