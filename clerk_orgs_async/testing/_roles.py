"""The instance's organization roles and permissions, with Clerk's rules; no I/O.

Clerk seeds every instance with the system permissions (``org:sys_*``) and two default roles:
``org:admin`` (every system permission; the creator role, given to an organization's creator)
and ``org:member`` (read members; the default role of domain enrollment). Memberships and
invitations name a role by its key; a role's permissions are what its members get.

The error codes are Clerk's own, from its Go ``apierror`` package (public in
``alexisintech/scalar-script``, ``api/apierror/organizations.go``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from clerk_orgs_async.testing._changes import Changes
from clerk_orgs_async.testing._errors import ClerkAPIError, param_invalid
from clerk_orgs_async.testing._ids import new_id
from clerk_orgs_async.testing._listing import parse_order
from clerk_orgs_async.testing._snapshot import SnapshotCheck, field, ids, records, refer

ADMIN = "org:admin"
MEMBER = "org:member"
MAX_CUSTOM_ROLES = 10
"""Clerk's documented limit of custom organization roles per instance."""
MAX_LENGTH = 256
"""The longest name or key of a role or permission (Clerk documents none; as organizations)."""
SYSTEM_PERMISSIONS = (
    ("org:sys_profile:manage", "Manage organization", "Permission to manage an organization."),
    ("org:sys_profile:delete", "Delete organization", "Permission to delete an organization."),
    ("org:sys_memberships:read", "Read members", "Permission to read the members of an org."),
    ("org:sys_memberships:manage", "Manage members", "Permission to manage the members."),
    ("org:sys_domains:read", "Read domains", "Permission to read the domains of an org."),
    ("org:sys_domains:manage", "Manage domains", "Permission to manage the domains."),
)
CREATOR_PERMISSIONS = frozenset(
    {"org:sys_memberships:manage", "org:sys_memberships:read", "org:sys_profile:delete"}
)
"""What Clerk's docs require of a creator role (``is_creator_eligible``)."""
# Key -> name, description, granted system permissions (``None``: all of them).
_DEFAULT_ROLES: dict[str, tuple[str, str | None, tuple[str, ...] | None]] = {
    ADMIN: ("Admin", "Offers full access to organization resources.", None),
    MEMBER: (
        "Member",
        "Offers limited access to organization resources.",
        ("org:sys_memberships:read",),
    ),
}
_ROLE_KEY = re.compile(r"org:[a-z0-9_]+")
_PERMISSION_KEY = re.compile(r"org:[a-z0-9_]+:[a-z0-9_]+")
ROLE_SORT_FIELDS = ("created_at", "name", "key")


@attrs.define(kw_only=True, eq=False)
class PermissionRecord:
    """An organization permission; ``system`` ones (``org:sys_*``) cannot change."""

    id: str
    seq: int
    key: str
    name: str
    description: str
    system: bool
    created_at: int
    updated_at: int


@attrs.define(kw_only=True, eq=False)
class RoleRecord:
    """An organization role: a key members carry and the permissions it grants."""

    id: str
    seq: int
    key: str
    name: str
    description: str | None
    permission_ids: list[str]
    created_at: int
    updated_at: int


def role_name(key: str) -> str:
    """The name a role seeded by key alone gets: ``org:billing_manager``, ``Billing Manager``."""
    return key.removeprefix("org:").replace("_", " ").title()


def _role_not_found() -> ClerkAPIError:
    return ClerkAPIError(
        404,
        "resource_not_found",
        "not found",
        "Organization role not found",
        meta={"param_name": "organization_role_id"},
    )


def _permission_not_found() -> ClerkAPIError:
    return ClerkAPIError(
        404, "resource_not_found", "not found", "Organization permission not found"
    )


def _role_error(code: str, message: str, long_message: str) -> ClerkAPIError:
    return ClerkAPIError(422, code, message, long_message)


def _key_taken(what: str) -> ClerkAPIError:
    return ClerkAPIError(
        422,
        "form_identifier_exists",
        "That key is taken.",
        f"An organization {what} with this key already exists.",
        meta={"param_name": "key"},
    )


def _check_length(value: str | None, param: str) -> None:
    if value is not None and len(value) > MAX_LENGTH:
        raise ClerkAPIError(
            422,
            "form_param_max_length_exceeded",
            "exceeds maximum length",
            f"{param} should not exceed {MAX_LENGTH} characters.",
            meta={"param_name": param},
        )


def _check_format(key: str, pattern: re.Pattern[str], example: str) -> str:
    _check_length(key, "key")
    if not pattern.fullmatch(key):
        raise ClerkAPIError(
            422,
            "form_param_format_invalid",
            "is invalid",
            f"key must look like {example}: 'org:' then lowercase letters, digits or '_'.",
            meta={"param_name": "key"},
        )
    return key


