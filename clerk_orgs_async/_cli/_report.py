"""What ``sync`` prints: the plan, the summary by kind and outcome, or the report as JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from clerk_orgs_async._cli._output import echo_json
from clerk_orgs_async._cli._table import Kind, table
from clerk_orgs_async.sync import ACTION_KINDS, SyncAction, SyncFailure, SyncReport

_CELL = 60
_FAILURES_SHOWN = 20


def partial_report(done: list[SyncAction], *, dry_run: bool) -> SyncReport:
    """The report of a sync cut short, from the actions ``on_action`` was given."""
    failures = [
        SyncFailure(key=a.key, error=a.error, action=a)
        for a in done
        if a.outcome == "failed" and a.error is not None
    ]
    return SyncReport(actions=done, failures=failures, dry_run=dry_run)


def show_report(report: SyncReport, as_json: bool, *, interrupted: bool = False) -> None:
    """The whole report: JSON, or the plan (dry run) and the summary."""
    if as_json:
        echo_json(report_data(report, interrupted=interrupted))
        return
    if interrupted:
        click.echo("Interrupted: what was done until then.")
    if report.dry_run:
        show_plan(report)
    show_summary(report)
    in_flight = [a for a in report.actions if a.outcome == "unknown"]
    if in_flight:
        click.echo(
            f"{len(in_flight)} write(s) were in flight and may or may not have been applied"
            " (run the sync again to converge):"
        )
        for action in in_flight:
            click.echo(f"  {action.kind} {action.key}{_member(action)}")


def report_data(report: SyncReport, *, interrupted: bool = False) -> dict[str, Any]:
    """The report as JSON-ready data."""
    return {
        "dry_run": report.dry_run,
        "interrupted": interrupted,
        "ok": report.ok,
        "counts": report.counts,
        "requests": {
            "reads": report.requests.reads,
            "writes": report.requests.writes,
            "retries": report.requests.retries,
        },
        "actions": [
            {
                "kind": a.kind,
                "key": a.key,
                "user_id": a.user_id,
                "email_address": a.email_address,
                "invitation_id": a.invitation_id,
                "organization_id": a.organization_id,
                "outcome": a.outcome,
                "changes": {field: list(change) for field, change in a.changes.items()},
                "error": None if a.error is None else str(a.error),
            }
            for a in report.actions
        ],
        "failures": [
            {
                "key": f.key,
                "kind": f.action.kind if f.action else "read_members",
                "user_id": f.action.user_id if f.action else None,
                "email_address": f.action.email_address if f.action else None,
                "error": str(f.error),
            }
            for f in report.failures
        ],
    }


def _short(value: Any) -> str:
    text = "—" if value is None else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _CELL else text[: _CELL - 1] + "…"


def _changes(action: SyncAction) -> str:
    return "\n".join(
        f"{field}: {_short(old)} → {_short(new)}" for field, (old, new) in action.changes.items()
    )


def _member(action: SyncAction) -> str:
    return f" {action.member}" if action.member else ""


def show_plan(report: SyncReport) -> None:
    """Every planned action as a table on stdout."""
    rows = [[a.kind, a.key, a.member, _changes(a)] for a in report.actions]
    columns: list[tuple[str, Kind]] = [
        ("action", "word"),
        ("organization", "word"),
        ("member", "whole"),
        ("changes", "text"),
    ]
    table(f"Plan: {len(rows)} action(s)", columns, rows)


def show_summary(report: SyncReport) -> None:
    """Actions by kind and outcome, then the failures with their errors, on stdout."""
    outcomes: tuple[str, ...] = ("planned",) if report.dry_run else ("applied", "failed", "skipped")
    if any(a.outcome == "unknown" for a in report.actions):
        outcomes += ("unknown",)
    counts: Counter[tuple[str, str]] = Counter((a.kind, a.outcome) for a in report.actions)
    rows = [
        [kind, *(str(counts[kind, outcome]) for outcome in outcomes)]
        for kind in ACTION_KINDS
        if report.counts[kind]
    ]
    title = "Dry run, nothing was sent" if report.dry_run else "Sync"
    if not rows:
        click.echo(f"{title}: everything is in sync (0 actions).")
    else:
        click.echo(f"{title}: {len(report.actions)} action(s), {len(report.failures)} failed.")
        table(None, [(name, "word") for name in ("action", *outcomes)], rows)
    for failure in report.failures[:_FAILURES_SHOWN]:
        what = failure.action.kind if failure.action else "read members"
        user = _member(failure.action) if failure.action else ""
        click.echo(f"FAILED {what} {failure.key}{user}: {failure.error}")
    if len(report.failures) > _FAILURES_SHOWN:
        click.echo(f"… and {len(report.failures) - _FAILURES_SHOWN} more failures")
    spent = report.requests
    if spent.total:
        click.echo(
            f"Requests: {spent.total} ({spent.reads} reads, {spent.writes} writes, "
            f"{spent.retries} of them retries)."
        )
