"""The ``UNSET`` sentinel: "leave this field out of the request body"."""

from __future__ import annotations

import enum
from typing import Literal, TypeAlias


class _UnsetType(enum.Enum):
    # An enum member, so that `x is UNSET` narrows types under mypy.
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Literal[_UnsetType.UNSET] = _UnsetType.UNSET
"""Default of every optional body field. `None` is different: it is sent as JSON ``null``."""

Unset: TypeAlias = Literal[_UnsetType.UNSET]
