"""Score sources that replay tables instead of computing: precomputed proxy scores, and the benchmark's
own training results for the training-based reference search. Paired with SimulatedClock, a search
costs the recorded seconds of what it scored, whatever machine replays it (FreeREA's methodology)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable
from pathlib import Path

import numpy as np
import pandas as pd

from zeronas.errors import ZeronasError
from zeronas.scoring.scores import Scores


class TableScores:
    """Proxy scores (and their seconds) looked up in a precomputed table: by the architecture's string (every
    row of an exported table holds its class representative's scores), else by canonical key, so a table of
    some members answers for their whole class."""

    parallelism = 1  # a replay charges one network at a time to the simulated clock

    def __init__(self, space, frame: pd.DataFrame, proxies: list[str] | None = None, source: str = "table"):
        from zeronas.bench.tables import proxy_columns

        available = proxy_columns(frame)
        self.proxy_names = list(proxies or available)
        absent = [p for p in self.proxy_names if p not in available or f"{p}_s" not in frame.columns]
        if absent:
            raise ZeronasError(f"{source} has no column for proxy {absent[0]!r}; it has: {', '.join(available)}")
        self.space = space
        self.nonfinite: Counter = Counter()
        self.reasons: Counter = Counter()  # (proxy, reason) -> lookups of a NaN value
        values = frame[self.proxy_names].to_numpy(dtype=np.float64)
        seconds = frame[[f"{p}_s" for p in self.proxy_names]].to_numpy(dtype=np.float64)
        self._by_text = dict(zip(frame["arch"], zip(map(tuple, values), map(tuple, seconds))))
        self._by_key: dict[str, tuple] | None = None  # built on the first miss: keying 15,625 cells takes seconds

    @classmethod
    def load(cls, space, path: str | Path, proxies: list[str] | None = None) -> TableScores:
        from zeronas.bench.tables import check_versions, read_tables

        frame, owner = read_tables(path)
        cls_ = cls(space, frame, proxies, str(path))
        for part in dict.fromkeys(owner[p] for p in cls_.proxy_names):
            check_versions(part, [p for p in cls_.proxy_names if owner[p] == part])
        return cls_

    def _row(self, arch: Hashable) -> tuple:
        text = self.space.format(arch)
        if text in self._by_text:
            return self._by_text[text]
        if self._by_key is None:
            self._by_key = {}
            for row_text, row in self._by_text.items():
                self._by_key.setdefault(self.space.canonical_key(self.space.parse(row_text)), row)
        try:
            return self._by_key[self.space.canonical_key(arch)]
        except KeyError:
            raise ZeronasError(f"{text} is not in the score table") from None

    def lookup(self, arch: Hashable) -> Scores:
        v, s = self._row(arch)
        values = {p: (x if math.isfinite(x) else math.nan) for p, x in zip(self.proxy_names, v)}
        nan = [p for p, x in values.items() if math.isnan(x)]
        self.nonfinite.update(nan)
        self.reasons.update((p, "NaN in the score table") for p in nan)
        return Scores(values, dict(zip(self.proxy_names, s)))

    def score_many(self, archs: list[Hashable]) -> list[Scores]:
        return [self.lookup(a) for a in archs]


TRAIN_EPOCHS = 12  # NATS-Bench's searches use the 12-epoch schedule (valid_acc_12ep_*)
TRAIN_PROXY = "valid_acc_12ep"


class TrainingScores:
    """The training-based reference (NATS-Bench's REA): fitness = 12-epoch validation accuracy, cost =
    12 × the recorded training seconds per epoch (CIFAR-100 has no column of its own: CIFAR-10's)."""

    proxy_names = [TRAIN_PROXY]
    parallelism = 1

    def __init__(self, space, frame: pd.DataFrame, dataset):
        suffix = dataset.table_suffix
        time_col = f"train_s_per_epoch_{'cifar10' if suffix == 'cifar100' else suffix}"
        for col in (f"valid_acc_12ep_{suffix}", time_col):
            if col not in frame.columns:
                raise ZeronasError(f"the benchmark table has no column {col!r}")
        self.space = space
        self.nonfinite: Counter = Counter()
        self.reasons: Counter = Counter()  # a benchmark accuracy is never NaN
        self._rows = {
            space.parse(a): (float(v), TRAIN_EPOCHS * float(t))
            for a, v, t in zip(frame["arch"], frame[f"valid_acc_12ep_{suffix}"], frame[time_col])
        }

    def score_many(self, archs: list[Hashable]) -> list[Scores]:
        out = []
        for arch in archs:
            acc, seconds = self._rows[tuple(arch)]
            out.append(Scores({TRAIN_PROXY: acc}, {TRAIN_PROXY: seconds}))
        return out


def open_table(space, dataset: str, path: str | Path | bool | None, proxies: list[str]) -> TableScores:
    """`--tabular` with no path means the packaged table zeronas/resources/tables/<space>-<dataset>.csv.gz."""
    from zeronas.bench.tables import table_file

    if not space.capabilities.enumerable:  # a replayed search may move to any cell, so the table must hold them all
        raise ZeronasError(
            f"tabular replay needs scores for every cell, which {space.name} is too large for; "
            "precompute a sample into --store instead (searches then reuse it)"
        )
    chosen = table_file(space.name, dataset) if path in (None, True, "", "default") else Path(path)
    return TableScores.load(space, chosen, proxies)
