"""Persistent score store: SQLite (WAL), one row per (space, dataset, network, proxy, settings), plus
search runs and their trajectories.

Every finished score is committed at once (one transaction per network), so an interrupted run loses
only what was in flight and a rerun computes nothing twice. Several processes may write one file:
WAL lets readers run beside the single writer, and writers wait their turn (busy timeout).
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from zeronas.errors import ZeronasError
from zeronas.scoring.scores import Scores

SCHEMA_VERSION = 2  # 2: proxy values are stored as name@vN (the proxy's registered version)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scores (
    space TEXT NOT NULL, dataset TEXT NOT NULL, arch_key TEXT NOT NULL, proxy TEXT NOT NULL,
    settings TEXT NOT NULL, value REAL, seconds REAL NOT NULL,
    PRIMARY KEY (space, dataset, settings, arch_key, proxy)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL, space TEXT NOT NULL,
    dataset TEXT NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, config TEXT NOT NULL,
    result TEXT
);
CREATE TABLE IF NOT EXISTS trajectory (
    run_id INTEGER NOT NULL REFERENCES runs(run_id), step INTEGER NOT NULL, arch_key TEXT NOT NULL,
    arch TEXT NOT NULL, clock REAL NOT NULL, cached INTEGER NOT NULL, PRIMARY KEY (run_id, step)
);
"""
# Latencies measured on a device (zeronas.hardware) came later under the same schema version. The table is
# created when a store first holds a latency, so older stores keep working and a store that never measured
# one stays readable by zeronas versions that do not know the table.
_LATENCY_SCHEMA = """
CREATE TABLE IF NOT EXISTS latencies (
    fingerprint TEXT NOT NULL, space TEXT NOT NULL, dataset TEXT NOT NULL, num_classes INTEGER NOT NULL,
    resolution INTEGER NOT NULL, arch_key TEXT NOT NULL, ms REAL NOT NULL, measured REAL NOT NULL,
    PRIMARY KEY (fingerprint, space, dataset, num_classes, resolution, arch_key)
);
"""
_OURS = {"meta", "scores", "runs", "trajectory", "latencies", "sqlite_sequence"}


class ScoreStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._has_latencies = False  # the latencies table is created on first use
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables - _OURS or (tables and "meta" not in tables):
                raise ZeronasError(
                    f"{self.path} is an SQLite database of something else, not a zeronas "
                    "score store; pass another --store"
                )
            self.db.executescript(_SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE name='zeronas_schema'").fetchone()
            if row is None:
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('zeronas_schema', ?)", (str(SCHEMA_VERSION),))
            elif row[0] == "1":
                self._migrate_from_1()
            elif row[0] != str(SCHEMA_VERSION):
                raise ZeronasError(f"{self.path} has zeronas schema {row[0]}, this version reads {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise ZeronasError(
                f"{self.path} is not a usable zeronas score store ({exc}); move it away or pass another --store"
            ) from None

    def _migrate_from_1(self) -> None:
        """Schema 1 stored proxies without versions and NATS cells under a key that merged different networks:
        its values are kept (runs too) but marked @v0, so no current proxy ever reuses them."""
        with self._transaction():
            self.db.execute("UPDATE scores SET proxy = proxy || '@v0'")
            self.db.execute("UPDATE meta SET value=? WHERE name='zeronas_schema'", (str(SCHEMA_VERSION),))

    def get(self, space: str, dataset: str, settings: str, arch_key: str, proxies: list[str]) -> Scores | None:
        rows = self.db.execute(
            "SELECT proxy, value, seconds FROM scores WHERE space=? AND dataset=? AND settings=? AND arch_key=?",
            (space, dataset, settings, arch_key),
        ).fetchall()
        found = {p: (math.nan if v is None else v, s) for p, v, s in rows}
        keys = versioned(proxies)
        if any(k not in found for k in keys.values()):
            return None
        return Scores({p: found[k][0] for p, k in keys.items()}, {p: found[k][1] for p, k in keys.items()})

    def put(self, space: str, dataset: str, settings: str, arch_key: str, scores: Scores) -> None:
        keys = versioned(list(scores.values))
        rows = [
            (space, dataset, arch_key, keys[p], None if math.isnan(v) else v, scores.seconds.get(p, 0.0), settings)
            for p, v in scores.values.items()
        ]
        with self._transaction():  # all proxies of a network, or none of them
            self.db.executemany(
                "INSERT OR REPLACE INTO scores (space, dataset, arch_key, proxy, value, seconds,"
                " settings) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def _transaction(self):
        return _Transaction(self.db)

    def all_scores(self, space: str, dataset: str, settings: str, proxies: list[str]) -> dict[str, Scores]:
        """Every complete network stored for these settings: canonical key -> Scores (one query)."""
        marks = ",".join("?" * len(proxies))
        names = {k: p for p, k in versioned(proxies).items()}
        rows = self.db.execute(
            f"SELECT arch_key, proxy, value, seconds FROM scores WHERE space=? AND dataset=? AND settings=?"
            f" AND proxy IN ({marks})",
            (space, dataset, settings, *names),
        ).fetchall()
        found: dict[str, tuple[dict, dict]] = {}
        for key, stored, value, seconds in rows:
            proxy = names[stored]
            values, secs = found.setdefault(key, ({}, {}))
            values[proxy], secs[proxy] = (math.nan if value is None else value), seconds
        return {
            k: Scores({p: v[p] for p in proxies}, {p: s[p] for p in proxies})
            for k, (v, s) in found.items()
            if len(v) == len(proxies)
        }

    # -- search runs ------------------------------------------------------------------------------
    def start_run(self, space: str, dataset: str, strategy: str, seed: int, config: dict) -> int:
        with self._transaction():
            cur = self.db.execute(
                "INSERT INTO runs (started, space, dataset, strategy, seed, config) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), space, dataset, strategy, seed, json.dumps(config, default=str)),
            )
        return int(cur.lastrowid)

    def record_step(self, run_id: int, step: int, arch_key: str, arch: str, clock: float, cached: bool) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO trajectory VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, step, arch_key, arch, clock, int(cached)),
        )

    def finish_run(self, run_id: int, result: dict) -> None:
        self.db.execute("UPDATE runs SET result=? WHERE run_id=?", (json.dumps(result, default=str), run_id))

    def runs(self) -> list[dict]:
        cols = ("run_id", "started", "space", "dataset", "strategy", "seed", "config", "result")
        out = []
        for row in self.db.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY run_id"):
            run = dict(zip(cols, row))
            run["config"] = json.loads(run["config"])
            run["result"] = json.loads(run["result"]) if run["result"] else None
            out.append(run)
        return out

    def trajectory(self, run_id: int) -> list[dict]:
        rows = self.db.execute(
            "SELECT step, arch_key, arch, clock, cached FROM trajectory WHERE run_id=? ORDER BY step", (run_id,)
        ).fetchall()
        return [dict(step=s, arch_key=k, arch=a, clock=c, cached=bool(x)) for s, k, a, c, x in rows]

    # -- browsing runs (`zeronas runs`): read only, a damaged row is a one-line error -------------------
    def run_summaries(self) -> list[dict]:
        """Every run as runs() gives it, plus `steps` (trajectory rows recorded so far), oldest first."""
        cols = ("run_id", "started", "space", "dataset", "strategy", "seed", "config", "result")
        query = (
            f"SELECT {', '.join('r.' + c for c in cols)}, (SELECT COUNT(*) FROM trajectory t"
            " WHERE t.run_id = r.run_id) FROM runs r ORDER BY r.run_id"
        )
        return [self._run_row(cols, row[:-1], steps=row[-1]) for row in self._read(query)]

    def run(self, run_id: int) -> dict | None:
        """One run as runs() gives it (plus `steps`), or None if the store has no such run."""
        cols = ("run_id", "started", "space", "dataset", "strategy", "seed", "config", "result")
        rows = self._read(f"SELECT {', '.join(cols)} FROM runs WHERE run_id=?", (run_id,))
        if not rows:
            return None
        steps = self._read("SELECT COUNT(*) FROM trajectory WHERE run_id=?", (run_id,))[0][0]
        return self._run_row(cols, rows[0], steps=steps)

    def run_trajectory(self, run_id: int) -> list[dict]:
        """trajectory(run_id), with a damaged store reported as a ZeronasError."""
        rows = self._read(
            "SELECT step, arch_key, arch, clock, cached FROM trajectory WHERE run_id=? ORDER BY step", (run_id,)
        )
        return [dict(step=s, arch_key=k, arch=a, clock=c, cached=bool(x)) for s, k, a, c, x in rows]

    def settings_tags(self, space: str, dataset: str) -> list[str]:
        """The distinct scoring settings (ScoringSettings.tag()) the store holds scores under for space/dataset."""
        rows = self._read(
            "SELECT DISTINCT settings FROM scores WHERE space=? AND dataset=? ORDER BY settings", (space, dataset)
        )
        return [r[0] for r in rows]

    def _read(self, query: str, args: tuple = ()) -> list[tuple]:
        try:
            return self.db.execute(query, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ZeronasError(f"cannot read {self.path} ({exc}); is it a damaged zeronas store?") from None

    def _run_row(self, cols: tuple[str, ...], row: tuple, steps: int) -> dict:
        run = dict(zip(cols, row))
        for name in ("config", "result"):
            text = run[name]
            try:
                run[name] = json.loads(text) if text else None
            except (TypeError, ValueError):
                raise ZeronasError(f"run {run['run_id']} in {self.path} has an unreadable {name} (not JSON)") from None
            if run[name] is not None and not isinstance(run[name], dict):
                raise ZeronasError(f"run {run['run_id']} in {self.path} has an unreadable {name} (not an object)")
        run["config"] = run["config"] or {}
        run["steps"] = int(steps)
        return run

    def count(self, space: str, dataset: str, settings: str, proxy: str) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM scores WHERE space=? AND dataset=? AND settings=? AND proxy=?",
            (space, dataset, settings, versioned([proxy])[proxy]),
        ).fetchone()[0]

    def scores_cache(self, space: str, dataset: str, settings: str, proxies: list[str]) -> StoreCache:
        return StoreCache(self, space, dataset, settings, list(proxies))

    # -- measured latencies (zeronas.hardware.LatencyMeter) --------------------------------------------------
    def _latencies(self) -> sqlite3.Connection:
        if not self._has_latencies:
            self.db.executescript(_LATENCY_SCHEMA)
            self._has_latencies = True
        return self.db

    def get_latency(
        self, fingerprint: str, space: str, dataset: str, resolution: int, num_classes: int, arch_key: str
    ) -> float | None:
        row = (
            self._latencies()
            .execute(
                "SELECT ms FROM latencies WHERE fingerprint=? AND space=? AND dataset=? AND num_classes=?"
                " AND resolution=? AND arch_key=?",
                (fingerprint, space, dataset, num_classes, resolution, arch_key),
            )
            .fetchone()
        )
        return None if row is None else float(row[0])

    def put_latency(
        self, fingerprint: str, space: str, dataset: str, resolution: int, num_classes: int, arch_key: str, ms: float
    ) -> None:
        """One measurement, committed at once (autocommit: a single statement)."""
        self._latencies().execute(
            "INSERT OR REPLACE INTO latencies (fingerprint, space, dataset, num_classes, resolution, arch_key, ms,"
            " measured) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (fingerprint, space, dataset, num_classes, resolution, arch_key, float(ms), time.time()),
        )

    def latency_cache(
        self, fingerprint: str, space: str, dataset: str, resolution: int, num_classes: int = 0
    ) -> LatencyCache:
        """The stored latencies of one device fingerprint and task as a mapping canonical key -> ms (a
        LatencyMeter's cache). num_classes sets the classifier width; 0 = not recorded."""
        self._latencies()
        return LatencyCache(self, fingerprint, space, dataset, resolution, num_classes)

    def close(self) -> None:
        self.db.close()


