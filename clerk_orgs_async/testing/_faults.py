"""Fault injection: scripted faults for the next requests, or random ones for soak tests.

Faults model what sits between a client and Clerk failing: a 429 or 5xx from the edge, a
request that hangs, a connection dropped without an answer. ``after_apply=True`` lets the
request change the state first and then loses its answer, the case that turns a blind retry of
a POST into a duplicate.
"""

from __future__ import annotations

import fnmatch
import random
import re
from collections.abc import Mapping
from typing import Literal

import attrs

FaultKind = Literal["status", "hang", "drop"]
PathPattern = str | re.Pattern[str]
"""A glob over the request path (``/v1/organizations/*``) or a compiled regular expression."""


@attrs.frozen(kw_only=True)
class Fault:
    """One injected failure.

    Attributes:
        kind: ``"status"`` answers ``status``; ``"hang"`` waits ``seconds`` before answering
            normally; ``"drop"`` closes the connection without an answer.
        status: the HTTP status of a ``"status"`` fault.
        retry_after: the ``Retry-After`` header (seconds) of a ``"status"`` fault, if any.
        seconds: how long a ``"hang"`` fault waits.
        after_apply: handle the request first (its write lands), then fail instead of answering.
    """

    kind: FaultKind
    status: int = 0
    retry_after: int | None = None
    seconds: float = 0.0
    after_apply: bool = False

    @property
    def label(self) -> str:
        """How the fault is counted: ``"503"``, ``"hang"``, ``"drop"``."""
        return str(self.status) if self.kind == "status" else self.kind

    def describe(self) -> str:
        """The fault in words: ``"503 (Retry-After 1 s)"``, ``"hang 5 s"``…"""
        if self.kind == "status":
            words = str(self.status)
            if self.retry_after is not None:
                words += f" (Retry-After {self.retry_after} s)"
        elif self.kind == "hang":
            words = f"hang {self.seconds:g} s"
        else:
            words = "drop the connection"
        return words + (", after the write lands," if self.after_apply else "")


@attrs.define
class _Scripted:
    fault: Fault
    remaining: int
    method: str | None
    path: PathPattern | None

    def requests(self, *, plural: bool) -> str:
        """Which requests it applies to, in words: ``"POST requests to /v1/organizations"``."""
        words = "requests" if plural else "request"
        if self.method is not None:
            words = f"{self.method.upper()} {words}"
        if isinstance(self.path, re.Pattern):
            return f"{words} matching {self.path.pattern}"
        return words if self.path is None else f"{words} to {self.path}"

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is None:
            return True
        if isinstance(self.path, re.Pattern):
            return self.path.fullmatch(path) is not None
        return fnmatch.fnmatchcase(path, self.path)


@attrs.define
class _Random:
    rng: random.Random
    faults: list[tuple[float, Fault]]
    after_apply: float
    scope: _Scripted


