"""Persistent score store: SQLite (WAL), one row per (space, dataset, network, proxy, settings).

Every finished score is committed at once, so an interrupted run loses only what was in flight and a
rerun computes nothing twice. Only the caller's process writes; workers just compute.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Iterator, MutableMapping

from zeronas.errors import ZeronasError
from zeronas.scoring.scorer import Scores

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scores (
    space TEXT NOT NULL, dataset TEXT NOT NULL, arch_key TEXT NOT NULL, proxy TEXT NOT NULL,
    settings TEXT NOT NULL, value REAL, seconds REAL NOT NULL,
    PRIMARY KEY (space, dataset, settings, arch_key, proxy)
);
"""


class ScoreStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE name='zeronas_schema'").fetchone()
            if row is None:
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('zeronas_schema', ?)", (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                raise ZeronasError(f"{self.path} has zeronas schema {row[0]}, this version reads {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise ZeronasError(f"{self.path} is not a usable zeronas score store ({exc}); "
                               "move it away or pass another --store") from None

    def get(self, space: str, dataset: str, settings: str, arch_key: str, proxies: list[str]) -> Scores | None:
        rows = self.db.execute(
            "SELECT proxy, value, seconds FROM scores WHERE space=? AND dataset=? AND settings=? AND arch_key=?",
            (space, dataset, settings, arch_key)).fetchall()
        found = {p: (math.nan if v is None else v, s) for p, v, s in rows}
        if any(p not in found for p in proxies):
            return None
        return Scores({p: found[p][0] for p in proxies}, {p: found[p][1] for p in proxies})

    def put(self, space: str, dataset: str, settings: str, arch_key: str, scores: Scores) -> None:
        rows = [(space, dataset, arch_key, p, None if math.isnan(v) else v, scores.seconds.get(p, 0.0), settings)
                for p, v in scores.values.items()]
        self.db.executemany("INSERT OR REPLACE INTO scores (space, dataset, arch_key, proxy, value, seconds, settings)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def count(self, space: str, dataset: str, settings: str, proxy: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM scores WHERE space=? AND dataset=? AND settings=? AND proxy=?",
                               (space, dataset, settings, proxy)).fetchone()[0]

    def scores_cache(self, space: str, dataset: str, settings: str, proxies: list[str]) -> "StoreCache":
        return StoreCache(self, space, dataset, settings, list(proxies))

    def close(self) -> None:
        self.db.close()


class StoreCache(MutableMapping[str, Scores]):
    """The store seen as a Scorer cache: canonical key -> Scores for a fixed (space, dataset, settings, proxies)."""

    def __init__(self, store: ScoreStore, space: str, dataset: str, settings: str, proxies: list[str]):
        self.store, self.space, self.dataset, self.settings, self.proxies = store, space, dataset, settings, proxies
        self._memory: dict[str, Scores] = {}

    def __getitem__(self, key: str) -> Scores:
        if key not in self._memory:
            hit = self.store.get(self.space, self.dataset, self.settings, key, self.proxies)
            if hit is None:
                raise KeyError(key)
            self._memory[key] = hit
        return self._memory[key]

    def __setitem__(self, key: str, scores: Scores) -> None:
        self.store.put(self.space, self.dataset, self.settings, key, scores)
        self._memory[key] = scores

    def __delitem__(self, key: str) -> None:
        raise TypeError("the score store is append-only")

    def __contains__(self, key) -> bool:
        try:
            self[key]
            return True
        except KeyError:
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(self._memory)

    def __len__(self) -> int:
        return len(self._memory)
