"""Durable data files: a snapshot of the state, and a journal of the write requests since.

``ClerkEmulator(data_file=F)`` (``clerk-orgs emulator --data F``) keeps two files,

- ``F``: the whole state as JSON (:meth:`EmulatorState.snapshot`), only ever replaced whole:
  written to ``F.tmp``, fsynced, renamed over ``F`` (an atomic step) and the directory fsynced,
  so a restart never meets a half-written ``F``.
- ``F.journal``: one JSON line per write request since that snapshot: its method, raw path,
  headers (never the key), body, the clock reading and ID seed it ran with, and the status it
  got. The line is appended and fsynced before the answer is sent, so every acknowledged write
  survives ``kill -9``.

and locks ``F.lock`` (``flock``) while it runs, so that a second emulator on ``F`` refuses to
start instead of compacting ``F`` and emptying the first one's journal under it.

At start ``F`` is loaded and the journal replayed through the same handlers, with the same
clock readings and ID seeds (so the same IDs and timestamps come out, and each request must
get its status again). Then both are compacted into a new ``F`` and an empty journal; so at
close, and after every :data:`COMPACT_EVERY` writes.

Why a journal and not a whole rewrite per write: at 10,000 organizations a rewrite costs about
a quarter of a second per write (the snapshot alone is most of it), an fsynced journal line
well under a millisecond (``python -m benchmarks.emulator_durability`` measures both). And a
log of requests, not of records, needs no change for new endpoints or kinds of records:
whatever the handlers do, replaying them does again.

The rule the handlers keep for it: read the body with ``await read_body(request)`` (from
``_payload``), and change the state in one synchronous step after the last ``await``, so that
the journal's order is the order of the changes.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import aiohttp
import attrs
from yarl import URL

from clerk_orgs_async._json import dumps, loads
from clerk_orgs_async.testing._ids import seeded_ids

LOGGER = logging.getLogger("clerk_orgs_async.testing")
COMPACT_EVERY = 10_000
"""Journal lines after which the state is compacted into the data file (bounds a replay)."""
REPLAY_HEADER = "X-Clerk-Emulator-Replay"
"""Marks the emulator's own replay requests at start: ``<token> <clock ms> <ID seed>``."""
_UNJOURNALED = frozenset(
    {
        "authorization",
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "accept-encoding",
        "user-agent",
        # The body is journaled decoded (older journals kept this header beside a decoded
        # body, so it is dropped at replay too).
        "content-encoding",
    }
)
_now: ContextVar[int | None] = ContextVar("clerk_emulator_now", default=None)
_fsync = getattr(os, "fdatasync", os.fsync)


def pinnable(base: Callable[[], int] | None) -> Callable[[], int]:
    """``base`` (the real time in Unix milliseconds when None), fixed while a journaled
    request runs (see :func:`pinned`)."""

    def clock() -> int:
        at = _now.get()
        if at is not None:
            return at
        return time.time_ns() // 1_000_000 if base is None else base()

    return clock


@contextlib.contextmanager
def pinned(at: int, seed: int) -> Iterator[None]:
    """Run the current task with the clock at ``at`` and IDs drawn from ``seed``."""
    token = _now.set(at)
    try:
        with seeded_ids(seed):
            yield
    finally:
        _now.reset(token)


class DataFileError(ValueError):
    """A data file or its journal cannot be read: damaged, or not the emulator's.

    Nothing on disk is changed, so the file can be looked at or moved away.
    """


