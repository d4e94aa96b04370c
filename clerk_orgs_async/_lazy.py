"""Names that load on first use (PEP 562), for the package root and ``testing``.

Hand-written rather than ``lazy_loader``: ten lines do not justify a runtime dependency.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any


def attach(
    package: str,
    exports: Mapping[str, str],
    namespace: dict[str, Any],
    deprecated: Mapping[str, str] = MappingProxyType({}),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose ``exports`` map name -> module.

    A name is imported from its module (relative to ``package``) the first time it is read,
    then kept in ``namespace`` so later reads cost nothing. A ``deprecated`` name (old name
    -> the exported name that replaces it) still works, with a ``DeprecationWarning`` on
    every read; ``__dir__`` leaves it out.
    """

    def __getattr__(name: str) -> Any:
        if name in deprecated:
            new = deprecated[name]
            warnings.warn(
                f"{package}.{name} is deprecated: use {package}.{new}",
                DeprecationWarning,
                stacklevel=2,
            )
            return __getattr__(new)
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
