"""Desired-state files: JSON Lines, a JSON array or CSV, read with line numbers for errors.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) are written with a ``'`` in front, as OWASP recommends against
CSV injection; so is a cell that starts with ``'`` followed by one of those or another ``'``.
Reading a CSV removes that one ``'`` again, so an export synced back changes nothing. In the
``members`` cell (``name=role;…``) a ``;`` or ``\\`` inside a name (``a;b@x.io`` is a valid
address) is written ``\\;`` or ``\\\\``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TextIO

import click

from clerk_orgs_async.sync import DesiredMember, DesiredOrganization

Format = Literal["jsonl", "json", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "json", "csv")
CSV_COLUMNS = (
    "slug",
    "name",
    "max_allowed_memberships",
    "public_metadata",
    "private_metadata",
    "members",
)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"
_DIGITS = re.compile(r"[0-9]+")
_EXTENSIONS: dict[str, Format] = {
    ".json": "json",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


class FileError(ValueError):
    """A record of the file could not be read; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def format_by_extension(path: Path) -> Format:
    """The format ``path``'s extension names; any other extension, or none, is refused:
    read or written as JSON Lines by default, ``out.xlsx`` would hold what its name denies.

    Raises:
        click.UsageError: the extension names no format this command reads and writes.
    """
    named = format_of(path)
    if named is None:
        raise click.UsageError(
            f"cannot tell the format of {path.name} from its extension: name it .csv, .jsonl"
            " or .json, or give --format"
        )
    return named


def format_of(path: Path) -> Format | None:
    """The format a file's extension names (``.json``, ``.csv``, ``.jsonl``, ``.ndjson``)."""
    return _EXTENSIONS.get(path.suffix.lower())


def loads_strict(text: str) -> Any:
    """``json.loads`` that refuses NaN and Infinity, which JSON cannot carry.

    Raises:
        ValueError: malformed JSON, a non-finite number, an integer too long to read, or
            nesting deeper than the interpreter's recursion limit.
    """

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not a JSON number")

    try:
        return json.loads(text, parse_constant=refuse)
    except RecursionError:
        # The decoder recurses once per nesting level.
        raise ValueError("nested too deeply") from None


def neutralize(cell: str) -> str:
    """The cell as written to a CSV: a leading ``'`` where a spreadsheet could run it."""
    if cell.startswith(_FORMULA_START) or (
        cell.startswith(_ESCAPE) and cell[1:2] in (*_FORMULA_START, _ESCAPE)
    ):
        return _ESCAPE + cell
    return cell


def unneutralize(cell: str) -> str:
    """The cell as :func:`neutralize` was given it."""
    if cell.startswith(_ESCAPE) and cell[1:2] in (*_FORMULA_START, _ESCAPE):
        return cell[1:]
    return cell


def read_records(text: str, fmt: Format) -> tuple[list[DesiredOrganization], list[int]]:
    """Every record and the line it starts on.

    Raises:
        FileError: the first malformed record, with its line number.
    """
    records: list[DesiredOrganization] = []
    lines: list[int] = []
    for line, data in _raw(text, fmt):
        try:
            records.append(DesiredOrganization.from_dict(data))
        except ValueError as exc:
            raise FileError(line, str(exc)) from None
        lines.append(line)
    return records, lines


def _raw(text: str, fmt: Format) -> Iterator[tuple[int, Any]]:
    if fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                yield number, _json(line, number)
    elif fmt == "json":
        data = _json(text, 1)
        if not isinstance(data, list):
            raise FileError(1, "a JSON file holds an array of organizations")
        # A JSON array gives no line per item: number them as records.
        yield from enumerate(data, 1)
    else:
        yield from _csv_rows(text)


