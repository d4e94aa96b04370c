"""The records of a sync: what is desired, what was planned and done, and the report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal, get_args

import attrs

from ._counting import RequestCounts
from .errors import ClerkError, InvalidRequestError
from .models import Organization

ActionKind = Literal[
    "create",
    "update",
    "delete",
    "add_member",
    "remove_member",
    "set_role",
    "invite",
    "revoke_invitation",
]
Outcome = Literal["planned", "applied", "failed", "skipped", "unknown"]
Key = Literal["slug", "name"]
ACTION_KINDS: tuple[ActionKind, ...] = get_args(ActionKind)
DEFAULT_ROLE = "org:member"


@attrs.frozen
class DesiredMember:
    """Someone who should be a member of the organization, with this role.

    Named by ``user_id``, or by ``email_address`` for someone who may not have a Clerk
    account yet: a sync with ``sync_invitations=True`` then keeps a pending invitation for
    that address with the role, unless a member already signs in with it.
    """

    user_id: str | None = None
    role: str = DEFAULT_ROLE
    email_address: str | None = attrs.field(default=None, kw_only=True)

    @property
    def name(self) -> str:
        """How the member is named: the user ID, else the email address."""
        return self.user_id or self.email_address or ""

    def to_dict(self) -> dict[str, str]:
        """JSON-ready data."""
        if self.user_id is None and self.email_address is not None:
            return {"email_address": self.email_address, "role": self.role}
        return {"user_id": self.user_id or "", "role": self.role}


@attrs.frozen(kw_only=True)
class DesiredOrganization:
    """An organization as it should be; a field left ``None`` is not managed.

    ``max_allowed_memberships``, the metadata and ``members`` set to ``None`` keep whatever
    Clerk has (Clerk's defaults on create). Metadata given is the whole value: keys absent
    from it are removed. ``members`` given is the whole list: other members are removed.
    """

    slug: str
    name: str
    max_allowed_memberships: int | None = None
    public_metadata: dict[str, Any] | None = None
    private_metadata: dict[str, Any] | None = None
    members: list[DesiredMember] | None = None

    @classmethod
    def from_organization(
        cls, org: Organization, members: list[DesiredMember] | None = None
    ) -> DesiredOrganization:
        """The desired record that keeps ``org`` exactly as it is."""
        return cls(
            slug=org.slug,
            name=org.name,
            max_allowed_memberships=org.max_allowed_memberships,
            public_metadata=org.public_metadata,
            private_metadata=org.private_metadata,
            members=members,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data; the fields left ``None`` are omitted."""
        data: dict[str, Any] = {"slug": self.slug, "name": self.name}
        for field in ("max_allowed_memberships", "public_metadata", "private_metadata"):
            value = getattr(self, field)
            if value is not None:
                data[field] = value
        if self.members is not None:
            data["members"] = [member.to_dict() for member in self.members]
        return data

    @classmethod
    def from_dict(cls, data: Any) -> DesiredOrganization:
        """Read what ``to_dict`` wrote (from JSON), checking each field's type.

        Raises:
            ValueError: a field is missing, unknown or of the wrong type.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(unknown)}")
        members = data.get("members")
        return cls(
            slug=_typed(data, "slug", str, required=True),
            name=_typed(data, "name", str, required=True),
            max_allowed_memberships=_typed(data, "max_allowed_memberships", int),
            public_metadata=_typed(data, "public_metadata", dict),
            private_metadata=_typed(data, "private_metadata", dict),
            members=None if members is None else _members(members),
        )


_FIELDS = frozenset(attrs.fields_dict(DesiredOrganization))


def _typed(data: Mapping[str, Any], field: str, kind: type, *, required: bool = False) -> Any:
    value = data.get(field)
    if value is None:
        if required:
            raise ValueError(f"{field!r} is required")
        return None
    # bool is an int in Python, never in JSON's eyes.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{field!r} must be {_JSON_NAMES[kind]}, got {value!r}")
    return value


_JSON_NAMES = {str: "a string", int: "an integer", dict: "a JSON object"}


def _members(raw: Any) -> list[DesiredMember]:
    if not isinstance(raw, list):
        raise ValueError(f"'members' must be a list, got {raw!r}")
    members = []
    for item in raw:
        names = [k for k in ("user_id", "email_address") if isinstance(item, Mapping) and k in item]
        if len(names) != 1 or not isinstance(item[names[0]], str):
            raise ValueError(
                f"each member is an object with a 'user_id' or an 'email_address', got {item!r}"
            )
        role = item.get("role", DEFAULT_ROLE)
        if not isinstance(role, str) or set(item) - {names[0], "role"}:
            raise ValueError(f"a member has only {names[0]!r} and a string 'role', got {item!r}")
        if names[0] == "user_id":
            members.append(DesiredMember(item["user_id"], role))
        else:
            members.append(DesiredMember(role=role, email_address=item["email_address"]))
    return members


Change = tuple[Any, Any]
"""A field's (current, desired) values; ``None`` stands for absent."""


@attrs.frozen(kw_only=True)
class SyncAction:
    """One write of the plan, and what became of it.

    Attributes:
        kind: ``create``, ``update``, ``delete``, ``add_member``, ``remove_member``,
            ``set_role``, ``invite``, ``revoke_invitation``.
        key: the organization's key (its slug, or its name with ``key="name"``).
        changes: field -> (current, desired); for member and invitation actions the field
            is ``role``.
        organization_id: None for an organization not created yet.
        user_id: the member, for member actions.
        email_address: the address, for invitation actions.
        invitation_id: the pending invitation a ``revoke_invitation`` revokes.
        outcome: ``planned`` (dry run), ``applied``, ``failed``, ``skipped`` (an
            earlier write of the same organization failed), or ``unknown`` (the sync was
            cancelled while this write was in flight; only ``on_action`` sees it).
        error: why it failed.
    """

    kind: ActionKind
    key: str
    changes: Mapping[str, Change] = attrs.field(factory=dict)
    organization_id: str | None = None
    user_id: str | None = None
    email_address: str | None = None
    invitation_id: str | None = None
    outcome: Outcome = "planned"
    error: ClerkError | None = attrs.field(default=None, eq=False)

    @property
    def member(self) -> str:
        """Who the action is about: the user ID or the email address (empty otherwise)."""
        return self.user_id or self.email_address or ""


@attrs.frozen(kw_only=True)
class SyncFailure:
    """A failed write, or (``action`` None) an organization none of whose writes were sent:
    its members could not be read, or its record was refused (a person named twice)."""

    key: str
    error: ClerkError = attrs.field(eq=False)
    action: SyncAction | None = None


@attrs.frozen(kw_only=True)
class SyncReport:
    """What a sync planned and did.

    ``actions`` lists every planned write in input order (deletes first), each with its
    outcome; ``failures`` the ones that failed with their errors; ``counts`` the number of
    actions of each kind. An in-sync run has no actions.
    """

    actions: list[SyncAction]
    failures: list[SyncFailure]
    dry_run: bool = False
    requests: RequestCounts = attrs.field(factory=RequestCounts, eq=False)
    """The requests the sync sent: reads, writes and retries."""

    @property
    def counts(self) -> dict[ActionKind, int]:
        """The number of actions of each kind (every kind, 0 included)."""
        found = Counter(action.kind for action in self.actions)
        return {kind: found[kind] for kind in ACTION_KINDS}

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures


class InvalidDesiredStateError(InvalidRequestError):
    """The desired records were refused before any request was sent.

    ``problems`` holds ``(index, message)`` pairs, ``index`` counting records from 0.
    """

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        shown = "; ".join(f"record {i + 1}: {message}" for i, message in problems[:10])
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(f"{len(problems)} problem(s) in the desired organizations: {shown}{more}")
