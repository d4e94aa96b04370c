"""The console's view of the state: organizations with everything they hold, users, roles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs

from clerk_orgs_async.testing._console._html import Html, Writer, iso_time, join, local_time
from clerk_orgs_async.testing._domains import DomainRecord
from clerk_orgs_async.testing._invitations import InvitationRecord
from clerk_orgs_async.testing._memberships import MembershipRecord
from clerk_orgs_async.testing._organizations import OrganizationQuery, OrganizationRecord
from clerk_orgs_async.testing._state import EmulatorState
from clerk_orgs_async.testing._users import UserRecord

ORGS_PER_PAGE = 20
USERS_PER_PAGE = 25
SHOWN_PER_LIST = 100
"""An organization's members, invitations or domains shown at most; the rest are counted."""

_T = TypeVar("_T")
Link = Callable[..., str]
"""Builds the console's URL with some parameters changed: ``link(page=2)``."""

_ORG = """<li class="org">
<details$open>
<summary>$logo<span class="org-title"><span class="org-name">$name</span>
<code class="slug">$slug</code></span>
<span class="org-meta">$members · <time datetime="$iso">$created</time></span></summary>
<div class="org-body">
<dl class="facts">
<div><dt>ID</dt><dd><code>$id</code></dd></div>
<div><dt>Created by</dt><dd>$created_by</dd></div>
<div><dt>Max members</dt><dd>$max_members</dd></div>
<div><dt>Admin delete</dt><dd>$admin_delete</dd></div>
<div><dt>Pending invitations</dt><dd>$pending</dd></div>
</dl>
$tables<div class="metadata">
<div><h3>Public metadata</h3><pre>$public</pre></div>
<div><h3>Private metadata</h3><pre>$private</pre></div>
</div>
</div>
</details>
</li>
"""


def person(user: UserRecord | None, user_id: str) -> str:
    """A user's name, or their ID when they have none."""
    if user is None:
        return user_id
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return name or user.id


def table(w: Writer, caption: str, headers: Sequence[str], rows: Sequence[Sequence[Html]]) -> Html:
    """A scrollable, captioned table of already escaped cells."""
    head = join(w.fill('<th scope="col">$h</th>', h=h) for h in headers)
    body = join(
        Html("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>") for row in rows
    )
    return w.fill(
        '<div class="scroll" role="region" aria-label="$caption" tabindex="0"><table>'
        '<caption class="visually-hidden">$caption</caption><thead><tr>$head</tr></thead>'
        "<tbody>$body</tbody></table></div>",
        caption=caption,
        head=head,
        body=body,
    )


def _capped(items: Sequence[_T]) -> tuple[Sequence[_T], int]:
    return items[:SHOWN_PER_LIST], max(0, len(items) - SHOWN_PER_LIST)


def _more(w: Writer, hidden: int, what: str) -> Html:
    if not hidden:
        return Html("")
    return w.fill('<p class="more">And $n more $what, not shown.</p>', n=hidden, what=what)


def _code(w: Writer, value: object) -> Html:
    return w.fill("<code>$v</code>", v=value)


def _when(w: Writer, unix_ms: int | None) -> Html:
    if unix_ms is None:
        return Html("—")
    return w.fill(
        '<time datetime="$iso">$text</time>', iso=iso_time(unix_ms), text=local_time(unix_ms)
    )


def _member_row(w: Writer, state: EmulatorState, m: MembershipRecord) -> list[Html]:
    user = state.users.get(m.user_id)
    return [
        w.fill("$name<br><code>$id</code>", name=person(user, m.user_id), id=m.user_id),
        w.text((user.email_address if user else None) or "—"),
        w.fill("$name <code>$key</code>", name=state.roles.by_key(m.role).name, key=m.role),
        _when(w, m.created_at),
    ]


def _invitation_row(w: Writer, state: EmulatorState, i: InvitationRecord) -> list[Html]:
    return [
        w.text(i.email_address),
        _code(w, i.role),
        w.fill('<span class="tag">$s</span>', s=state.invitations.status(i)),
        _when(w, i.expires_at),
    ]


