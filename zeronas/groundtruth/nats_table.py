"""NATS-Bench topology ground truth (../shared/benchmarks/nats-tss.csv): accuracy, params, training cost."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from zeronas.data.datasets import DatasetInfo
from zeronas.errors import ZeronasError
from zeronas.groundtruth import BenchmarkCapabilities
from zeronas.paths import data_file, read_csv_table

TABLE_ENV = "ZERONAS_NATS_TABLE"
REQUIRED = ("index", "arch", "test_acc_cifar10", "test_acc_cifar100", "test_acc_imagenet16")


def table_path(override: str | os.PathLike | None = None, root: str | None = None) -> Path:
    return data_file("benchmarks/nats-tss.csv", "NATS-Bench table", root, override, TABLE_ENV)


class NatsTable:
    """One row per cell, indexed by the official architecture string."""

    label = "NATS-Bench, 200 epochs"
    capabilities = BenchmarkCapabilities(datasets=("cifar10", "cifar100", "imagenet16-120"), lists_every_cell=True,
                                         training_results=True)
    # FreeREA (Cavagnero et al., 2023) Table 1, Kendall τ on all of NATS-Bench; ntk as -κ (sign flipped)
    published_tau = {
        "cifar10": {"logsynflow": .63, "naswot": .61, "synflow": .57, "snip": .45, "fisher": .39, "grasp": .28,
                    "ntk": .33},
        "cifar100": {"logsynflow": .61, "naswot": .62, "synflow": .56, "snip": .47, "fisher": .40, "grasp": .35,
                     "ntk": .30},
        "imagenet16-120": {"logsynflow": .60, "naswot": .60, "synflow": .56, "snip": .41, "fisher": .36,
                           "grasp": .35, "ntk": .39},
    }

    def __init__(self, path: Path):
        self.path = path
        self.frame = _read(str(path))
        self._by_arch = pd.Series(range(len(self.frame)), index=self.frame["arch"].values)
        self._by_index = pd.Series(self.frame["arch"].values, index=self.frame["index"].values)
        self._parsed: list | None = None

    @classmethod
    def load(cls, override=None, root=None) -> "NatsTable":
        return cls(table_path(override, root))

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

    def optimum(self, dataset: DatasetInfo, constraints=()) -> tuple[str, float]:
        """Best test accuracy in the table, among the cells that satisfy every constraint."""
        col = self.column("test_acc", dataset)
        frame = self.frame
        if constraints:
            archs = self.parsed()
            frame = frame[[all(c.ok(a) for c in constraints) for a in archs]]
        if frame.empty:
            raise ZeronasError("no architecture in the benchmark table satisfies the constraints")
        best = frame[col].idxmax()
        return str(frame.loc[best, "arch"]), float(frame.loc[best, col])

    def parsed(self) -> list:
        """Every row's architecture as the space's value, in row order (parsed once)."""
        if self._parsed is None:
            from zeronas.spaces.nats_tss import NatsTopologySpace

            space = NatsTopologySpace()
            self._parsed = [space.parse(a) for a in self.frame["arch"]]
        return self._parsed


@lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    frame = read_csv_table(path, "NATS-Bench")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ZeronasError(f"{path} is not a NATS-Bench table: missing column(s) {', '.join(missing)}")
    return frame
