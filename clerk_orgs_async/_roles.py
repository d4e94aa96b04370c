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
    """The role endpoints, as ``clerk.organization_roles``.

    Besides what each method lists, every call may raise the errors of any request:
    ``RateLimitError``, ``ServerError``, ``AuthenticationError`` (``clerk_key_invalid``),
    ``APIConnectionError``, ``APITimeoutError`` and ``ClientClosedError``.
    """

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
        """The instance's roles, each with its permissions, newest first.

        Args:
            query: a partial match on the role's name or key.
            order_by: ``created_at``, ``name`` or ``key`` with ``+``/``-`` (default
                ``-created_at``).
            limit: the size of one page, 1..500.
            offset: where the first page starts.
            max_items: stop iterating after this many.
            prefetch: when iterating, keep this many further pages in flight.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``Paginator[OrganizationRole]``; nothing is sent until it is awaited or iterated.

        Raises:
            InvalidRequestError: a bad ``limit``, ``offset`` or type, before any I/O.
        """
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

        If the answer is lost, the role is looked up by key and returned only if this call
        made it.

        Args:
            name: the role's name (at most 256 characters).
            key: ``org:`` then lowercase letters, digits and ``_``.
            description: what the role is for.
            permissions: the IDs of its permissions.
            include_in_initial_role_set: whether new organizations' role sets include it.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The new ``OrganizationRole``.

        Raises:
            InvalidRequestError: a key other than ``org:`` then lowercase letters, digits and
                ``_``; nothing was sent.
            UnprocessableEntityError: the key is taken (``form_identifier_exists``), or a name
                or key is too long (``form_param_max_length_exceeded``).
            NotFoundError: a permission ID that does not exist (``resource_not_found``).

        Example:
            ```python
            role = await clerk.organization_roles.create(
                name="Billing", key="org:billing", permissions=[permission.id]
            )
            ```
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
        """One role.

        Args:
            role_id: the role's ID (``role_…``).
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``OrganizationRole``, with its permissions.

        Raises:
            NotFoundError: no such role (``resource_not_found``).
        """
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
        """Change a role; ``permissions`` (IDs) given replaces the whole set.

        A key that changes follows to the memberships and invitations carrying it.

        Args:
            role_id: the role's ID.
            name: a new name.
            key: a new key.
            description: a new description.
            permissions: the IDs of its permissions, the whole set.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The updated ``OrganizationRole``.

        Raises:
            NotFoundError: no such role or permission (``resource_not_found``).
            UnprocessableEntityError: the new key is taken (``form_identifier_exists``).
        """
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
        """Delete a custom role; Clerk refuses one that members or invitations still hold.

        Args:
            role_id: the role's ID.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``DeletedObject`` with the role's ID.

        Raises:
            NotFoundError: no such role (``resource_not_found``).
            UnprocessableEntityError: the role is in use (``organization_role_assigned_members``,
                ``organization_role_exists_in_invitations``), or it is the creator or domain
                default role (``organization_role_default_creator_role``,
                ``organization_role_domain_default_role``).
        """
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

        Args:
            role_id: the role's ID.
            permission_id: the permission's ID.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``OrganizationRole`` with the permission.

        Raises:
            NotFoundError: no such role or permission (``resource_not_found``).
            ConflictError: the role has it already
                (``organization_role_permission_association_exists``).
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
        attempt whose answer was lost) returns the role as it now is.

        Args:
            role_id: the role's ID.
            permission_id: the permission's ID.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``OrganizationRole`` without the permission.

        Raises:
            NotFoundError: no such role or permission (``resource_not_found``), or the role
                does not hold it (``organization_role_permission_association_not_found``).
        """

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
    """The permission endpoints, as ``clerk.organization_permissions``.

    Besides what each method lists, every call may raise the errors of any request:
    ``RateLimitError``, ``ServerError``, ``AuthenticationError`` (``clerk_key_invalid``),
    ``APIConnectionError``, ``APITimeoutError`` and ``ClientClosedError``.
    """

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

        Args:
            query: a partial match on the permission's name or key.
            order_by: ``created_at``, ``name`` or ``key`` with ``+``/``-``.
            limit: the size of one page, 1..500.
            offset: where the first page starts.
            max_items: stop iterating after this many.
            prefetch: when iterating, keep this many further pages in flight.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``Paginator[OrganizationPermission]``; nothing is sent until it is awaited or
            iterated.

        Raises:
            InvalidRequestError: a bad ``limit``, ``offset`` or type, before any I/O.
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
        """Create a permission; ``key`` is ``org:<feature>:<permission>``.

        If the answer is lost, the permission is looked up by key and returned only if this
        call made it.

        Args:
            name: the permission's name (at most 256 characters).
            key: ``org:<feature>:<action>``, not under the reserved ``org:sys_``.
            description: what it allows.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The new ``OrganizationPermission``.

        Raises:
            InvalidRequestError: a key of another shape, or under ``org:sys_``; nothing was
                sent.
            UnprocessableEntityError: the key is taken (``form_identifier_exists``).

        Example:
            ```python
            permission = await clerk.organization_permissions.create(
                name="Read invoices", key="org:invoices:read"
            )
            ```
        """
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
        """One permission.

        Args:
            permission_id: the permission's ID (``perm_…``).
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``OrganizationPermission``.

        Raises:
            NotFoundError: no such permission (``resource_not_found``).
        """
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
        """Change a custom permission (Clerk refuses to change a system one).

        Args:
            permission_id: the permission's ID.
            name: a new name.
            key: a new key, ``org:<feature>:<action>``.
            description: a new description.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The updated ``OrganizationPermission``.

        Raises:
            NotFoundError: no such permission (``resource_not_found``).
            PermissionDeniedError: a system permission
                (``organization_system_permission_not_modifiable``).
            UnprocessableEntityError: the new key is taken (``form_identifier_exists``).
        """
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
        """Delete a custom permission; roles that held it lose it.

        Args:
            permission_id: the permission's ID.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``DeletedObject`` with the permission's ID.

        Raises:
            NotFoundError: no such permission (``resource_not_found``).
            PermissionDeniedError: a system permission
                (``organization_system_permission_not_modifiable``).
        """
        return await self._request(
            "DELETE",
            PERMISSION,
            _deleted,
            ids={"permission_id": permission_id},
            timeout=timeout,
            retry=retry,
            gone=deleted("permission", permission_id),
        )