def _domain_row(w: Writer, state: EmulatorState, d: DomainRecord) -> list[Html]:
    return [
        _code(w, d.name),
        w.text(d.enrollment_mode.replace("_", " ")),
        w.text("yes" if d.verified else "no"),
        _when(w, d.ownership_verified_at),
    ]


@attrs.frozen
class OrgList:
    """One of the lists an organization's panel shows: what it holds and how a row reads."""

    title: str
    preposition: str
    what: str
    headers: tuple[str, ...]
    items: Callable[[EmulatorState, OrganizationRecord], Sequence[Any]]
    row: Callable[[Writer, EmulatorState, Any], list[Html]]


ORG_LISTS = (
    OrgList(
        "Members",
        "of",
        "members",
        ("Member", "Email", "Role", "Joined"),
        lambda state, org: state.memberships(org.id),
        _member_row,
    ),
    OrgList(
        "Invitations",
        "to",
        "invitations",
        ("Email", "Role", "Status", "Expires"),
        lambda state, org: state.invitations.matching(org.id),
        _invitation_row,
    ),
    OrgList(
        "Domains",
        "of",
        "domains",
        ("Domain", "Enrollment", "Verified", "Ownership verified"),
        lambda state, org: state.domains.matching(organization_id=org.id),
        _domain_row,
    ),
)
"""An organization's lists, in the order its panel shows them: a new group adds one line."""


