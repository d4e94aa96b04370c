"""The I/O of a sync: read the current state, apply the plan with a fixed pool of workers."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from . import _rules as rules
from ._counting import counting
from ._retry import RetryPolicy
from ._sync_plan import (
    METADATA_FIELDS,
    desired_members,
    key_of,
    plan_create,
    plan_delete,
    plan_update,
    same_people,
    validate,
)
from ._sync_reads import (
    Pending,
    Roster,
    address_owners,
    instance_members,
    list_organizations,
    organization_members,
    pending_invitations,
    plan_member_reads,
)
from ._sync_records import (
    DesiredMember,
    DesiredOrganization,
    Key,
    Outcome,
    SyncAction,
    SyncFailure,
    SyncReport,
)
from .errors import (
    BadRequestError,
    BulkInvitationError,
    ClerkError,
    InvalidRequestError,
    NotFoundError,
)
from .models import InvitationRequest, Organization

if TYPE_CHECKING:
    from ._client import ClerkClient

T = TypeVar("T")
R = TypeVar("R")
Result = tuple[list[SyncAction], list[SyncFailure]]
ProgressHook = Callable[[int, int], None]
ActionHook = Callable[[SyncAction], None]

_BULK_INVITATIONS = "POST /organizations/{organization_id}/invitations/bulk"
_EXPORT_WINDOW = 8
"""How many organizations' members an export fetches at once."""
_ALREADY_A_MEMBER = "already_a_member_in_organization"
"""Clerk's code for adding a user who is a member already (400)."""


async def sync_organizations(
    clerk: ClerkClient,
    desired: Iterable[DesiredOrganization] | AsyncIterable[DesiredOrganization],
    *,
    key: Key = "slug",
    delete_missing: bool = False,
    sync_members: bool = True,
    concurrency: int = 8,
    dry_run: bool = False,
    on_progress: ProgressHook | None = None,
    on_action: ActionHook | None = None,
    sync_invitations: bool = False,
) -> SyncReport:
    """Make Clerk's organizations match ``desired``, and report every write.

    Every record is checked before anything is sent; then each organization is planned and
    applied by one of ``concurrency`` workers, and a failing write is recorded while the
    others go on. How it reads in the fewest requests and plans: docs/design/sync.md.

    Args:
        clerk: the client; its retries and pacing apply to every request.
        desired: the organizations as they should be (read whole before anything is sent).
        key: what matches a desired record to an existing organization, ``slug`` or
            ``name`` (then slugs may be changed).
        delete_missing: delete the organizations absent from ``desired``.
        sync_members: False leaves every organization's members alone.
        concurrency: how many organizations are worked on at once.
        dry_run: plan only; nothing is written (the actions stay ``planned``).
        on_progress: called with (organizations done, organizations in all) as each ends.
        on_action: called with each write as soon as its outcome is known, in the order they
            end; after a cancellation, a write that was in flight comes with outcome
            ``unknown``.
        sync_invitations: keep a pending invitation (bulk calls of 10, waiting for Clerk's
            50 calls an hour) for each member named by ``email_address``, and revoke the
            organization's other pending ones; without it such members are refused. An
            invitation Clerk refuses fails alone; a record naming one person by ``user_id``
            and by an address of theirs is refused before any of its writes.

    Returns:
        The ``SyncReport``; run twice with the same input, the second has no actions.

    Raises:
        InvalidDesiredStateError: a desired record is invalid; nothing was sent.
        InvalidRequestError: an option of the wrong type or value (``delete_missing="no"``).
        ClerkError: listing the current organizations failed; nothing was written.

    Example:
        ```python
        report = await sync_organizations(clerk, [
            DesiredOrganization(slug="acme", name="Acme", members=[
                DesiredMember("user_1", "org:admin"),
            ]),
        ])
        print(report.counts, report.failures)
        ```
    """
    if key not in ("slug", "name"):
        raise InvalidRequestError(f"key must be 'slug' or 'name', got {rules.shown(key)}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidRequestError(f"concurrency must be 1 or more, got {rules.shown(concurrency)}")
    rules.switch(delete_missing, "delete_missing")
    rules.switch(sync_members, "sync_members")
    rules.switch(dry_run, "dry_run")
    rules.switch(sync_invitations, "sync_invitations")
    records = await _collect(desired)
    validate(records, key, invitations=sync_invitations)
    if not sync_members:
        records = [attrs.evolve(record, members=None) for record in records]
    with counting() as requests:
        report = await _sync(
            clerk,
            records,
            key,
            delete_missing,
            concurrency,
            dry_run,
            on_progress,
            on_action,
            sync_invitations,
        )
    return attrs.evolve(report, requests=requests)


async def _sync(
    clerk: ClerkClient,
    records: list[DesiredOrganization],
    key: Key,
    delete_missing: bool,
    concurrency: int,
    dry_run: bool,
    on_progress: ProgressHook | None,
    on_action: ActionHook | None,
    sync_invitations: bool,
) -> SyncReport:
    """The sync of checked records; its requests are counted by the caller's context."""
    orgs = await list_organizations(clerk)
    current: dict[str, list[Organization]] = {}
    for org in orgs:
        current.setdefault(key_of(org, key), []).append(org)
    managed = {
        matches[0].id
        for record in records
        if record.members is not None and len(matches := current.get(key_of(record, key), [])) == 1
    }
    known: dict[str, Roster] | None = None
    if plan_member_reads(orgs, managed).instance_wide:
        known = await instance_members(clerk, managed)
    pending = await pending_invitations(clerk, orgs, managed) if sync_invitations else None

    async def roster_of(org: Organization) -> tuple[Roster, Pending | None]:
        roster = known[org.id] if known is not None else await organization_members(clerk, org)
        return roster, None if pending is None else pending[org.id]

    wanted = {key_of(record, key) for record in records}
    doomed = (
        [org for name, orgs in current.items() if name not in wanted for org in orgs]
        if delete_missing
        else []
    )
    total = len(doomed) + len(records)
    done = 0
    note = on_action or _ignore

    def progressed() -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    async def delete(org: Organization) -> Result:
        action = plan_delete(org, key)
        if dry_run:
            note(action)
            result: Result = ([action], [])
        else:
            result = await _apply(clerk, [action], note)
        progressed()
        return result

    async def upsert(record: DesiredOrganization) -> Result:
        matches = current.get(key_of(record, key), [])
        result = await _sync_one(clerk, matches, record, key, dry_run, note, roster_of)
        progressed()
        return result

    if on_progress is not None:
        on_progress(0, total)
    # Deletions first: with key="name" one may free a slug that a creation needs.
    results = await _pool(delete, doomed, concurrency)
    results += await _pool(upsert, records, concurrency)
    return SyncReport(
        actions=[action for actions, _ in results for action in actions],
        failures=[failure for _, failures in results for failure in failures],
        dry_run=dry_run,
    )


def _ignore(_action: SyncAction) -> None:
    """The default ``on_action``."""


async def _collect(items: Iterable[T] | AsyncIterable[T]) -> list[T]:
    if isinstance(items, AsyncIterable):
        return [item async for item in items]
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
        raise InvalidRequestError(
            f"desired must be an iterable of DesiredOrganization, got {type(items).__name__}"
        )
    return list(items)


async def _pool(
    handle: Callable[[T], Awaitable[R]], items: Sequence[T], concurrency: int
) -> list[R]:
    """``handle`` every item with ``concurrency`` workers (not one task per item); in order."""
    results: list[R | None] = [None] * len(items)
    indexes = iter(range(len(items)))

    async def worker() -> None:
        for index in indexes:
            results[index] = await handle(items[index])

    workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(items)))]
    try:
        await asyncio.gather(*workers)
    finally:
        # A bug (not a ClerkError) in one worker ends the others too.
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return cast(list[R], results)


