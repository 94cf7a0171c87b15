"""NATS-Bench topology ground truth (../shared/benchmarks/nats-tss.csv): accuracy, params, training cost."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd

from zeronas.data.datasets import DatasetInfo
from zeronas.errors import ZeronasError
from zeronas.paths import data_root, require_file, read_csv_table

TABLE_ENV = "ZERONAS_NATS_TABLE"
REQUIRED = ("index", "arch", "test_acc_cifar10", "test_acc_cifar100", "test_acc_imagenet16")


def table_path(override: str | os.PathLike | None = None, root: str | None = None) -> Path:
    if override:
        return Path(override)
    if os.environ.get(TABLE_ENV):
        return Path(os.environ[TABLE_ENV])
    return data_root(root) / "benchmarks" / "nats-tss.csv"


class NatsTable:
    """One row per cell, indexed by the official architecture string."""

    label = "NATS-Bench, 200 epochs"

    def __init__(self, path: Path):
        self.path = path
        self.frame = _read(str(path))
        self._by_arch = pd.Series(range(len(self.frame)), index=self.frame["arch"].values)
        self._by_index = pd.Series(self.frame["arch"].values, index=self.frame["index"].values)

    @classmethod
    def load(cls, override=None, root=None) -> "NatsTable":
        path = require_file(table_path(override, root), "NATS-Bench table",
                            f"pass --table or set {TABLE_ENV}")
        return cls(path)

    def row(self, arch_str: str) -> pd.Series:
        try:
            return self.frame.iloc[int(self._by_arch[arch_str])]
        except KeyError:
            raise ZeronasError(f"architecture {arch_str!r} is not in {self.path}") from None

    def index_of(self, arch_str: str) -> int:
        return int(self.row(arch_str)["index"])

    def __len__(self) -> int:
        return len(self.frame)

    def arch_of(self, index: int) -> str:
        if not 0 <= index < len(self.frame):
            raise ZeronasError(f"index {index} out of range 0..{len(self.frame) - 1}")
        return str(self._by_index[index])

    def column(self, metric: str, dataset: DatasetInfo) -> str:
        col = f"{metric}_{dataset.table_suffix}"
        if col not in self.frame.columns:
            raise ZeronasError(f"{self.path} has no column {col!r}")
        return col

    def test_acc(self, arch_str: str, dataset: DatasetInfo) -> float:
        return float(self.row(arch_str)[self.column("test_acc", dataset)])

    def optimum(self, dataset: DatasetInfo, feasible: Callable[[str], bool] | None = None) -> tuple[str, float]:
        """Best test accuracy in the table, optionally among architectures (strings) that are feasible."""
        col = self.column("test_acc", dataset)
        frame = self.frame
        if feasible is not None:
            frame = frame[[feasible(a) for a in frame["arch"]]]
        if frame.empty:
            raise ZeronasError("no architecture in the benchmark table satisfies the constraints")
        best = frame[col].idxmax()
        return str(frame.loc[best, "arch"]), float(frame.loc[best, col])


@lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    frame = read_csv_table(path, "NATS-Bench")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ZeronasError(f"{path} is not a NATS-Bench table: missing column(s) {', '.join(missing)}")
    return frame
