"""``clerk.organization_roles`` and ``clerk.organization_permissions``: the instance's roles
and permissions, which memberships and invitations refer to by key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from . import _rules as rules
from ._pagination import Paginator
from ._resource import Listing, Lookup, Paging, Resource, Retries, Timeouts, deleted
from ._retry import Recovery
from ._sansio import json_body
from ._serialization import structurer
from ._unset import UNSET, Unset
from .models import DeletedObject, OrganizationPermission, OrganizationRole

K = TypeVar("K", OrganizationRole, OrganizationPermission)

_role = structurer(OrganizationRole)
_roles = structurer(list[OrganizationRole])
_permission = structurer(OrganizationPermission)
_permissions = structurer(list[OrganizationPermission])
_deleted = structurer(DeletedObject)

ROLE = "/organization_roles/{organization_role_id}"
PERMISSION = "/organization_permissions/{permission_id}"
_ROLES = Listing("/organization_roles", _roles, "organization_roles.list")
_PERMISSIONS = Listing("/organization_permissions", _permissions, "organization_permissions.list")


def _by_key(
    paginator: Callable[..., Paginator[K]], key: str
) -> Callable[[Lookup], Awaitable[K | Recovery]]:
    """The lookup of a create: the object with ``key`` (unique), if this call created it."""

    async def recover(lookup: Lookup) -> K | Recovery:
        page = await paginator(query=key, limit=50, timeout=lookup.timeout, retry=lookup.retry)
        for item in page.data:
            if item.key == key:
                ours = lookup.made_by_this_call(item.created_at, item.id)
                if ours is None:
                    return Recovery.UNKNOWN
                return item if ours else Recovery.NOT_APPLIED
        return Recovery.NOT_APPLIED

    return recover


def _permission_ids(values: Iterable[str] | Unset) -> list[str] | Unset:
    if values is UNSET:
        return UNSET
    return rules.strings(values, "permissions") or []


class OrganizationRolesAPI(Resource):
    """The role endpoints, as ``clerk.organization_roles``."""

    def list(
        self,
        *,
        query: str | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Paginator[OrganizationRole]:
        """The instance's roles, each with its permissions, newest first."""
        filters = {
            "query": rules.string(query, "query"),
            "order_by": rules.string(order_by, "order_by") or "-created_at",
        }
        paging = Paging(limit=limit, offset=offset, max_items=max_items, prefetch=prefetch)
        return self._list(_ROLES, filters, paging, timeout, retry)

    async def create(
        self,
        *,
        name: str,
        key: str,
        description: str | None | Unset = UNSET,
        permissions: Iterable[str] | Unset = UNSET,
        include_in_initial_role_set: bool | None | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationRole:
        """Create a role; ``permissions`` are permission IDs (``perm_…``).

        Raises:
            InvalidRequestError: a key other than ``org:`` then lowercase letters, digits and
                ``_``.
        """
        body = json_body(
            {
                "name": rules.name(rules.string(name, "name", nullable=False)),
                "key": rules.new_role_key(key),
                "description": rules.string(description, "description"),
                "permissions": _permission_ids(permissions),
                "include_in_initial_role_set": rules.boolean(
                    include_in_initial_role_set, "include_in_initial_role_set"
                ),
            }
        )
        return await self._request(
            "POST",
            "/organization_roles",
            _role,
            body=body,
            timeout=timeout,
            retry=retry,
            recover=_by_key(self.list, key),
        )

    async def get(
        self, role_id: str, *, timeout: Timeouts = UNSET, retry: Retries = UNSET
    ) -> OrganizationRole:
        """One role."""
        return await self._request(
            "GET", ROLE, _role, ids={"organization_role_id": role_id}, timeout=timeout, retry=retry
        )

    async def update(
        self,
        role_id: str,
        *,
        name: str | Unset = UNSET,
        key: str | Unset = UNSET,
        description: str | None | Unset = UNSET,
        permissions: Iterable[str] | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationRole:
        """Change a role; ``permissions`` (IDs) given replaces the whole set."""
        body = json_body(
            {
                "name": rules.name(rules.string(name, "name", nullable=False)),
                "key": UNSET if key is UNSET else rules.new_role_key(key),
                "description": rules.string(description, "description"),
                "permissions": _permission_ids(permissions),
            }
        )
        return await self._request(
            "PATCH",
            ROLE,
            _role,
            ids={"organization_role_id": role_id},
            body=body,
            timeout=timeout,
            retry=retry,
        )

    async def delete(
        self, role_id: str, *, timeout: Timeouts = UNSET, retry: Retries = UNSET
    ) -> DeletedObject:
        """Delete a custom role; Clerk refuses one that members or invitations still hold."""
        return await self._request(
            "DELETE",
            ROLE,
            _deleted,
            ids={"organization_role_id": role_id},
            timeout=timeout,
            retry=retry,
            gone=deleted("role", role_id),
        )

    async def assign_permission(
        self,
        role_id: str,
        permission_id: str,
        *,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationRole:
        """Give a role one more permission; 409 ``ConflictError`` if it has it already.

        If the answer is lost, the role is read back: changed by this call and holding the
        permission, it is returned; otherwise the request is retried.
        """

        async def recover(lookup: Lookup) -> OrganizationRole | Recovery:
            role = await self.get(role_id, timeout=lookup.timeout, retry=lookup.retry)
            ours = lookup.made_by_this_call(role.updated_at)
            if ours is None:
                return Recovery.UNKNOWN
            held = any(p.id == permission_id for p in role.permissions)
            return role if ours and held else Recovery.NOT_APPLIED

        return await self._request(
            "POST",
            ROLE + "/permissions/{permission_id}",
            _role,
            ids={"organization_role_id": role_id, "permission_id": permission_id},
            timeout=timeout,
            retry=retry,
            recover=recover,
        )

    async def remove_permission(
        self,
        role_id: str,
        permission_id: str,
        *,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationRole:
        """Take a permission from a role; a retry that finds it already taken (by the
        attempt whose answer was lost) returns the role as it now is."""

        async def gone(lookup: Lookup) -> OrganizationRole:
            return await self.get(role_id, timeout=lookup.timeout, retry=lookup.retry)

        return await self._request(
            "DELETE",
            ROLE + "/permissions/{permission_id}",
            _role,
            ids={"organization_role_id": role_id, "permission_id": permission_id},
            timeout=timeout,
            retry=retry,
            gone=gone,
        )


class OrganizationPermissionsAPI(Resource):
    """The permission endpoints, as ``clerk.organization_permissions``."""

    def list(
        self,
        *,
        query: str | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Paginator[OrganizationPermission]:
        """The instance's permissions, system (``org:sys_*``) and custom.

        Clerk documents no default order: pass ``order_by="-created_at"`` for a drift-safe
        iteration.
        """
        filters = {
            "query": rules.string(query, "query"),
            "order_by": rules.string(order_by, "order_by"),
        }
        paging = Paging(limit=limit, offset=offset, max_items=max_items, prefetch=prefetch)
        return self._list(_PERMISSIONS, filters, paging, timeout, retry)

    async def create(
        self,
        *,
        name: str,
        key: str,
        description: str | None | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationPermission:
        """Create a permission; ``key`` is ``org:<feature>:<permission>``."""
        body = json_body(
            {
                "name": rules.name(rules.string(name, "name", nullable=False)),
                "key": rules.permission_key(rules.string(key, "key", nullable=False)),
                "description": rules.string(description, "description"),
            }
        )
        return await self._request(
            "POST",
            "/organization_permissions",
            _permission,
            body=body,
            timeout=timeout,
            retry=retry,
            recover=_by_key(self.list, key),
        )

    async def get(
        self, permission_id: str, *, timeout: Timeouts = UNSET, retry: Retries = UNSET
    ) -> OrganizationPermission:
        """One permission."""
        return await self._request(
            "GET",
            PERMISSION,
            _permission,
            ids={"permission_id": permission_id},
            timeout=timeout,
            retry=retry,
        )

    async def update(
        self,
        permission_id: str,
        *,
        name: str | Unset = UNSET,
        key: str | Unset = UNSET,
        description: str | None | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationPermission:
        """Change a custom permission (Clerk refuses to change a system one)."""
        body: dict[str, Any] = {
            "name": rules.name(rules.string(name, "name", nullable=False)),
            "key": rules.permission_key(rules.string(key, "key", nullable=False)),
            "description": rules.string(description, "description"),
        }
        return await self._request(
            "PATCH",
            PERMISSION,
            _permission,
            ids={"permission_id": permission_id},
            body=json_body(body),
            timeout=timeout,
            retry=retry,
        )

    async def delete(
        self, permission_id: str, *, timeout: Timeouts = UNSET, retry: Retries = UNSET
    ) -> DeletedObject:
        """Delete a custom permission; roles that held it lose it."""
        return await self._request(
            "DELETE",
            PERMISSION,
            _deleted,
            ids={"permission_id": permission_id},
            timeout=timeout,
            retry=retry,
            gone=deleted("permission", permission_id),
        )
