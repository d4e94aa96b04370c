"""The console's pages: the one page at ``/`` and one request in full, from their URLs."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from importlib import resources
from urllib.parse import urlencode

import attrs

from clerk_orgs_async.testing._console._fault_form import FaultForm
from clerk_orgs_async.testing._console._html import Html, Writer, join
from clerk_orgs_async.testing._console._log_view import ROWS_SHOWN, LogFilter, detail, rows
from clerk_orgs_async.testing._console._state_view import StateView
from clerk_orgs_async.testing._faults import Faults
from clerk_orgs_async.testing._request_log import RequestLog, RequestRecord
from clerk_orgs_async.testing._state import EmulatorState

_TEMPLATES = resources.files(__package__) / "templates"
PAGE, HOME, REQUEST = (
    (_TEMPLATES / name).read_text(encoding="utf-8")
    for name in ("page.html", "home.html", "request.html")
)
NOTICES = {
    "fault-added": "Fault added: it applies to the next matching request.",
    "faults-cleared": "Every fault is cleared: requests are served normally.",
    "reset": "The emulator is reset: no organizations, faults or logged requests; the users stay.",
}
"""The messages a redirect after a form may show, by key (no text from the URL is shown)."""
# Which section a parameter belongs to, so a link that changes it lands there.
_SECTIONS = {"q": "organizations", "page": "organizations", "users_page": "users"}


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or "1"))
    except ValueError:
        return 1


@attrs.frozen(kw_only=True)
class View:
    """What the page at ``/`` shows, from its query string."""

    q: str = ""
    page: int = 1
    users_page: int = 1
    status: str = ""
    path: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> View:
        """Read the parameters; an odd page number reads as the first page."""
        return cls(
            q=query.get("q", "").strip(),
            page=_page_number(query.get("page")),
            users_page=_page_number(query.get("users_page")),
            status=query.get("status", "").strip(),
            path=query.get("path", "").strip(),
        )

    def params(self, **changes: object) -> dict[str, str]:
        """The parameters that differ from the defaults, with ``changes`` applied."""
        changed = attrs.evolve(self, **changes)  # type: ignore[arg-type]
        default = View()
        return {
            field.name: str(getattr(changed, field.name))
            for field in attrs.fields(View)
            if getattr(changed, field.name) != getattr(default, field.name)
        }

    def link(self, **changes: object) -> str:
        """The page's URL with ``changes``, pointing at the section they concern."""
        query = urlencode(self.params(**changes))
        section = next((_SECTIONS[name] for name in changes if name in _SECTIONS), "log")
        return f"/?{query}#{section}" if query else f"/#{section}"

    def hidden(self, w: Writer, *names: str) -> Html:
        """Hidden inputs carrying the parameters ``names``, so one form keeps the others."""
        params = self.params()
        return join(
            w.fill('<input type="hidden" name="$n" value="$v">', n=name, v=params[name])
            for name in names
            if name in params
        )


def matching(log: RequestLog, view: View, *, after: int, limit: int) -> list[RequestRecord]:
    """The newest ``limit`` records after ``after`` that the view's filter keeps, newest first.

    Raises:
        ValueError: the status filter is malformed.
    """
    keep = LogFilter(view.status, view.path).matcher()
    found: list[RequestRecord] = []
    for record in reversed(log.records):
        if record.seq <= after or len(found) == limit:
            break
        if keep(record):
            found.append(record)
    return found


@attrs.frozen(kw_only=True)
class Console:
    """What the console shows and changes: the emulator's state, faults and request log.

    Attributes:
        token: proves a form was posted from the console's own page (see ``_guard``).
    """

    state: EmulatorState
    faults: Faults
    log: RequestLog
    secret_key: str
    token: str = attrs.Factory(lambda: secrets.token_urlsafe(24))

    def writer(self) -> Writer:
        """A writer that never shows the secret key."""
        return Writer(self.secret_key)

    def chrome(self, w: Writer, *, title: str, brand: Html, body: Html, api_url: str) -> Html:
        """The page around ``body``: head, masthead and navigation."""
        return w.fill(
            PAGE,
            title=title,
            brand=brand,
            api_url=api_url,
            org_count=len(self.state.organizations),
            user_count=len(self.state.users),
            fault_count=len(self.faults.describe()),
            body=body,
        )

    def fault_list(self, w: Writer) -> Html:
        """The active faults, or a line saying there are none."""
        active = self.faults.describe()
        if not active:
            return Html('<p class="none">None: every request is served normally.</p>')
        return w.fill(
            '<ol class="faults">$items</ol>', items=join(w.fill("<li>$f</li>", f=f) for f in active)
        )

    def home(
        self,
        view: View,
        *,
        api_url: str,
        notice: str = "",
        fault_form: FaultForm | None = None,
        fault_error: str | None = None,
    ) -> Html:
        """The console's page."""
        w = self.writer()
        state_view = StateView(w, self.state, view.link)
        # A filter it refuses shows every request, and the live updates must follow suit.
        log_view = view
        try:
            records = matching(self.log, view, after=0, limit=ROWS_SHOWN)
            filter_error = Html("")
        except ValueError as error:
            log_view = attrs.evolve(view, status="", path="")
            records = matching(self.log, log_view, after=0, limit=ROWS_SHOWN)
            filter_error = w.fill('<p class="error" role="alert">$e</p>', e=str(error))
        filtering = bool(log_view.status or log_view.path)
        body = w.fill(
            HOME,
            notice=(
                w.fill('<p class="notice" role="status">$n</p>', n=NOTICES[notice])
                if notice in NOTICES
                else Html("")
            ),
            org_hidden=view.hidden(w, "users_page", "status", "path"),
            q=view.q,
            organizations=state_view.organizations(view.q, view.page),
            token=self.token,
            fault_list=self.fault_list(w),
            fault_form=(fault_form or FaultForm()).render(w, token=self.token, error=fault_error),
            poll_url="/_console/log?" + urlencode(log_view.params()),
            cursor=self.log.last_seq,
            log_hidden=view.hidden(w, "q", "page", "users_page"),
            status=view.status,
            path=view.path,
            clear_filter=(
                w.fill('<a href="$href">Show every request</a>', href=view.link(status="", path=""))
                if view.status or view.path
                else Html("")
            ),
            filter_error=filter_error,
            log_note=(
                f"{len(records)} matching requests shown, newest first."
                if filtering
                else f"The last {len(records)} requests, newest first."
                if records
                else "No requests yet: point your app at the API above."
            ),
            rows=rows(w, records),
            users=state_view.users(view.users_page),
            roles=state_view.roles(),
        )
        return self.chrome(
            w,
            title="Clerk emulator console",
            brand=Html(
                '<h1 class="brand"><span class="mark" aria-hidden="true"></span>Clerk emulator</h1>'
            ),
            body=body,
            api_url=api_url,
        )

    def request(self, record: RequestRecord, *, api_url: str) -> Html:
        """One request in full, as its own page."""
        w = self.writer()
        return self.chrome(
            w,
            title=f"Request #{record.seq} · Clerk emulator console",
            brand=Html(
                '<p class="brand"><span class="mark" aria-hidden="true"></span>'
                '<a href="/">Clerk emulator</a></p>'
            ),
            body=w.fill(REQUEST, seq=record.seq, detail=detail(w, record)),
            api_url=api_url,
        )
