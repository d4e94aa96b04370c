"""The console's templates, stylesheet, script and icon ship in the wheel (they are not Python)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from hatchling.builders.wheel import WheelBuilder

import clerk_orgs_async.testing._console as console

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_every_console_file(tmp_path: Path) -> None:
    wheel = next(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    shipped = set(zipfile.ZipFile(wheel).namelist())
    here = Path(console.__file__).parent
    files = {
        "clerk_orgs_async/testing/_console/" + path.relative_to(here).as_posix()
        for path in here.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert {f for f in files if not f.endswith(".py")} >= {
        "clerk_orgs_async/testing/_console/templates/page.html",
        "clerk_orgs_async/testing/_console/static/console.css",
        "clerk_orgs_async/testing/_console/static/console.js",
        "clerk_orgs_async/testing/_console/static/favicon.svg",
    }
    assert files <= shipped, sorted(files - shipped)
