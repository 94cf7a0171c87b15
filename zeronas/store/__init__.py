"""Persistent storage of scores and search runs."""

import os
from pathlib import Path

from zeronas.store.sqlite_store import ScoreStore, StoreCache

STORE_ENV = "ZERONAS_STORE"


def default_store_path(override=None) -> Path:
    """--store, else $ZERONAS_STORE, else runs/zeronas.sqlite under the working directory (git-ignored)."""
    if override:
        return Path(override)
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV])
    return Path.cwd() / "runs" / "zeronas.sqlite"


def open_store(path) -> ScoreStore:
    return ScoreStore(path)


__all__ = ["STORE_ENV", "ScoreStore", "StoreCache", "default_store_path", "open_store"]
