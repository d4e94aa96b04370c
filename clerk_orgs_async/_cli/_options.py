"""The options the command groups share, declared once, and the helpers behind them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from clerk_orgs_async import UNSET, ClerkClient, Unset
from clerk_orgs_async._cli._files import loads_strict
from clerk_orgs_async._cli._output import compose

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
"""For the commands that print a line, not a table (``remove``, ``delete``)."""


async def organization_id(clerk: ClerkClient, organization: str) -> str:
    """The endpoints under an organization take its ID: a slug is looked up first."""
    if organization.startswith("org_"):
        return organization
    return (await clerk.organizations.get(organization)).id


def given(value: T | None) -> T | Unset:
    """An option left out is a field left out of the request."""
    return UNSET if value is None else value


def _metadata(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return UNSET
    try:
        data = loads_strict(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        # NaN or Infinity, an integer past 4300 digits, nesting past the recursion limit.
        raise click.BadParameter(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise click.BadParameter("must be a JSON object")
    return data


metadata_options = compose(
    *(
        click.option(name, callback=_metadata, help="A JSON object (replaces the whole value).")
        for name in ("--public-metadata", "--private-metadata")
    )
)
"""``--public-metadata`` and ``--private-metadata``, each a JSON object."""


def keyed_options(key_help: str, *, required: bool) -> Callable[[F], F]:
    """``--name``, ``--key`` and ``--description``: what a role and a permission are made of."""
    return compose(
        click.option("--name", required=required),
        click.option("--key", required=required, help=key_help),
        click.option("--description"),
    )
