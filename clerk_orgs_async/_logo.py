"""Reading and checking a logo before upload: Clerk's types and its 10 MB limit."""

from __future__ import annotations

import asyncio
import mimetypes
import os
from pathlib import Path
from typing import BinaryIO

from .errors import InvalidRequestError

MAX_LOGO_BYTES = 10 * 1024 * 1024
LOGO_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
)
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/x-icon": ".ico",
    "image/vnd.microsoft.icon": ".ico",
}

LogoFile = bytes | str | os.PathLike[str] | BinaryIO


def sniff(data: bytes) -> str | None:
    """The image type from the file's magic number."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"\x00\x00\x01\x00":
        return "image/x-icon"
    return None


def _too_large(size: int) -> InvalidRequestError:
    return InvalidRequestError(
        f"a logo may be at most {MAX_LOGO_BYTES} bytes (10 MB), this one has {size}"
    )


def _read_path(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise _too_large(size)
    return path.read_bytes()


async def read_logo(
    file: LogoFile, content_type: str | None, filename: str | None
) -> tuple[bytes, str, str]:
    """The bytes, content type and file name to upload; refuses anything Clerk would refuse."""
    name: str | None = None
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
    elif isinstance(file, str | os.PathLike):
        path = Path(file)
        name = path.name
        try:
            data = await asyncio.to_thread(_read_path, path)
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            raise InvalidRequestError(f"cannot read the logo {str(path)!r}: {exc}") from exc
    elif callable(getattr(file, "read", None)):
        name = os.path.basename(str(getattr(file, "name", ""))) or None
        data = file.read(MAX_LOGO_BYTES + 1)
        if not isinstance(data, bytes):
            raise InvalidRequestError("a logo file object must be opened in binary mode")
    else:
        raise InvalidRequestError(
            f"a logo is bytes, a path or a binary file object, got {type(file).__name__}"
        )
    if len(data) > MAX_LOGO_BYTES:
        raise _too_large(len(data))
    if not data:
        raise InvalidRequestError("the logo is empty")
    filename = filename or name
    kind = content_type or (filename and mimetypes.guess_type(filename)[0]) or sniff(data)
    if kind not in LOGO_TYPES:
        allowed = ", ".join(sorted(LOGO_TYPES))
        raise InvalidRequestError(f"a logo must be one of {allowed}; got {kind or 'unknown'}")
    return data, kind, filename or f"logo{_EXTENSIONS[kind]}"