async def _sync_one(
    clerk: ClerkClient,
    matches: list[Organization],
    record: DesiredOrganization,
    key: Key,
    dry_run: bool,
    note: ActionHook,
    roster_of: Callable[[Organization], Awaitable[tuple[Roster, Pending | None]]],
) -> Result:
    name = key_of(record, key)
    if len(matches) > 1:
        error = InvalidRequestError(f"{len(matches)} organizations have the {key} {name!r}")
        return [], [SyncFailure(key=name, error=error)]
    if not matches:
        actions = plan_create(record, key)
    elif record.members is None:
        actions = plan_update(matches[0], None, record, key)
    else:
        try:
            roster, pending = await roster_of(matches[0])
        except ClerkError as error:
            return [], [SyncFailure(key=name, error=error)]
        actions = plan_update(
            matches[0], roster.members, record, key, emails=roster.emails, invitations=pending
        )
    try:
        twice = await _named_twice(clerk, record, actions)
    except ClerkError as error:
        return [], [SyncFailure(key=name, error=error)]
    if twice:
        # Refused before any write: which of the two was meant is the user's to say.
        return [], [SyncFailure(key=name, error=InvalidRequestError("; ".join(twice)))]
    if dry_run or not actions:
        for action in actions:
            note(action)
        return actions, []
    return await _apply(clerk, actions, note)


async def _named_twice(
    clerk: ClerkClient, record: DesiredOrganization, actions: list[SyncAction]
) -> list[str]:
    """``same_people`` of the plan, with the owners of the addresses it concerns: those it
    invites, and when it adds members, every address the record names (read only then,
    so that a sync with nothing to add or invite sends no such read)."""
    if not desired_members(record.members or ()):
        return []
    addresses = {cast(str, a.email_address) for a in actions if a.kind == "invite"}
    if any(a.kind == "add_member" for a in actions):
        addresses.update(m.email_address for m in record.members or () if m.email_address)
    if not addresses:
        return []
    return same_people(record, actions, await address_owners(clerk, addresses))