def _json(text: str, line: int) -> Any:
    try:
        return loads_strict(text)
    except json.JSONDecodeError as exc:
        raise FileError(line + exc.lineno - 1, f"invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        # NaN or Infinity, or an integer past Python's 4300-digit limit for str -> int.
        raise FileError(line, f"invalid JSON: {exc}") from None


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or ()
    unknown = set(columns) - set(CSV_COLUMNS)
    if unknown:
        raise FileError(1, f"unknown column(s): {', '.join(sorted(unknown))}")
    # Where a column repeats, or a row is longer than the header, one of the cells would be
    # dropped without a word.
    for column in columns:
        if columns.count(column) > 1:
            raise FileError(1, f"column {column} appears twice")
    line = reader.line_num
    for row in reader:
        if None in row:
            cells = len(columns) + len(row[None])
            raise FileError(line + 1, f"{cells} cells where the header names {len(columns)}")
        yield line + 1, _from_csv(row, line + 1)
        line = reader.line_num


def _from_csv(row: dict[str, str | None], line: int) -> dict[str, Any]:
    """Empty cells are fields left alone; ``members`` is ``user_id=role;…`` (a ``;`` or ``\\``
    in a name written ``\\;`` or ``\\\\``)."""
    data: dict[str, Any] = {}
    for column, raw in row.items():
        if raw is None or column is None or (raw == "" and column != "members"):
            continue
        cell = unneutralize(raw)
        if column in ("public_metadata", "private_metadata"):
            data[column] = _json(cell, line)
        elif column == "max_allowed_memberships":
            # Digits only: int() would also take " 3", "1_0" and other scripts' digits.
            if not _DIGITS.fullmatch(cell):
                raise FileError(
                    line, f"max_allowed_memberships must be a whole number, got {cell!r}"
                )
            data[column] = int(cell)
        elif column == "members":
            data[column] = [_member(item) for item in _member_items(cell) if item]
        else:
            data[column] = cell
    return data


# The local part of an address may hold "=" and ";" (a role never follows it there: the
# domain part comes between).
_EMAIL = re.compile(r"[^@\s]+@[^@\s=;]+\.[^@\s=;.]+")
# In a members cell, ";" separates members: one inside a name is written "\;", and a
# backslash "\\". A backslash before any other character stands for itself.
_MEMBER_ESCAPE = re.compile(r"\\([;\\])|(;)")


def _member_items(cell: str) -> list[str]:
    """The members of a cell, split at each ``;`` that is not escaped, and unescaped."""
    items, current, end = [], [], 0
    for match in _MEMBER_ESCAPE.finditer(cell):
        current.append(cell[end : match.start()])
        end = match.end()
        if match.group(2):
            items.append("".join(current))
            current = []
        else:
            current.append(match.group(1))
    current.append(cell[end:])
    items.append("".join(current))
    return items


def _member(item: str) -> dict[str, str]:
    # The last "=": role keys never hold one, user IDs and addresses might. A name shaped
    # like an email address is one (Clerk's user IDs never are).
    if _EMAIL.fullmatch(item):
        return {"email_address": item}
    name, _, role = item.rpartition("=") if "=" in item else (item, "", "")
    field = "email_address" if _EMAIL.fullmatch(name) else "user_id"
    return {field: name, "role": role} if role else {field: name}


def write_records(
    records: Iterable[DesiredOrganization], fmt: Format, out: TextIO, *, members: bool
) -> int:
    """Write the records as ``fmt``; returns how many.

    A CSV without ``members`` has no members column, which reads back as "leave the members
    alone" (an empty cell in the column means "no members").
    """
    count = 0
    if fmt == "csv":
        # RFC 4180 line ends: a CR inside a cell then gets quoted too.
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS if members else CSV_COLUMNS[:-1])
        for record in records:
            cells = [neutralize(cell) for cell in _to_csv(record)]
            writer.writerow(cells if members else cells[:-1])
            count += 1
    elif fmt == "json":
        out.write("[")
        for record in records:
            out.write(",\n" if count else "\n")
            out.write(json.dumps(record.to_dict(), ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    else:
        for record in records:
            out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count


def _to_csv(record: DesiredOrganization) -> list[str]:
    def cell(value: Any) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False)

    members = "" if record.members is None else ";".join(_member_cell(m) for m in record.members)
    limit = record.max_allowed_memberships
    return [
        record.slug,
        record.name,
        "" if limit is None else str(limit),
        cell(record.public_metadata),
        cell(record.private_metadata),
        members,
    ]


def _member_cell(member: DesiredMember) -> str:
    name = member.name.replace("\\", "\\\\").replace(";", "\\;")
    return f"{name}={member.role}"


class OutputFile:
    """A file written beside its final path and renamed over it once complete.

    Opened before the work that fills it, so an unwritable path fails first; until
    :meth:`commit`, the previous file (if any) stays whole. Through a symbolic link the
    link's target is replaced and the link stays. A path that is neither a regular file nor
    missing (a pipe, a terminal, ``/dev/stdout``) is written in place: a rename would replace
    it with a plain file.
    """

    def __init__(self, path: Path, temporary: Path | None, stream: TextIO) -> None:
        self.path = path
        self.temporary = temporary
        self.stream = stream
        self._committed = False

    @classmethod
    def beside(cls, path: Path) -> OutputFile:
        """Create the temporary file next to ``path``, or open ``path`` when it is no file.

        Raises:
            click.BadParameter: the directory is missing or cannot be written.
        """
        target = path.resolve()
        try:
            if target.exists() and not target.is_file():
                return cls(target, None, open(target, "w", encoding="utf-8", newline=""))
            temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
            # os.open, not tempfile: the file gets the usual permissions (0666 less umask).
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            raise click.BadParameter(
                f"cannot write {path}: {exc.strerror}", param_hint="'-o' / '--output'"
            ) from None
        return cls(target, temporary, open(fd, "w", encoding="utf-8", newline=""))

    def commit(self) -> None:
        """Put the complete file in place of ``path``."""
        self.stream.close()
        if self.temporary is not None:
            os.replace(self.temporary, self.path)
        self._committed = True

    def __enter__(self) -> OutputFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.stream.close()
            if self.temporary is not None:
                self.temporary.unlink(missing_ok=True)
