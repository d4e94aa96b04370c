"""Importing the library loads none of the command line's or the bulk jobs' dependencies."""

from __future__ import annotations

import subprocess
import sys


def test_import_stays_light() -> None:
    code = (
        "import sys, clerk_orgs_async\n"
        "heavy = ('click', 'rich', 'clerk_orgs_async.testing', 'clerk_orgs_async.sync',"
        " 'clerk_orgs_async._sync_engine', 'clerk_orgs_async._cli')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