async def _apply(clerk: ClerkClient, actions: list[SyncAction], note: ActionHook) -> Result:
    """Send one organization's writes in order; a failed create skips the rest."""
    applied: list[SyncAction] = []
    failures: list[SyncFailure] = []
    organization_id = actions[0].organization_id

    def ended(action: SyncAction) -> None:
        applied.append(action)
        note(action)

    for index, action in enumerate(actions):
        if action.kind == "invite":
            # Invitations come last in a plan: sent together, in bulk calls of 10.
            assert organization_id is not None
            await _invite(clerk, actions[index:], organization_id, ended, failures)
            break
        try:
            organization_id = await _send(clerk, action, organization_id)
        except _PartlyApplied as partly:
            # Two requests, the first answered: the report holds each half as it ended.
            landed, rest = _split(action, partly.landed)
            ended(attrs.evolve(landed, outcome="applied", organization_id=organization_id))
            failed = attrs.evolve(rest, outcome="failed", error=partly.error)
            ended(failed)
            failures.append(SyncFailure(key=action.key, error=partly.error, action=failed))
        except ClerkError as error:
            failed = attrs.evolve(action, outcome="failed", error=error)
            ended(failed)
            failures.append(SyncFailure(key=action.key, error=error, action=failed))
            if action.kind == "create":
                for rest in actions[index + 1 :]:
                    ended(attrs.evolve(rest, outcome="skipped"))
                break
        except asyncio.CancelledError:
            # The request may have reached Clerk: neither applied nor failed.
            note(attrs.evolve(action, outcome="unknown", organization_id=organization_id))
            raise
        else:
            ended(attrs.evolve(action, outcome="applied", organization_id=organization_id))
    return applied, failures


class _PartlyApplied(Exception):
    """An update's fields landed (``update``), then its metadata failed (``replace_metadata``)."""

    def __init__(self, error: ClerkError, landed: frozenset[str]) -> None:
        super().__init__(str(error))
        self.error = error
        self.landed = landed


def _split(action: SyncAction, fields: frozenset[str]) -> tuple[SyncAction, SyncAction]:
    """``action`` as two: the changes to ``fields``, and the others."""
    changes = action.changes.items()
    return (
        attrs.evolve(action, changes={f: c for f, c in changes if f in fields}),
        attrs.evolve(action, changes={f: c for f, c in changes if f not in fields}),
    )


async def _invite(
    clerk: ClerkClient,
    actions: list[SyncAction],
    organization_id: str,
    ended: Callable[[SyncAction], None],
    failures: list[SyncFailure],
) -> None:
    """Send the invitations of one organization through the bulk endpoint."""
    requests = [
        InvitationRequest(email_address=cast(str, a.email_address), role=a.changes["role"][1])
        for a in actions
    ]
    try:
        await clerk.organization_invitations.bulk_create(
            organization_id, requests, retry=_patient(clerk)
        )
    except BulkInvitationError as error:
        # The sync names each address once in an organization (validate): it keys the outcomes.
        outcomes: dict[str, tuple[Outcome, ClerkError]] = {
            r.email_address.lower(): ("failed", error.error) for r in error.not_created
        }
        outcomes.update(
            (r.email_address.lower(), ("unknown", error.error)) for r in error.maybe_created
        )
        outcomes.update((r.email_address.lower(), ("failed", e)) for r, e in error.refused)
    except asyncio.CancelledError:
        for action in actions:
            ended(attrs.evolve(action, outcome="unknown", organization_id=organization_id))
        raise
    else:
        outcomes = {}
    for action in actions:
        applied: tuple[Outcome, ClerkError | None] = ("applied", None)
        outcome, cause = outcomes.get(cast(str, action.email_address).lower(), applied)
        done = attrs.evolve(action, outcome=outcome, error=cause, organization_id=organization_id)
        ended(done)
        if cause is not None:
            failures.append(SyncFailure(key=action.key, error=cause, action=done))


def _patient(clerk: ClerkClient) -> RetryPolicy:
    """The client's retries with a deadline one window of the bulk limit longer: a sync is
    a batch job, so its invitations wait for Clerk's hourly budget rather than fail. (At
    most ``concurrency`` bulk calls wait at once: up to 50, the calls a window allows, one
    window is enough. The single creates that isolate a refused invitation have an hour's
    window too. The CLI's ``invitations invite`` does the same.)"""
    window = clerk.endpoint_limits[_BULK_INVITATIONS].per_seconds
    base = clerk.retry or RetryPolicy(max_attempts=1)  # waiting for the budget is no retry
    if base.deadline is None:
        return base
    return attrs.evolve(base, deadline=base.deadline + window)


