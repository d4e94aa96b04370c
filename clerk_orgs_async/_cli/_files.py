"""Desired-state files: JSON Lines, a JSON array or CSV, read with line numbers for errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, TextIO

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


class FileError(ValueError):
    """A record of the file could not be read; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def guess_format(path: Path) -> Format:
    """By extension: ``.json``, ``.csv``, else JSON Lines."""
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in ("json", "csv") else "jsonl"  # type: ignore[return-value]


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
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(line + exc.lineno - 1, f"invalid JSON: {exc.msg}") from None


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or ()) - set(CSV_COLUMNS)
    if unknown:
        raise FileError(1, f"unknown column(s): {', '.join(sorted(unknown))}")
    line = reader.line_num
    for row in reader:
        yield line + 1, _from_csv(row, line + 1)
        line = reader.line_num


def _from_csv(row: dict[str, str | None], line: int) -> dict[str, Any]:
    """Empty cells are fields left alone; ``members`` is ``user_id=role;…``."""
    data: dict[str, Any] = {}
    for column, cell in row.items():
        if cell is None or column is None or (cell == "" and column != "members"):
            continue
        if column in ("public_metadata", "private_metadata"):
            data[column] = _json(cell, line)
        elif column == "max_allowed_memberships":
            if not cell.isdigit():
                raise FileError(line, f"max_allowed_memberships must be a number, got {cell!r}")
            data[column] = int(cell)
        elif column == "members":
            data[column] = [_member(item) for item in cell.split(";") if item]
        else:
            data[column] = cell
    return data


def _member(item: str) -> dict[str, str]:
    user_id, _, role = item.partition("=")
    return {"user_id": user_id, "role": role} if role else {"user_id": user_id}


def write_records(
    records: Iterable[DesiredOrganization], fmt: Format, out: TextIO, *, members: bool
) -> int:
    """Write the records as ``fmt``; returns how many.

    A CSV without ``members`` has no members column, which reads back as "leave the members
    alone" (an empty cell in the column means "no members").
    """
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS if members else CSV_COLUMNS[:-1])
        for record in records:
            writer.writerow(_to_csv(record) if members else _to_csv(record)[:-1])
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
    return f"{member.user_id}={member.role}"
