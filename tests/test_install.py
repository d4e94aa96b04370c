"""The package as a new user gets it: a wheel installed with the ``cli`` extra into a fresh
virtualenv, used from outside the repository.

The wheel is built once per session (``pip wheel``, hatchling without build isolation, so no
download); the virtualenv gets it with its dependencies through the outer pip
(``pip --python``), which reuses pip's cache. Marked ``install``: ``pytest -m install`` runs
just these, ``-m "not install"`` everything else; and ``slow``, so ``make check`` leaves them out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._readme import ROOT, block

pytestmark = [pytest.mark.install, pytest.mark.slow]


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a fresh virtualenv with the wheel and its ``cli`` extra."""
    work = tmp_path_factory.mktemp("install")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (work / "dist").glob("clerk_orgs_async-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", f"{wheel}[cli]"],
        check=True,
        capture_output=True,
    )
    return venv / "bin"


def _outside(tmp_path: Path) -> dict[str, str]:
    """An environment that cannot see the repository or this test run's packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join([str(tmp_path), "/usr/bin", "/bin"])
    return env


def test_the_wheel_holds_the_package_and_not_the_repository(installed: Path) -> None:
    where = subprocess.run(
        [
            installed / "python",
            "-c",
            "import clerk_orgs_async, sys; print(clerk_orgs_async.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    assert "site-packages" in where.stdout
    assert str(ROOT) not in where.stdout


def test_demo_runs_from_an_installed_wheel(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [installed / "clerk-orgs", "demo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_outside(tmp_path),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Sync 300 organizations from generated records" in result.stdout
    assert "identical to the edited file: True" in result.stdout


@pytest.fixture
def emulator(installed: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """``clerk-orgs emulator`` from the virtualenv, in its own process, as the README says."""
    command = block("sh", section="Quick start", containing="clerk-orgs emulator").source
    assert command.split("#")[0].split() == ["clerk-orgs", "emulator"]
    process = subprocess.Popen(
        [installed / "clerk-orgs", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_outside(tmp_path),
    )
    assert process.stdout is not None
    exported: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while len(exported) < 2 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exported[name] = value
    try:
        assert set(exported) == {"CLERK_API_URL", "CLERK_SECRET_KEY"}
        yield exported
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def test_the_readmes_quick_start_as_a_new_user_runs_it(
    installed: Path, emulator: dict[str, str], tmp_path: Path
) -> None:
    quickstart = tmp_path / "quickstart.py"
    quickstart.write_text(block("python", section="Quick start", containing="asyncio.run").source)
    result = subprocess.run(
        [installed / "python", quickstart.name],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**_outside(tmp_path), **emulator},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1 ['acme']"
    assert "user_id='user_1'" in result.stdout  # the admin: the emulator seeded user_1
    again = subprocess.run(
        [installed / "python", quickstart.name],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**_outside(tmp_path), **emulator},
        timeout=60,
    )
    assert again.returncode == 1
    assert "form_identifier_exists" in again.stderr  # as the README says a second run does


def test_the_emulators_users_are_listed_over_http(
    installed: Path, emulator: dict[str, str], tmp_path: Path
) -> None:
    code = (
        "import json, os, urllib.request\n"
        "request = urllib.request.Request(os.environ['CLERK_API_URL'] + '/users',"
        " headers={'Authorization': 'Bearer ' + os.environ['CLERK_SECRET_KEY']})\n"
        "print(json.dumps([u['id'] for u in json.load(urllib.request.urlopen(request))]))\n"
    )
    result = subprocess.run(
        [installed / "python", "-c", code],
        capture_output=True,
        text=True,
        env={**_outside(tmp_path), **emulator},
        timeout=30,
    )
    assert json.loads(result.stdout) == [f"user_{n}" for n in range(1, 6)]