@attrs.frozen(kw_only=True)
class Entry:
    """One journaled write request."""

    seq: int
    at: int
    seed: int
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int

    def to_line(self) -> bytes:
        """The entry as one line of JSON."""
        data = attrs.asdict(self, recurse=False)
        data["headers"] = [list(pair) for pair in self.headers]
        data["body"] = base64.b64encode(self.body).decode()
        return dumps(data) + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> Entry:
        """Read a line written by :meth:`to_line`; ``ValueError`` when it is not one."""
        try:
            data = loads(line)
            return cls(
                seq=int(data["seq"]),
                at=int(data["at"]),
                seed=int(data["seed"]),
                method=str(data["method"]),
                path=str(data["path"]),
                headers=tuple((str(k), str(v)) for k, v in data["headers"]),
                body=base64.b64decode(data["body"], validate=True),
                status=int(data["status"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a journal entry ({type(exc).__name__}: {exc})") from None


def journaled_headers(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The request headers a replay needs: not the key, not those of the connection."""
    return tuple((k, v) for k, v in headers.items() if k.lower() not in _UNJOURNALED)


class DataFile:
    """The data file ``path``, its journal ``path.journal``, the temporary ``path.tmp`` and
    the lock ``path.lock`` that keeps a second emulator away."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.journal_path = path.with_name(path.name + ".journal")
        self.tmp_path = path.with_name(path.name + ".tmp")
        self.lock_path = path.with_name(path.name + ".lock")
        self.seq = 0
        self.since_compaction = 0
        self._fd: int | None = None
        self._lock_fd: int | None = None

    def lock(self) -> None:
        """Take the data file for this emulator until :meth:`close` (or its process ends).

        A second emulator on the same file would compact it and empty the first one's
        journal under it, losing acknowledged writes. The lock is ``flock`` on a file beside
        the data file, so the system releases it when the process dies, even by ``kill -9``;
        the lock file stays (deleting it would let two emulators lock two different files).

        Raises:
            DataFileError: another emulator holds the data file.
        """
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise DataFileError(
                f"{self.path} is in use by another emulator"
                + (f" (process {holder})" if holder.isdigit() else "")
                + ": stop it first, or give this one another data file"
            )
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def __repr__(self) -> str:
        return f"DataFile({str(self.path)!r}, seq={self.seq})"

    def read(self) -> tuple[dict[str, Any] | None, list[Entry]]:
        """The snapshot (``None`` when there is no file yet) and the writes journaled after it.

        Raises:
            DataFileError: the file or a journal line other than the last is damaged.
        """
        # A compaction killed before its rename: the data file is whole, this is not.
        self.tmp_path.unlink(missing_ok=True)
        snapshot = self._read_snapshot()
        self.seq = 0 if snapshot is None else snapshot.get("journal_seq", 0)
        if not isinstance(self.seq, int):
            raise DataFileError(f"{self.path} is not an emulator state: bad journal_seq")
        # Entries up to journal_seq are in the snapshot already (killed after the rename of a
        # compaction, before the journal was emptied).
        return snapshot, [e for e in self._read_journal() if e.seq > self.seq]

    def _read_snapshot(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DataFileError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            snapshot = loads(raw)
        except ValueError as exc:
            raise DataFileError(
                f"{self.path} is not valid JSON ({exc}): it is damaged or not an emulator's"
                " data file; move it away to start afresh"
            ) from None
        if not isinstance(snapshot, dict) or "users" not in snapshot:
            raise DataFileError(f"{self.path} is not an emulator state (no users in it)")
        return snapshot

    def _read_journal(self) -> list[Entry]:
        try:
            raw = self.journal_path.read_bytes()
        except FileNotFoundError:
            return []
        lines = raw.split(b"\n")
        entries: list[Entry] = []
        for number, line in enumerate(lines, 1):
            if not line:
                continue
            try:
                entries.append(Entry.from_line(line))
            except ValueError as exc:
                if any(lines[number:]):
                    raise DataFileError(
                        f"{self.journal_path}: line {number} is damaged ({exc}) and more"
                        " writes follow it; move the data file and its journal away to"
                        " start afresh"
                    ) from None
                # A line cut off by a crash in the middle of its write: that write was never
                # acknowledged (its answer waits for the whole line to be on disk).
                LOGGER.warning(
                    "%s: dropped an incomplete last entry (a write that was never answered)",
                    self.journal_path,
                )
        return entries

    def compact(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the data file with ``snapshot`` atomically, then empty the journal."""
        with self.tmp_path.open("wb") as out:
            out.write(dumps({**snapshot, "journal_seq": self.seq}))
            out.flush()
            os.fsync(out.fileno())
        os.replace(self.tmp_path, self.path)
        _fsync_directory(self.path.parent)
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            _fsync(self._fd)
        else:
            self.journal_path.unlink(missing_ok=True)
        self.since_compaction = 0

    def open_journal(self) -> None:
        """Start journaling (after the start-up compaction)."""
        self._fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        _fsync_directory(self.path.parent)

    def append(
        self,
        *,
        at: int,
        seed: int,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        status: int,
    ) -> None:
        """Journal one write request; returns once it is on disk."""
        assert self._fd is not None, "the journal is not open"
        self.seq += 1
        entry = Entry(
            seq=self.seq,
            at=at,
            seed=seed,
            method=method,
            path=path,
            headers=journaled_headers(headers),
            body=body,
            status=status,
        )
        line = memoryview(entry.to_line())
        while line:
            line = line[os.write(self._fd, line) :]
        _fsync(self._fd)
        self.since_compaction += 1

    def close(self) -> None:
        """Stop journaling, and let another emulator take the data file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # which releases the lock
            self._lock_fd = None


def _try_lock(fd: int) -> bool:
    """Lock ``fd``'s file for this open file, without waiting; ``False`` when it is taken."""
    if sys.platform == "win32":  # pragma: no cover - no flock: Windows runs unlocked
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (where the system allows it)."""
    if not hasattr(os, "O_DIRECTORY"):  # pragma: no cover - Windows has no directory fsync
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


async def replay(
    origin: str, secret_key: str, token: str, entries: Sequence[Entry], journal: Path
) -> None:
    """Send the journaled requests again, in order, to the emulator at ``origin``.

    Raises:
        DataFileError: a request got another status than the first time (the journal does
            not fit the data file, or a handler is not deterministic).
    """
    async with aiohttp.ClientSession() as session:
        for entry in entries:
            headers = dict(journaled_headers(dict(entry.headers)))
            headers["Authorization"] = f"Bearer {secret_key}"
            headers[REPLAY_HEADER] = f"{token} {entry.at} {entry.seed}"
            async with session.request(
                entry.method,
                URL(origin + entry.path, encoded=True),
                data=entry.body,
                headers=headers,
            ) as response:
                await response.read()
            if response.status != entry.status:
                raise DataFileError(
                    f"{journal}: entry {entry.seq} ({entry.method} {entry.path}) answered"
                    f" {response.status} on replay, {entry.status} the first time: the"
                    " journal does not belong to this data file"
                )