def versioned(proxies: list[str]) -> dict[str, str]:
    """name -> name@vN, the proxy's registered version: how every stored value is keyed."""
    from zeronas.proxies import proxy_versions

    return {p: f"{p}@v{v}" for p, v in proxy_versions(proxies).items()}


class _AppendOnlyCache(MutableMapping):
    """A read-through view of one slice of the store, remembered in memory; every value set is written (and
    committed) at once. Subclasses say how one key is read (`_read`, None if absent) and written (`_write`)."""

    def __init__(self):
        self._memory: dict = {}

    def _read(self, key: str):
        raise NotImplementedError

    def _write(self, key: str, value) -> None:
        raise NotImplementedError

    def __getitem__(self, key: str):
        if key not in self._memory:
            hit = self._read(key)
            if hit is None:
                raise KeyError(key)
            self._memory[key] = hit
        return self._memory[key]

    def __setitem__(self, key: str, value) -> None:
        self._write(key, value)
        self._memory[key] = value

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


class StoreCache(_AppendOnlyCache):
    """The store seen as a Scorer cache: canonical key -> Scores for a fixed (space, dataset, settings, proxies)."""

    def __init__(self, store: ScoreStore, space: str, dataset: str, settings: str, proxies: list[str]):
        super().__init__()
        self.store, self.space, self.dataset, self.settings, self.proxies = store, space, dataset, settings, proxies

    def _read(self, key: str) -> Scores | None:
        return self.store.get(self.space, self.dataset, self.settings, key, self.proxies)

    def _write(self, key: str, scores: Scores) -> None:
        self.store.put(self.space, self.dataset, self.settings, key, scores)


class LatencyCache(_AppendOnlyCache):
    """The store's latencies for a fixed (device fingerprint, space, dataset, classes, resolution): canonical
    key -> milliseconds."""

    def __init__(self, store: ScoreStore, fingerprint: str, space: str, dataset: str, resolution: int, num_classes):
        super().__init__()
        self.store = store
        self.where = (fingerprint, space, dataset, int(resolution), int(num_classes))

    def _read(self, key: str) -> float | None:
        return self.store.get_latency(*self.where, key)

    def _write(self, key: str, ms: float) -> None:
        self.store.put_latency(*self.where, key, ms)

    def __setitem__(self, key: str, ms: float) -> None:
        super().__setitem__(key, float(ms))


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (rollback on error): takes the write lock up front, so concurrent
    writers queue on the busy timeout instead of failing half-way."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