class StateView:
    """Renders the state's sections for one page view."""

    def __init__(self, w: Writer, state: EmulatorState, link: Link) -> None:
        self.w = w
        self.state = state
        self.link = link

    def organizations(self, search: str, page: int) -> Html:
        """One page of organizations, newest first, matching ``search`` (name, slug or ID)."""
        w = self.w
        orgs, total = self.state.list_organizations(
            OrganizationQuery(
                query=search or None,
                order_by="-created_at",
                limit=ORGS_PER_PAGE,
                offset=(page - 1) * ORGS_PER_PAGE,
            )
        )
        if orgs:
            first = (page - 1) * ORGS_PER_PAGE + 1
            summary = w.fill(
                "Showing $first to $last of $total, newest first.",
                first=first,
                last=first + len(orgs) - 1,
                total=total,
            )
        elif search:
            summary = w.fill("No organization matches “$search”.", search=search)
        else:
            summary = Html("No organizations on this page." if total else "No organizations yet.")
        items = join(self._organization(org, open_=len(orgs) == 1) for org in orgs)
        return w.fill(
            '<p class="summary" id="org-summary">$summary</p><ol class="orgs">$items</ol>$pager',
            summary=summary,
            items=items,
            pager=self._pager("Organization pages", page, total, ORGS_PER_PAGE, "page"),
        )

    def _organization(self, org: OrganizationRecord, *, open_: bool) -> Html:
        w, state = self.w, self.state
        logo = (
            w.fill(
                '<img class="logo" src="/_console/images/$image" alt="$name logo" '
                'width="40" height="40">',
                image=org.image_id,
                name=org.name,
            )
            if org.image_id is not None
            else w.fill('<span class="logo initial" aria-hidden="true">$i</span>', i=org.name[:1])
        )
        creator = org.created_by
        return w.fill(
            _ORG,
            open=Html(" open" if open_ else ""),
            logo=logo,
            name=org.name,
            slug=org.slug,
            members=f"{org.members_count} member" + ("" if org.members_count == 1 else "s"),
            iso=iso_time(org.created_at),
            created=local_time(org.created_at),
            id=org.id,
            created_by="—" if creator is None else f"{person(state.users.get(creator), creator)}",
            max_members=org.max_allowed_memberships or "unlimited",
            admin_delete="allowed" if org.admin_delete_enabled else "not allowed",
            pending=state.invitations.pending_count(org.id),
            tables=join(self._list(spec, org) for spec in ORG_LISTS),
            public=w.json(org.public_metadata),
            private=w.json(org.private_metadata),
        )

    def _list(self, spec: OrgList, org: OrganizationRecord) -> Html:
        w = self.w
        found, hidden = _capped(spec.items(self.state, org))
        if not found:
            body = w.fill('<p class="none">No $what.</p>', what=spec.what)
        else:
            rows = [spec.row(w, self.state, item) for item in found]
            caption = f"{spec.title} {spec.preposition} {org.name}"
            body = join([table(w, caption, spec.headers, rows), _more(w, hidden, spec.what)])
        return join([w.fill("<h3>$title</h3>\n", title=spec.title), body, Html("\n")])

    def users(self, page: int) -> Html:
        """One page of users, newest first, each with their memberships."""
        w, state = self.w, self.state
        everyone = list(state.users.values())[::-1]
        start = (page - 1) * USERS_PER_PAGE
        shown = everyone[start : start + USERS_PER_PAGE]
        if not shown:
            return Html(
                '<p class="none">No users on this page.</p>'
                if everyone
                else '<p class="none">No users yet: start the emulator with some.</p>'
            )
        rows = []
        for user in shown:
            memberships, hidden = _capped(state.user_memberships(user.id))
            joined = join(
                w.fill(
                    "<li>$org <code>$role</code></li>",
                    org=state.organizations[m.organization_id].name,
                    role=m.role,
                )
                for m in memberships
            )
            rows.append(
                [
                    w.fill("$name<br><code>$id</code>", name=person(user, user.id), id=user.id),
                    w.text(user.email_address or "—"),
                    w.text(user.username or "—"),
                    w.fill(
                        '<ul class="plain">$items</ul>$more',
                        items=joined,
                        more=_more(w, hidden, "memberships"),
                    )
                    if memberships
                    else Html("—"),
                ]
            )
        headers = ("User", "Email", "Username", "Memberships")
        return join(
            [
                table(w, "Table of users", headers, rows),
                self._pager("User pages", page, len(everyone), USERS_PER_PAGE, "users_page"),
            ]
        )

    def roles(self) -> Html:
        """Every role with its permissions, then every permission."""
        w, catalog = self.w, self.state.roles
        role_rows = [
            [
                w.fill("$name<br><code>$key</code>", name=role.name, key=role.key),
                w.fill(
                    '<ul class="plain">$items</ul>',
                    items=join(
                        w.fill("<li><code>$k</code></li>", k=k)
                        for k in catalog.permission_keys(role.key)
                    ),
                )
                if role.permission_ids
                else Html("—"),
                w.text(role.description or "—"),
            ]
            for role in catalog.list_roles(None, "created_at")
        ]
        permission_rows = [
            [_code(w, p.key), w.text(p.name), w.text("system" if p.system else "custom")]
            for p in catalog.list_permissions(None, "created_at")
        ]
        return join(
            [
                table(w, "Table of roles", ("Role", "Permissions", "Description"), role_rows),
                Html('<h3 class="sub">Permissions</h3>'),
                table(w, "Table of permissions", ("Key", "Name", "Kind"), permission_rows),
            ]
        )

    def _pager(self, label: str, page: int, total: int, per_page: int, param: str) -> Html:
        pages = max(1, -(-total // per_page))
        if pages == 1 and page == 1:
            return Html("")
        w = self.w
        previous = (
            w.fill('<a href="$href" rel="prev">Previous</a>', href=self.link(**{param: page - 1}))
            if page > 1
            else Html('<span aria-disabled="true">Previous</span>')
        )
        following = (
            w.fill('<a href="$href" rel="next">Next</a>', href=self.link(**{param: page + 1}))
            if page < pages
            else Html('<span aria-disabled="true">Next</span>')
        )
        return w.fill(
            '<nav class="pager" aria-label="$label">$previous <span>Page $page of $pages</span> '
            "$following</nav>",
            label=label,
            previous=previous,
            page=page,
            pages=pages,
            following=following,
        )
