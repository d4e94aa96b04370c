"""The console's fault form: what a developer may inject, checked as the Python API would be."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from clerk_orgs_async.testing._console._html import Html, Writer
from clerk_orgs_async.testing._faults import Faults

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
KINDS = {"status": "Status", "drop": "Drop the connection", "hang": "Hang"}
_MAX_TIMES = 10_000
_MAX_HANG = 3_600.0
_MAX_RETRY_AFTER = 86_400
_FORM = """<form class="fault-form" method="post" action="/_console/faults" novalidate>
<input type="hidden" name="token" value="$token">
$error
<fieldset class="kinds"><legend>Fault</legend>$kinds</fieldset>
<div class="fields">
<p data-kind="status"><label for="fault-status">Status code</label>
<input id="fault-status" name="status" type="number" min="400" max="599" value="$status"
 list="fault-statuses" aria-describedby="fault-status-hint">
<span class="hint" id="fault-status-hint">429, 500, 502 or 503, as Clerk's edge answers.</span></p>
<datalist id="fault-statuses"><option value="429"><option value="500"><option value="502">
<option value="503"></datalist>
<p data-kind="status"><label for="fault-retry-after">Retry-After, seconds (optional)</label>
<input id="fault-retry-after" name="retry_after" type="number" min="0" value="$retry_after"></p>
<p data-kind="hang"><label for="fault-seconds">Hang for, seconds</label>
<input id="fault-seconds" name="seconds" type="number" min="0.1" step="0.1" value="$seconds"></p>
<p><label for="fault-times">For the next … requests</label>
<input id="fault-times" name="times" type="number" min="1" max="$max_times" value="$times"></p>
<p><label for="fault-method">Method</label>
<select id="fault-method" name="method">$methods</select></p>
<p><label for="fault-path">Path (a glob, optional)</label>
<input id="fault-path" name="path" type="text" value="$path" placeholder="/v1/organizations*"
 autocomplete="off" spellcheck="false"></p>
<p class="check">
<input id="fault-after-apply" name="after_apply" type="checkbox" value="1"$after_apply>
<label for="fault-after-apply">Let the request do its work first, then fail
(after_apply)</label></p>
</div>
<button type="submit">Add fault</button>
</form>"""


class FormError(ValueError):
    """A field of the fault form is not acceptable; the message says which and why."""


@attrs.frozen(kw_only=True)
class FaultForm:
    """The fault form's fields, as typed (the defaults are what the form starts with)."""

    kind: str = "status"
    status: str = "503"
    retry_after: str = ""
    seconds: str = "5"
    times: str = "1"
    method: str = ""
    path: str = ""
    after_apply: bool = False

    @classmethod
    def from_post(cls, form: Mapping[str, object]) -> FaultForm:
        """The fields of a posted form (a missing one is empty)."""

        def field(name: str) -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else ""

        return cls(
            kind=field("kind"),
            status=field("status"),
            retry_after=field("retry_after"),
            seconds=field("seconds"),
            times=field("times"),
            method=field("method").upper(),
            path=field("path"),
            after_apply=bool(field("after_apply")),
        )

    def apply(self, faults: Faults) -> None:
        """Add the fault these fields describe.

        Raises:
            FormError: a field is missing, malformed or out of range.
        """
        if self.kind not in KINDS:
            raise FormError("Choose a fault: a status, a dropped connection or a hang.")
        times = int(_number(self.times, "For the next … requests", 1, _MAX_TIMES, whole=True))
        if self.method and self.method not in METHODS:
            raise FormError(f"Method: choose one of {', '.join(METHODS)}, or any.")
        if self.path and (not self.path.startswith("/") or len(self.path) > 500):
            raise FormError("Path: a glob over the request path, starting with /.")
        method, path, after_apply = self.method or None, self.path or None, self.after_apply
        if self.kind == "status":
            status = int(_number(self.status, "Status code", 400, 599, whole=True))
            retry_after = None
            if self.retry_after:
                retry_after = int(
                    _number(self.retry_after, "Retry-After", 0, _MAX_RETRY_AFTER, whole=True)
                )
            faults.status(
                status,
                retry_after=retry_after,
                times=times,
                method=method,
                path=path,
                after_apply=after_apply,
            )
        elif self.kind == "hang":
            seconds = _number(self.seconds, "Hang for", 0.1, _MAX_HANG, whole=False)
            faults.hang(seconds, times=times, method=method, path=path, after_apply=after_apply)
        else:
            faults.drop(times=times, method=method, path=path, after_apply=after_apply)

    def render(self, w: Writer, *, token: str, error: str | None) -> Html:
        """The form, filled with these fields, with ``error`` above it if any."""
        kinds = "".join(
            w.fill(
                '<label class="kind"><input type="radio" name="kind" value="$value"$checked> '
                "$label</label>",
                value=value,
                label=label,
                checked=Html(" checked" if value == self.kind else ""),
            )
            for value, label in KINDS.items()
        )
        methods = "".join(
            w.fill(
                '<option value="$value"$selected>$label</option>',
                value=value,
                label=value or "Any method",
                selected=Html(" selected" if value == self.method else ""),
            )
            for value in ("", *METHODS)
        )
        return w.fill(
            _FORM,
            token=token,
            error=w.fill('<p class="error" role="alert">$e</p>', e=error) if error else Html(""),
            kinds=Html(kinds),
            status=self.status,
            retry_after=self.retry_after,
            seconds=self.seconds,
            max_times=_MAX_TIMES,
            times=self.times,
            methods=Html(methods),
            path=self.path,
            after_apply=Html(" checked" if self.after_apply else ""),
        )


def _number(text: str, label: str, low: float, high: float, *, whole: bool) -> float:
    problem = f"{label}: enter a {'whole ' if whole else ''}number from {low:g} to {high:g}."
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise FormError(problem) from None
    if not low <= value <= high:  # NaN fails this too
        raise FormError(problem)
    return value