class Faults:
    """The emulator's fault injector, reached as ``emulator.faults``.

    Scripted faults apply to the next ``times`` requests that match ``method`` and ``path``
    (the full request path, such as ``/v1/organizations``), in the order they were added;
    random mode applies to every other request. Only requests that bear the emulator's key
    count: a 401 takes no fault. ``emulator.stats.faults`` counts what was injected.

    Example:
        ```python
        emu.faults.status(503, times=2, method="POST", path="/v1/organizations")
        emu.faults.drop(after_apply=True, method="POST")
        emu.faults.random({429: 0.05, 500: 0.02, "drop": 0.01}, seed=7)
        ```
    """

    def __init__(self) -> None:
        self._scripted: list[_Scripted] = []
        self._random: _Random | None = None

    def __repr__(self) -> str:
        active = self.describe()
        return f"<Faults: {'; '.join(active)}>" if active else "<Faults: none>"

    def status(
        self,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        path: PathPattern | None = None,
        retry_after: int | None = None,
        after_apply: bool = False,
    ) -> None:
        """Answer ``status`` (a 429 carries ``Retry-After``, 1 second unless given).

        The next ``times`` requests that match answer ``status`` with Clerk's error body.

        Args:
            status: the HTTP status to answer.
            times: how many matching requests get it.
            method: only requests with this method (``"POST"``…).
            path: only requests whose path matches this glob (``"/v1/organizations/*"``).
            after_apply: on a write, let the write land first, then fail the answer (the case
                a client cannot tell from a failure before it).
            retry_after: the ``Retry-After`` seconds to send (with any status).

        Example:
            ```python
            emu.faults.status(503, times=2, method="POST")
            ```
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        self._add(
            Fault(kind="status", status=status, retry_after=retry_after, after_apply=after_apply),
            times,
            method,
            path,
        )

    def hang(
        self,
        seconds: float,
        *,
        times: int = 1,
        method: str | None = None,
        path: PathPattern | None = None,
        after_apply: bool = False,
    ) -> None:
        """Wait ``seconds`` before answering (a client timeout shorter than that fires).

        Args:
            seconds: how long the request hangs before it is answered.
            times: how many matching requests get it.
            method: only requests with this method (``"POST"``…).
            path: only requests whose path matches this glob (``"/v1/organizations/*"``).
            after_apply: on a write, let the write land first, then fail the answer (the case
                a client cannot tell from a failure before it).
        """
        self._add(Fault(kind="hang", seconds=seconds, after_apply=after_apply), times, method, path)

    def drop(
        self,
        *,
        times: int = 1,
        method: str | None = None,
        path: PathPattern | None = None,
        after_apply: bool = False,
    ) -> None:
        """Close the connection without answering.

        Args:
            times: how many matching requests get it.
            method: only requests with this method (``"POST"``…).
            path: only requests whose path matches this glob (``"/v1/organizations/*"``).
            after_apply: on a write, let the write land first, then fail the answer (the case
                a client cannot tell from a failure before it).

        Example:
            ```python
            emu.faults.drop(method="POST", after_apply=True)  # the write lands, the answer is lost
            ```
        """
        self._add(Fault(kind="drop", after_apply=after_apply), times, method, path)

    def random(
        self,
        probabilities: Mapping[int | str, float],
        *,
        seed: int | None = None,
        hang_seconds: float = 1.0,
        retry_after: int = 1,
        after_apply: float = 0.0,
        method: str | None = None,
        path: PathPattern | None = None,
    ) -> None:
        """Inject faults at random into every request that no scripted fault takes.

        Args:
            probabilities: per request, the chance of each fault: an HTTP status, ``"hang"``
                or ``"drop"``; they must sum to at most 1.
            seed: makes the sequence of faults reproducible.
            hang_seconds: how long a ``"hang"`` waits.
            retry_after: the ``Retry-After`` seconds of a random 429.
            after_apply: the chance that a fault on a write lets the write land first.
            method: only requests with this method.
            path: only requests whose path matches.
        """
        if sum(probabilities.values()) > 1:
            raise ValueError("fault probabilities must sum to at most 1")
        faults: list[tuple[float, Fault]] = []
        for key, probability in probabilities.items():
            if key == "hang":
                fault = Fault(kind="hang", seconds=hang_seconds)
            elif key == "drop":
                fault = Fault(kind="drop")
            elif isinstance(key, int):
                fault = Fault(
                    kind="status", status=key, retry_after=retry_after if key == 429 else None
                )
            else:
                raise ValueError(f"unknown fault {key!r}: use an HTTP status, 'hang' or 'drop'")
            faults.append((probability, fault))
        self._random = _Random(
            random.Random(seed),  # noqa: S311 - reproducible, not secret
            faults,
            after_apply,
            _Scripted(Fault(kind="drop"), 0, method, path),
        )

    def clear(self) -> None:
        """Remove every scripted fault and stop random mode."""
        self._scripted.clear()
        self._random = None

    @property
    def pending(self) -> int:
        """How many scripted fault injections are still to come."""
        return sum(s.remaining for s in self._scripted)

    def describe(self) -> list[str]:
        """The active faults in words, in the order they apply (the web console lists them)."""
        lines = []
        for s in self._scripted:
            count = "" if s.remaining == 1 else f"{s.remaining} "
            lines.append(
                f"{s.fault.describe()} for the next {count}{s.requests(plural=count != '')}"
            )
        if self._random is not None:
            chances = ", ".join(f"{f.describe()} {p:.0%}" for p, f in self._random.faults)
            lines.append(
                f"At random, on every {self._random.scope.requests(plural=False)}: {chances}"
            )
        return lines

    def _add(self, fault: Fault, times: int, method: str | None, path: PathPattern | None) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        self._scripted.append(_Scripted(fault, times, method, path))

    def take(self, method: str, path: str) -> Fault | None:
        """Return the fault for this request, if any."""
        return self._take_scripted(method, path) or self._take_random(method, path)

    def _take_scripted(self, method: str, path: str) -> Fault | None:
        for scripted in self._scripted:
            if scripted.matches(method, path):
                scripted.remaining -= 1
                if not scripted.remaining:
                    self._scripted.remove(scripted)
                return scripted.fault
        return None

    def _take_random(self, method: str, path: str) -> Fault | None:
        mode = self._random
        if mode is None or not mode.scope.matches(method, path):
            return None
        roll = mode.rng.random()
        for probability, fault in mode.faults:
            if roll < probability:
                # Clerk refuses a 429 before doing anything, so only other faults may land
                # the write first.
                refused_first = fault.kind == "status" and fault.status == 429
                if method != "GET" and not refused_first and mode.rng.random() < mode.after_apply:
                    return attrs.evolve(fault, after_apply=True)
                return fault
            roll -= probability
        return None
