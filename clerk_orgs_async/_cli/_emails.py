"""The email addresses ``invitations invite`` sends to, from its arguments and its ``--file``.

Every address is checked before any is sent, and a bad one is named by where it came from
(``line 7``, ``EMAIL 2``), which ``bulk_create``'s own check (by position in the whole list)
cannot do. The check is the client's "plainly not an email" rule, plus what a file holds by
mistake (a CSV row, ``Name <address>``) and duplicates, which Clerk refuses in one call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs
import click

from clerk_orgs_async._cli._files import FileError
from clerk_orgs_async._cli._sync import read_text

# The client's rule (``bulk_create`` applies it again before sending anything) ...
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# ... and separators that mean several fields or a display name, never one address.
_NOT_ONE_ADDRESS = re.compile(r"[,;<>]")


@attrs.frozen
class Address:
    """One address to invite, and where it was given (for error messages)."""

    email: str
    where: str
    from_file: bool


def addresses(arguments: Sequence[str], file: Path | None) -> list[Address]:
    """The addresses of the ``EMAIL`` arguments, then of ``file``: checked, in order.

    Raises:
        click.BadParameter: the first bad or repeated address (status 2), with how many
            more there are; or a file that is not UTF-8 text.
    """
    given = [Address(email.strip(), f"EMAIL {n}", False) for n, email in enumerate(arguments, 1)]
    if file is not None:
        given += list(_read(file))
    problems = list(_problems(given))
    if problems:
        address, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        hint = f"'--file' {file}" if address.from_file else "EMAIL"
        raise click.BadParameter(f"{address.where}: {message}{more}", param_hint=hint)
    if not given:
        where = f"{file} has no email addresses" if file is not None else "no EMAIL given"
        raise click.UsageError(f"{where}: give EMAIL arguments or --file with one a line")
    return given


def _read(file: Path) -> Iterator[Address]:
    """Each non-blank line that is not a ``#`` comment, stripped, with its line number."""
    try:
        text = read_text(file)
    except FileError as error:
        raise click.BadParameter(str(error), param_hint=f"'--file' {file}") from None
    # A byte order mark, as some Windows editors write, is not part of the first address.
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        email = line.strip()
        if email and not email.startswith("#"):
            yield Address(email, f"line {number}", True)


def _problems(given: Sequence[Address]) -> Iterator[tuple[Address, str]]:
    seen: dict[str, Address] = {}
    for address in given:
        if _NOT_ONE_ADDRESS.search(address.email):
            yield address, f"{address.email!r} is not one email address (one address a line)"
        elif not _EMAIL.fullmatch(address.email):
            yield address, f"{address.email!r} is not an email address"
        else:
            # Clerk stores addresses in lowercase: these two would be one invitation.
            first = seen.setdefault(address.email.lower(), address)
            if first is not address:
                yield address, f"{address.email} is given twice (also {first.where})"
