"""Organization domains with Clerk's rules: unique names, enrollment modes, verification; no I/O.

A domain's name is unique across the instance. Its affiliation (the domain belongs to the
organization) is verified on creation unless ``verified=false``; its ownership (the DNS
proof) stays unattempted until ``verify_ownership``, the dashboard's manual override.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from clerk_orgs_async.testing._changes import Changes
from clerk_orgs_async.testing._errors import ClerkAPIError, not_found, param_invalid
from clerk_orgs_async.testing._ids import new_id
from clerk_orgs_async.testing._listing import parse_order
from clerk_orgs_async.testing._organizations import Organizations
from clerk_orgs_async.testing._snapshot import SnapshotCheck, records, refer

ENROLLMENT_MODES = (
    "manual_invitation",
    "automatic_invitation",
    "automatic_suggestion",
    "enterprise_sso",
)
DEFAULT_ENROLLMENT_MODE = "manual_invitation"
SORT_FIELDS = ("created_at", "name")
# A subset of the common email providers Clerk refuses as an organization's domain.
COMMON_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
    }
)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,63}}")


@attrs.define(kw_only=True, eq=False)
class DomainRecord:
    """A domain of an organization; ``ownership_verified_at`` is ``None`` until verified."""

    id: str
    seq: int
    organization_id: str
    name: str
    enrollment_mode: str
    verified: bool
    created_at: int
    updated_at: int
    ownership_verified_at: int | None = None


def check_enrollment_mode(mode: str) -> str:
    """Return ``mode`` if Clerk knows it."""
    if mode not in ENROLLMENT_MODES:
        raise param_invalid("enrollment_mode", f"must be one of {', '.join(ENROLLMENT_MODES)}")
    return mode


def enrollment_filter(values: Iterable[str]) -> Callable[[DomainRecord], bool]:
    """Build the ``enrollment_mode`` filter: plain values include, ``-`` values exclude."""
    included: set[str] = set()
    excluded: set[str] = set()
    for value in values:
        for mode in value.split(","):
            negated = mode.startswith("-")
            (excluded if negated else included).add(check_enrollment_mode(mode.lstrip("-")))
    return lambda d: (
        (not included or d.enrollment_mode in included) and (d.enrollment_mode not in excluded)
    )


class Domains:
    """The domains of every organization.

    Args:
        organizations: the organizations (a domain's must exist).
        clock: the current Unix time in milliseconds.
        changes: where each change is reported (``organizationDomain.created``, ``.updated`` and
            ``.deleted``).
    """

    def __init__(
        self,
        organizations: Organizations,
        clock: Callable[[], int],
        changes: Changes | None = None,
    ) -> None:
        self._organizations = organizations
        self._now = clock
        self._changes = changes or Changes()
        self.clear()

    def clear(self) -> None:
        """Forget every domain."""
        self._by_id: dict[str, DomainRecord] = {}
        self._seq = itertools.count()

    def check_organization(self, org_id: str) -> None:
        """Raise Clerk's 404 unless the organization exists."""
        if org_id not in self._organizations:
            raise not_found("organization")

    def create(
        self,
        org_id: str,
        name: str,
        *,
        enrollment_mode: str | None = None,
        verified: bool | None = None,
    ) -> DomainRecord:
        """Add a domain; its name must be a host name no organization has yet."""
        self.check_organization(org_id)
        name = name.strip().lower()
        if not _HOST_NAME.fullmatch(name):
            raise ClerkAPIError(
                422,
                "form_param_format_invalid",
                "is invalid",
                "name must be a domain name such as example.com.",
                meta={"param_name": "name"},
            )
        if name in COMMON_EMAIL_DOMAINS:
            raise ClerkAPIError(
                422,
                "organization_domain_common",
                "common email domain",
                "This is a common email provider domain. Please use a different one.",
                meta={"param_name": "name"},
            )
        if any(d.name == name for d in self._by_id.values()):
            raise ClerkAPIError(
                422,
                "organization_domain_already_exists",
                "organizaton domain already exists",
                "This domain is already used by another organization.",
                meta={"param_name": "name"},
            )
        now = self._now()
        domain = DomainRecord(
            id=new_id("orgdmn"),
            seq=next(self._seq),
            organization_id=org_id,
            name=name,
            enrollment_mode=check_enrollment_mode(enrollment_mode or DEFAULT_ENROLLMENT_MODE),
            verified=True if verified is None else verified,
            created_at=now,
            updated_at=now,
        )
        self._by_id[domain.id] = domain
        self._changes.emit("organizationDomain.created", domain)
        return domain

    def get(self, org_id: str, domain_id: str) -> DomainRecord:
        """The organization's domain with this ID, or Clerk's 404."""
        self.check_organization(org_id)
        domain = self._by_id.get(domain_id)
        if domain is None or domain.organization_id != org_id:
            raise not_found("organization domain")
        return domain

    def update(
        self,
        org_id: str,
        domain_id: str,
        *,
        enrollment_mode: str | None = None,
        verified: bool | None = None,
    ) -> DomainRecord:
        """Change the enrollment mode or the affiliation's verification."""
        domain = self.get(org_id, domain_id)
        if enrollment_mode is not None:
            domain.enrollment_mode = check_enrollment_mode(enrollment_mode)
        if verified is not None:
            domain.verified = verified
        domain.updated_at = self._now()
        self._changes.emit("organizationDomain.updated", domain)
        return domain

    def delete(self, org_id: str, domain_id: str) -> DomainRecord:
        """Remove a domain; its name is free again."""
        domain = self._by_id.pop(self.get(org_id, domain_id).id)
        self._changes.emit("organizationDomain.deleted", domain)
        return domain

    def verify_ownership(self, org_id: str, domain_id: str) -> DomainRecord:
        """Mark ownership verified by manual override; again, it changes nothing."""
        domain = self.get(org_id, domain_id)
        if domain.ownership_verified_at is None:
            now = self._now()
            domain.ownership_verified_at = now
            domain.updated_at = now
            self._changes.emit("organizationDomain.updated", domain)
        return domain

    def drop_organization(self, org_id: str) -> None:
        """Forget a deleted organization's domains."""
        self._by_id = {k: d for k, d in self._by_id.items() if d.organization_id != org_id}

    def matching(
        self,
        *,
        organization_id: str | None = None,
        verified: str | None = None,
        enrollment_modes: Sequence[str] = (),
        query: str | None = None,
        names: Sequence[str] = (),
        order_by: str = "-created_at",
    ) -> list[DomainRecord]:
        """Domains with every filter of the list endpoints, ordered."""
        field, descending = parse_order(order_by, SORT_FIELDS)
        checks: list[Callable[[DomainRecord], bool]] = []
        if organization_id is not None:
            checks.append(lambda d: d.organization_id == organization_id)
        if verified is not None:
            if verified not in ("true", "false"):
                raise param_invalid("verified", "must be true or false")
            checks.append(lambda d: d.verified == (verified == "true"))
        if enrollment_modes:
            checks.append(enrollment_filter(enrollment_modes))
        if query is not None:
            if not query.strip():
                raise param_invalid("query", "must not be empty")
            needle = query.strip().lower()
            if needle.startswith("org_"):
                checks.append(lambda d: d.organization_id == query.strip())
            else:
                checks.append(lambda d: needle in d.name)
        if names:
            wanted = {n.strip().lower() for n in names}
            checks.append(lambda d: d.name in wanted)
        found = [d for d in self._by_id.values() if all(check(d) for check in checks)]
        found.sort(key=lambda d: (getattr(d, field), d.seq), reverse=descending)
        return found

    def snapshot(self) -> list[dict[str, Any]]:
        """Every domain as JSON-ready data."""
        return [attrs.asdict(d) for d in self._by_id.values()]

    def restore(self, snapshot: Iterable[Mapping[str, Any]]) -> None:
        """Replace the domains with those saved by :meth:`snapshot`."""
        self.clear()
        self._by_id = {d.id: d for d in (DomainRecord(**raw) for raw in snapshot)}
        self._seq = itertools.count(max((d.seq for d in self._by_id.values()), default=-1) + 1)


def check_snapshot(check: SnapshotCheck) -> None:
    """Check a data file's ``domains`` (version 2 on): of known organizations."""
    if check.version >= 2:
        domains = records(check.snapshot, "domains", DomainRecord)
        refer(domains, "domains", "organization_id", check.ids["organizations"])
