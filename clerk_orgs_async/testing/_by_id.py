"""The read-only mapping a store of records by ID presents to ``emu.state``."""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import ClassVar, TypeVar

from clerk_orgs_async.testing._errors import not_found

R = TypeVar("R")


class ById(Mapping[str, R]):
    """Records by ID, in the order they were added; the store's methods make every change."""

    KIND: ClassVar[str]
    """What Clerk's 404 names (``"user"``, ``"organization"``)."""

    _by_id: dict[str, R]

    def __getitem__(self, record_id: str) -> R:
        return self._by_id[record_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._by_id

    # The dict's own views: the mixins' would look every key up again.
    def keys(self) -> KeysView[str]:
        return self._by_id.keys()

    def values(self) -> ValuesView[R]:
        return self._by_id.values()

    def items(self) -> ItemsView[str, R]:
        return self._by_id.items()

    def require(self, record_id: str) -> R:
        """The record with this ID, or Clerk's 404."""
        try:
            return self._by_id[record_id]
        except KeyError:
            raise not_found(self.KIND) from None
