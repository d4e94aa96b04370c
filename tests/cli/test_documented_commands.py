"""Every ``clerk-orgs`` line of the shell blocks in the README and the docs names real commands.

The shell blocks are not run (most need a server, a file or a terminal), so this checks what
would go stale silently: a renamed command, a removed option. Each line is split as the shell
would, its command path resolved through the click groups, and each ``--option`` looked up in
the options of the command it follows (a group's options before its subcommand).
"""

from __future__ import annotations

import shlex

import click
import pytest

from clerk_orgs_async._cli import main
from tests._readme import README, ROOT, blocks


def documented_lines() -> list[tuple[str, list[str]]]:
    """``(where, words after clerk-orgs)`` for every ``clerk-orgs`` command in a shell block."""
    found = []
    for path in [README, *sorted((ROOT / "docs").rglob("*.md"))]:
        for block in blocks(path):
            if block.language != "sh":
                continue
            for number, line in enumerate(block.source.splitlines(), start=block.line):
                for command in line.split(" #")[0].split(";"):
                    words = shlex.split(command)
                    if words[:1] == ["clerk-orgs"]:
                        found.append((f"{path.relative_to(ROOT)}:{number}", words[1:]))
    return found


def unknown_words(words: list[str]) -> list[str]:
    """The commands and options of ``words`` that ``clerk-orgs`` does not have."""
    command: click.Command = main
    unknown = []
    for word in words:
        if word.startswith("--"):
            names = {name for p in command.params for name in (*p.opts, *p.secondary_opts)}
            if word.split("=")[0] not in names:
                unknown.append(f"{command.name} {word}")
        elif isinstance(command, click.Group) and not word.startswith("-"):
            sub = command.get_command(click.Context(command), word)
            if sub is None:
                unknown.append(f"{command.name} {word}")
                break
            command = sub
    return unknown


LINES = documented_lines()


def test_the_docs_show_commands() -> None:
    assert len(LINES) >= 10


@pytest.mark.parametrize(("where", "words"), LINES, ids=[where for where, _ in LINES])
def test_a_documented_command_exists_with_its_options(where: str, words: list[str]) -> None:
    assert not unknown_words(words), f"{where}: clerk-orgs {' '.join(words)}"


def test_a_stale_line_is_caught() -> None:
    assert unknown_words(["orgs", "lists"]) == ["orgs lists"]
    assert unknown_words(["sync", "orgs.csv", "--dry-runn"]) == ["sync --dry-runn"]
