"""The fenced code blocks of README.md and docs/, as Sybil lexes them, for the tests using them."""

from __future__ import annotations

from pathlib import Path

import attrs
from sybil import Document
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


@attrs.frozen
class Block:
    """One fenced block: its language, the line its code starts on, its code, its section."""

    language: str
    line: int
    source: str
    section: str


def blocks(path: Path = README) -> list[Block]:
    """Every fenced block of a Markdown file, in order."""
    text = path.read_text(encoding="utf-8")
    document = Document(text, str(path))
    found = []
    for region in FencedCodeBlockLexer(language=r"\w+")(document):
        line = text.count("\n", 0, region.start) + 2  # the line after the opening fence
        headings = [h for h in text[: region.start].splitlines() if h.startswith("## ")]
        found.append(
            Block(
                language=region.lexemes["language"],
                line=line,
                source=str(region.lexemes["source"]),
                section=headings[-1][3:] if headings else "",
            )
        )
    return found


def block(language: str, *, section: str, containing: str = "", path: Path = README) -> Block:
    """The one block of ``language`` in ``section`` of ``path`` whose code holds ``containing``."""
    (found,) = [
        b
        for b in blocks(path)
        if b.language == language and b.section == section and containing in b.source
    ]
    return found