class RoleCatalog:
    """The roles and permissions of one instance.

    Args:
        keys: the role keys to seed; ``org:admin`` and ``org:member`` get Clerk's defaults,
            any other key becomes a custom role without permissions.
        clock: the current Unix time in milliseconds.
        changes: where each change is reported (``role.created``, ``.updated``, ``.deleted`` and
            ``permission.*``).
    """

    def __init__(
        self, keys: Sequence[str], clock: Callable[[], int], changes: Changes | None = None
    ) -> None:
        if ADMIN not in keys:
            raise ValueError(f"the roles must include {ADMIN!r}, Clerk's creator role")
        self._seed_keys = tuple(keys)
        self._clock = clock
        self._changes = changes or Changes()
        self.seed()

    def seed(self) -> None:
        """Start over with the system permissions and the roles given at construction."""
        self._seq = itertools.count()
        self._roles: dict[str, RoleRecord] = {}
        self._ids_by_key: dict[str, str] = {}
        self._permissions: dict[str, PermissionRecord] = {}
        now = self._clock()
        for permission in SYSTEM_PERMISSIONS:
            self._add_permission(*permission, system=True, now=now)
        system = {p.key: p.id for p in self._permissions.values()}
        for key in self._seed_keys:
            # A key other than the defaults is a custom role with no permissions.
            name, description, granted = _DEFAULT_ROLES.get(key, (role_name(key), None, ()))
            ids = list(system.values()) if granted is None else [system[k] for k in granted]
            self._add_role(key, name, description, ids, now=now)
        self.creator_role_id = self.by_key(ADMIN).id
        member = self._by_key(MEMBER)
        self.domain_default_role_id = None if member is None else member.id

    # Lookups

    def __contains__(self, key: object) -> bool:
        return key in self._ids_by_key

    def __iter__(self) -> Iterator[RoleRecord]:
        return iter(self._roles.values())

    def _by_key(self, key: str) -> RoleRecord | None:
        role_id = self._ids_by_key.get(key)
        return None if role_id is None else self._roles[role_id]

    def by_key(self, key: str) -> RoleRecord:
        """The role with this key (memberships and invitations name roles by key)."""
        role = self._by_key(key)
        if role is None:
            raise _role_not_found()
        return role

    @property
    def creator_role_key(self) -> str:
        """The key of the role an organization's creator gets."""
        return self._roles[self.creator_role_id].key

    def role(self, role_id: str) -> RoleRecord:
        """The role with this ID, or Clerk's 404."""
        try:
            return self._roles[role_id]
        except KeyError:
            raise _role_not_found() from None

    def permission(self, permission_id: str) -> PermissionRecord:
        """The permission with this ID, or Clerk's 404."""
        try:
            return self._permissions[permission_id]
        except KeyError:
            raise _permission_not_found() from None

    def permission_keys(self, role_key: str) -> list[str]:
        """The keys of the permissions a member with this role has."""
        return [self._permissions[p].key for p in self.by_key(role_key).permission_ids]

    def is_creator_eligible(self, role: RoleRecord) -> bool:
        """Whether the role holds what Clerk requires of a creator role."""
        return {self._permissions[p].key for p in role.permission_ids} >= CREATOR_PERMISSIONS

    # Roles

    def _add_role(
        self, key: str, name: str, description: str | None, permission_ids: list[str], *, now: int
    ) -> RoleRecord:
        role = RoleRecord(
            id=new_id("role"),
            seq=next(self._seq),
            key=key,
            name=name,
            description=description,
            permission_ids=permission_ids,
            created_at=now,
            updated_at=now,
        )
        self._roles[role.id] = role
        self._ids_by_key[key] = role.id
        return role

    def _permission_ids(self, ids: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(self.permission(p).id for p in ids))

    def create_role(
        self,
        *,
        name: str,
        key: str,
        description: str | None = None,
        permissions: Sequence[str] | None = None,
    ) -> RoleRecord:
        """Create a custom role; its key is unique and shaped ``org:name``."""
        _check_length(name, "name")
        _check_format(key, _ROLE_KEY, "org:billing")
        if key in self:
            raise _key_taken("role")
        ids = self._permission_ids(permissions or ())
        # The default roles can never be deleted (they are the creator and domain roles).
        defaults = 1 + (self.domain_default_role_id is not None)
        if len(self._roles) - defaults >= MAX_CUSTOM_ROLES:
            raise ClerkAPIError(
                403,
                "organization_instance_roles_quota_exceeded",
                "organization roles for instance quota exceeded",
                f"You have reached your limit of {MAX_CUSTOM_ROLES} organization roles per"
                " instance.",
            )
        role = self._add_role(key, name, description, ids, now=self._clock())
        self._changes.emit("role.created", role)
        return role

    def update_role(
        self,
        role_id: str,
        *,
        name: str | None = None,
        key: str | None = None,
        description: str | None = None,
        permissions: Sequence[str] | None = None,
    ) -> tuple[RoleRecord, str]:
        """Change the given fields; return the role and its key before the change."""
        role = self.role(role_id)
        old_key = role.key
        _check_length(name, "name")
        if key is not None and key != role.key:
            _check_format(key, _ROLE_KEY, "org:billing")
            if key in self:
                raise _key_taken("role")
        ids = None if permissions is None else self._permission_ids(permissions)
        if ids is not None:
            self._keep_creator_eligible(role, ids)
        if name is not None:
            role.name = name
        if key is not None:
            del self._ids_by_key[role.key]
            self._ids_by_key[key] = role.id
            role.key = key
        if description is not None:
            role.description = description
        if ids is not None:
            role.permission_ids = ids
        role.updated_at = self._clock()
        self._changes.emit("role.updated", role)
        return role, old_key

    def check_deletable(
        self, role_id: str, *, members: int, pending_invitations: int
    ) -> RoleRecord:
        """Refuse, with Clerk's codes, to delete a role in use; return the role."""
        role = self.role(role_id)
        if role.id == self.creator_role_id:
            raise _role_error(
                "organization_role_default_creator_role",
                "role is used as the creator role",
                "The organization role cannot be deleted as it is currently used as the creator"
                " role.",
            )
        if role.id == self.domain_default_role_id:
            raise _role_error(
                "organization_role_domain_default_role",
                "role is used as the domain default role",
                "The organization role cannot be deleted as it is currently used as the default"
                " domain role.",
            )
        if members:
            raise _role_error(
                "organization_role_assigned_members",
                "role is assigned to organization members",
                "The organization role is currently assigned to one or more organization members.",
            )
        if pending_invitations:
            raise _role_error(
                "organization_role_exists_in_invitations",
                "role exists in pending organization invitations",
                "The organization role exists in one or more pending organization invitations."
                " Please revoke these invitations to proceed.",
            )
        return role

    def delete_role(self, role_id: str) -> RoleRecord:
        """Remove a role (after :meth:`check_deletable`)."""
        role = self._roles.pop(role_id)
        del self._ids_by_key[role.key]
        self._changes.emit("role.deleted", role)
        return role

    def assign_permission(self, role_id: str, permission_id: str) -> RoleRecord:
        """Grant a permission to a role; 409 if it already has it."""
        role, permission = self.role(role_id), self.permission(permission_id)
        if permission.id in role.permission_ids:
            raise ClerkAPIError(
                409,
                "organization_role_permission_association_exists",
                "permission already assigned to role",
                "This organization permission is already associated to this organization role.",
            )
        role.permission_ids.append(permission.id)
        role.updated_at = self._clock()
        self._changes.emit("role.updated", role)
        return role

    def remove_permission(self, role_id: str, permission_id: str) -> RoleRecord:
        """Take a permission from a role; the creator role keeps what it needs."""
        role, permission = self.role(role_id), self.permission(permission_id)
        if permission.id not in role.permission_ids:
            raise ClerkAPIError(
                404,
                "organization_role_permission_association_not_found",
                "permission not assigned to role",
                "This organization permission is not associated with the organization role.",
            )
        remaining = [p for p in role.permission_ids if p != permission.id]
        self._keep_creator_eligible(role, remaining)
        role.permission_ids = remaining
        role.updated_at = self._clock()
        self._changes.emit("role.updated", role)
        return role

    def _keep_creator_eligible(self, role: RoleRecord, permission_ids: Sequence[str]) -> None:
        if role.id != self.creator_role_id:
            return
        missing = CREATOR_PERMISSIONS - {self._permissions[p].key for p in permission_ids}
        if missing:
            raise _role_error(
                "organization_missing_creator_role_permissions",
                "missing permissions for creator role",
                "The creator role must contain the following permissions: "
                + ", ".join(sorted(missing)),
            )

    def add_missing(self, keys: Iterable[str]) -> None:
        """Seed custom roles for keys records name but the catalog lacks (old state files)."""
        now = self._clock()
        for key in dict.fromkeys(keys):
            if key not in self:
                self._add_role(key, role_name(key), None, [], now=now)

    # Permissions

    def _add_permission(
        self, key: str, name: str, description: str, *, system: bool, now: int
    ) -> PermissionRecord:
        permission = PermissionRecord(
            id=new_id("perm"),
            seq=next(self._seq),
            key=key,
            name=name,
            description=description,
            system=system,
            created_at=now,
            updated_at=now,
        )
        self._permissions[permission.id] = permission
        return permission

    def _check_permission_key(self, key: str, current: PermissionRecord | None) -> str:
        _check_format(key, _PERMISSION_KEY, "org:billing:manage")
        if key.startswith("org:sys_"):
            raise param_invalid("key", "the org:sys_ prefix is reserved for system permissions")
        if any(p.key == key and p is not current for p in self._permissions.values()):
            raise _key_taken("permission")
        return key

    def create_permission(self, *, name: str, key: str, description: str = "") -> PermissionRecord:
        """Create a custom permission shaped ``org:feature:action``."""
        _check_length(name, "name")
        self._check_permission_key(key, None)
        permission = self._add_permission(key, name, description, system=False, now=self._clock())
        self._changes.emit("permission.created", permission)
        return permission

    def _custom(self, permission_id: str) -> PermissionRecord:
        permission = self.permission(permission_id)
        if permission.system:
            raise ClerkAPIError(
                403,
                "organization_system_permission_not_modifiable",
                "organization system permission cannot be modified",
                "This organization permission cannot be modified because it is a system"
                " permission.",
            )
        return permission

    def update_permission(
        self,
        permission_id: str,
        *,
        name: str | None = None,
        key: str | None = None,
        description: str | None = None,
    ) -> PermissionRecord:
        """Change a custom permission's given fields."""
        permission = self._custom(permission_id)
        _check_length(name, "name")
        if key is not None:
            self._check_permission_key(key, permission)
            permission.key = key
        if name is not None:
            permission.name = name
        if description is not None:
            permission.description = description
        permission.updated_at = self._clock()
        self._changes.emit("permission.updated", permission)
        return permission

    def delete_permission(self, permission_id: str) -> PermissionRecord:
        """Delete a custom permission; the roles holding it lose it."""
        permission = self._custom(permission_id)
        del self._permissions[permission_id]
        for role in self._roles.values():
            if permission_id in role.permission_ids:
                role.permission_ids.remove(permission_id)
        self._changes.emit("permission.deleted", permission)
        return permission

    # Listing and persistence

    def list_roles(self, query: str | None, order_by: str) -> list[RoleRecord]:
        """Roles matching ``query`` (exact ID, partial name or key), in ``order_by``."""
        return _listed(self._roles.values(), query, order_by)

    def list_permissions(self, query: str | None, order_by: str) -> list[PermissionRecord]:
        """Permissions matching ``query`` (exact ID, partial name or key), in ``order_by``."""
        return _listed(self._permissions.values(), query, order_by)

    def snapshot(self) -> dict[str, Any]:
        """The catalog as JSON-ready data."""
        return {
            "permissions": [attrs.asdict(p) for p in self._permissions.values()],
            "roles": [attrs.asdict(r) for r in self._roles.values()],
            "creator_role_id": self.creator_role_id,
            "domain_default_role_id": self.domain_default_role_id,
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the catalog with one saved by :meth:`snapshot`."""
        self._permissions = {
            p.id: p for p in (PermissionRecord(**raw) for raw in snapshot["permissions"])
        }
        self._roles = {r.id: r for r in (RoleRecord(**raw) for raw in snapshot["roles"])}
        self._ids_by_key = {r.key: r.id for r in self._roles.values()}
        self.creator_role_id = snapshot["creator_role_id"]
        self.domain_default_role_id = snapshot["domain_default_role_id"]
        seqs = [r.seq for r in self._roles.values()] + [p.seq for p in self._permissions.values()]
        self._seq = itertools.count(max(seqs, default=-1) + 1)


def _listed(records: Iterable[Any], query: str | None, order_by: str) -> list[Any]:
    field, descending = parse_order(order_by, ROLE_SORT_FIELDS)
    found = list(records)
    if query:
        needle = query.lower()
        found = [r for r in found if r.id == query or needle in r.name.lower() or needle in r.key]
    if field == "name":
        found.sort(key=lambda r: (r.name.casefold(), r.seq), reverse=descending)
    else:
        found.sort(key=lambda r: (getattr(r, field), r.seq), reverse=descending)
    return found


def check_snapshot(check: SnapshotCheck) -> None:
    """Check a data file's ``roles_and_permissions`` (version 2 on; see ``_snapshot``)."""
    if check.version < 2:
        return
    catalog = field(check.snapshot, "roles_and_permissions", dict)
    permissions = ids(records(catalog, "permissions", PermissionRecord), "permissions")
    role_ids = ids(records(catalog, "roles", RoleRecord), "roles")
    for n, role in enumerate(catalog["roles"]):
        for permission_id in role["permission_ids"]:
            if permission_id not in permissions:
                raise ValueError(f"roles[{n}].permission_ids: no permission {permission_id!r}")
    refer([catalog], "roles_and_permissions", "creator_role_id", role_ids)
    if catalog.get("domain_default_role_id") is not None:
        refer([catalog], "roles_and_permissions", "domain_default_role_id", role_ids)
