"""JSON encoding and decoding: orjson when installed (extra ``speedups``), else the stdlib."""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - exercised in the environment without speedups
    orjson = None  # type: ignore[assignment]


def _std_loads(data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except RecursionError:
        # The stdlib decoder recurses once per nesting level: a hostile document must be a
        # ValueError like any other malformed one, not an error no caller expects.
        raise ValueError("JSON nested too deeply to decode") from None


def _std_dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


if orjson is not None:
    _OPTIONS = orjson.OPT_NON_STR_KEYS

    def loads(data: bytes | str) -> Any:
        """Decode a JSON document; raises ``ValueError`` on malformed input."""
        return orjson.loads(data)

    def dumps(obj: Any) -> bytes:
        """Encode to compact UTF-8 JSON, as the standard library would."""
        try:
            return orjson.dumps(obj, option=_OPTIONS)
        except TypeError:
            # Integers beyond 64 bits and other values orjson refuses: the stdlib takes them.
            return _std_dumps(obj)

else:  # pragma: no cover
    loads = _std_loads
    dumps = _std_dumps
