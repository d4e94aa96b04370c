"""Request bodies and query strings checked against the spec: types, required and unknown fields.

Wrong types, malformed JSON and fields a closed schema (``additionalProperties: false``) does
not name get 400 ``request_body_invalid``; a missing required field gets 422
``form_param_missing``, as Clerk answers them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import attrs

from clerk_orgs_async._json import loads
from clerk_orgs_async.testing._errors import body_invalid, param_invalid, param_missing

MAX_BODY_DEPTH = 100
"""Clerk documents no nesting limit. Deeper bodies get 400 ``request_body_invalid`` so the
emulator never accepts a value it could not store, answer or show (the standard library's
encoder and decoder recurse once per level); the client refuses metadata past 64 levels."""

_INTEGER = re.compile(r"-?[0-9]{1,30}")
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


@attrs.frozen
class Body:
    """A request body schema: field -> (JSON type, nullable)."""

    fields: Mapping[str, tuple[str, bool]]
    required: tuple[str, ...] = ()
    closed: bool = False

    def without(self, *names: str) -> Body:
        """The same schema with ``names`` removed (for a newer API version)."""
        return attrs.evolve(self, fields={k: v for k, v in self.fields.items() if k not in names})


METADATA_FIELDS: dict[str, tuple[str, bool]] = {
    "public_metadata": ("object", True),
    "private_metadata": ("object", True),
}
"""The metadata fields of the create and update bodies that carry them."""
METADATA = Body(
    {"public_metadata": ("object", False), "private_metadata": ("object", False)}, closed=True
)
"""The body of the metadata endpoints (organizations' and memberships')."""


def decode(raw: bytes) -> Any:
    """Decode a JSON body; an empty one is ``{}``."""
    try:
        body = loads(raw) if raw.strip() else {}
    except ValueError:
        raise body_invalid("it is not valid JSON") from None
    try:
        _check_strict(body)
    except UnicodeEncodeError:  # a lone surrogate
        raise body_invalid("it is not valid JSON") from None
    except ValueError as exc:
        raise body_invalid(str(exc)) from None
    return body


def parse_json(raw: bytes, schema: Body) -> dict[str, Any]:
    """Decode a JSON object body and check it against ``schema``."""
    return check(decode(raw), schema)


def check(body: Any, schema: Body) -> dict[str, Any]:
    """Check a decoded body against ``schema``: an object, field types, required fields."""
    if not isinstance(body, dict):
        raise body_invalid("it must be a JSON object")
    for key, value in body.items():
        if key not in schema.fields:
            if schema.closed:
                raise body_invalid(f"{key} is not a recognized parameter", param=key)
            continue
        kind, nullable = schema.fields[key]
        if value is None and nullable:
            continue
        if not isinstance(value, _TYPES[kind]) or (kind == "integer" and isinstance(value, bool)):
            article = "an" if kind[0] in "aeiou" else "a"
            raise body_invalid(f"{key} must be {article} {kind}", param=key)
    for key in schema.required:
        if body.get(key) in (None, ""):
            raise param_missing(key)
    return body


def _check_strict(value: Any) -> None:
    """Raise ``ValueError`` for NaN, ±Infinity, a lone surrogate or nesting past the limit."""
    # orjson refuses the first three; the stdlib decoder lets them through, and they could
    # not be answered back as JSON. An explicit stack, not recursion: depth is what is checked.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("it is not valid JSON")  # NaN and ±Infinity are not JSON
        if isinstance(item, str):
            item.encode()
        elif isinstance(item, (dict, list)):
            if depth > MAX_BODY_DEPTH:
                raise ValueError(f"it nests deeper than {MAX_BODY_DEPTH} levels")
            if isinstance(item, dict):
                for key in item:
                    key.encode()
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def query_int(query: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    """An integer query parameter in ASCII digits; a malformed one gets 422 with its name."""
    value = query.get(name)
    if value is None:
        return default
    # int() alone would also take " 5", "1_0" and other scripts' digits.
    if not _INTEGER.fullmatch(value):
        raise param_invalid(name, "must be an integer")
    return int(value)


def query_bool(query: Mapping[str, str], name: str) -> bool:
    """A boolean flag: ``true`` or ``1`` turn it on, anything else leaves it off.

    Lenient on purpose: ``GET /organizations/{id}`` lists no 4xx for bad parameters.
    """
    return query.get(name, "").lower() in ("true", "1")
