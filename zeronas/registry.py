"""One registry helper for every pluggable concept: proxies, spaces, strategies, datasets, executors,
benchmarks and score combinations. Registering a name twice is a programming error (raised at import);
asking for an unknown name is a user error (one line, exit 2)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from zeronas.errors import ZeronasError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    obj: T
    version: int = 1  # bump when what the object computes changes: stored values keyed by it are not reused
    summary: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def add(self, name: str, obj: T, *, version: int = 1, summary: str = "", **meta: Any) -> T:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = Entry(name, obj, version, summary, meta)
        return obj

    def register(self, name: str | None = None, **kwargs: Any) -> Callable[[T], T]:
        """Decorator form; the name defaults to the object's `name` attribute."""

        def decorate(obj: T) -> T:
            return self.add(name or obj.name, obj, **kwargs)

        return decorate

    def entry(self, name: str) -> Entry[T]:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise ZeronasError(f"unknown {self.kind} {name!r}; choose one of: {', '.join(self._entries)}") from None

    def get(self, name: str) -> T:
        return self.entry(name).obj

    __getitem__ = get

    def values(self) -> list[T]:
        return [e.obj for e in self._entries.values()]

    def names(self) -> list[str]:
        return list(self._entries)

    def entries(self) -> list[Entry[T]]:
        return list(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