async def _send(clerk: ClerkClient, action: SyncAction, organization_id: str | None) -> str:
    """Send one write; returns the organization's ID (known once it is created)."""
    new = {field: change[1] for field, change in action.changes.items()}
    if action.kind == "create":
        org = await clerk.organizations.create(**new)
        return org.id
    assert organization_id is not None  # only a create runs before the ID is known
    if action.kind == "update":
        fields = {f: v for f, v in new.items() if f not in METADATA_FIELDS}
        metadata = {f: v for f, v in new.items() if f in METADATA_FIELDS}
        if fields:
            await clerk.organizations.update(organization_id, **fields)
        if metadata:
            try:
                await clerk.organizations.replace_metadata(organization_id, **metadata)
            except ClerkError as error:
                if fields:
                    raise _PartlyApplied(error, frozenset(fields)) from None
                raise
    elif action.kind == "delete":
        # Already gone is what was wanted (and what a resent DELETE finds after a first
        # attempt whose answer was lost).
        with contextlib.suppress(NotFoundError):
            await clerk.organizations.delete(organization_id)
    elif action.kind == "revoke_invitation":
        await clerk.organization_invitations.revoke(
            organization_id, cast(str, action.invitation_id)
        )
    else:
        await _send_member(clerk, action, organization_id, new.get("role"))
    return organization_id


async def _send_member(
    clerk: ClerkClient, action: SyncAction, organization_id: str, role: Any
) -> None:
    memberships = clerk.organization_memberships
    user_id = cast(str, action.user_id)
    if action.kind == "add_member":
        try:
            await memberships.create(organization_id, user_id=user_id, role=role)
        except BadRequestError as error:
            if error.code != _ALREADY_A_MEMBER:
                raise
            # Added by someone else since the members were read: a member is what was
            # wanted, with the desired role (the update is a no-op when it has it already).
            await memberships.update(organization_id, user_id, role=role)
    elif action.kind == "remove_member":
        with contextlib.suppress(NotFoundError):
            await memberships.delete(organization_id, user_id)
    else:
        await memberships.update(organization_id, user_id, role=role)


async def export_organizations(
    clerk: ClerkClient, *, include_members: bool = False, include_invitations: bool = False
) -> AsyncGenerator[DesiredOrganization, None]:
    """Stream every organization as a ``DesiredOrganization``, the input of a sync.

    With ``include_members`` each record lists its members (oldest first), read in the
    fewest requests: every membership of the instance at once when that is cheaper, else a
    few organizations' at a time; records come in listing order. Close the iterator
    (``contextlib.aclosing``) when leaving it early.

    Args:
        clerk: the client; its retries and pacing apply to every request.
        include_members: list each organization's members.
        include_invitations: with ``include_members``, list each pending invitation as a
            member named by its ``email_address`` (what ``sync_organizations(
            sync_invitations=True)`` keeps).

    Returns:
        An async iterator of ``DesiredOrganization`` records; fed to ``sync_organizations``
        they plan no change.

    Raises:
        InvalidRequestError: an option of the wrong type.
        ClerkError: a request failed (after the client's retries).

    Example:
        ```python
        async for record in export_organizations(clerk, include_members=True):
            print(json.dumps(record.to_dict()))
        ```
    """
    rules.switch(include_members, "include_members")
    rules.switch(include_invitations, "include_invitations")
    if not include_members:
        async for org in clerk.organizations.list():
            yield DesiredOrganization.from_organization(org)
        return
    orgs = await list_organizations(clerk)
    everyone = {org.id for org in orgs}
    pending = await pending_invitations(clerk, orgs, everyone) if include_invitations else {}
    if plan_member_reads(orgs, everyone).instance_wide:
        known = await instance_members(clerk, everyone)
        for org in orgs:
            yield _exported(org, known[org.id], pending.get(org.id, {}))
        return

    async def with_members(org: Organization) -> DesiredOrganization:
        return _exported(org, await organization_members(clerk, org), pending.get(org.id, {}))

    waiting: deque[asyncio.Future[DesiredOrganization]] = deque()
    try:
        for org in orgs:
            waiting.append(asyncio.ensure_future(with_members(org)))
            if len(waiting) >= _EXPORT_WINDOW:
                yield await waiting.popleft()
        while waiting:
            yield await waiting.popleft()
    finally:
        for future in waiting:
            future.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)


def _exported(org: Organization, roster: Roster, pending: Pending) -> DesiredOrganization:
    members = [DesiredMember(user_id, role) for user_id, role in roster.members.items()]
    members += [
        DesiredMember(role=invitation.role, email_address=invitation.email_address)
        for invitation in pending.values()
    ]
    return DesiredOrganization.from_organization(org, members)
