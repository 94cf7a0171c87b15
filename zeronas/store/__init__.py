"""Persistent storage of scores (and, later, search runs)."""

from zeronas.store.sqlite_store import ScoreStore, StoreCache


def open_store(path) -> ScoreStore:
    return ScoreStore(path)


__all__ = ["ScoreStore", "StoreCache", "open_store"]
