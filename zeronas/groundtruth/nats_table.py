"""NATS-Bench topology ground truth (../shared/benchmarks/nats-tss.csv): accuracy, params, training cost."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from zeronas.data.datasets import DatasetInfo
from zeronas.errors import ZeronasError
from zeronas.groundtruth import BenchmarkCapabilities
from zeronas.groundtruth.checks import finite_column, first_duplicate, row_name, shown
from zeronas.paths import data_file, read_csv_table

TABLE_ENV = "ZERONAS_NATS_TABLE"
REQUIRED = ("index", "arch", "test_acc_cifar10", "test_acc_cifar100", "test_acc_imagenet16")


def table_path(override: str | os.PathLike | None = None, root: str | None = None) -> Path:
    return data_file("benchmarks/nats-tss.csv", "NATS-Bench table", root, override, TABLE_ENV)


class NatsTable:
    """One row per cell, indexed by the official architecture string."""

    label = "NATS-Bench, 200 epochs"
    capabilities = BenchmarkCapabilities(
        datasets=("cifar10", "cifar100", "imagenet16-120"), lists_every_cell=True, training_results=True
    )
    # FreeREA (Cavagnero et al., 2023) Table 1, Kendall τ on all of NATS-Bench; ntk as -κ (sign flipped)
    published_tau = {
        "cifar10": {
            "logsynflow": 0.63,
            "naswot": 0.61,
            "synflow": 0.57,
            "snip": 0.45,
            "fisher": 0.39,
            "grasp": 0.28,
            "ntk": 0.33,
        },
        "cifar100": {
            "logsynflow": 0.61,
            "naswot": 0.62,
            "synflow": 0.56,
            "snip": 0.47,
            "fisher": 0.40,
            "grasp": 0.35,
            "ntk": 0.30,
        },
        "imagenet16-120": {
            "logsynflow": 0.60,
            "naswot": 0.60,
            "synflow": 0.56,
            "snip": 0.41,
            "fisher": 0.36,
            "grasp": 0.35,
            "ntk": 0.39,
        },
    }

    def __init__(self, path: Path):
        self.path = path
        self.frame = _read(str(path))
        self._by_arch = pd.Series(range(len(self.frame)), index=self.frame["arch"].values)
        self._by_index = pd.Series(self.frame["arch"].values, index=self.frame["index"].values)
        self._parsed: list | None = None

    @classmethod
    def load(cls, override=None, root=None) -> NatsTable:
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


ROWS = 15_625  # 5 ops on 6 edges: every cell of the space, once
METRICS = ("test_acc_", "params_m_", "valid_acc_12ep_", "train_s_per_epoch_")  # numeric, finite on every row


@lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    """The table, checked whole at load (rows, index, arch strings, numbers) so a bad file fails before any work."""
    frame = read_csv_table(path, "NATS-Bench")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ZeronasError(f"{path} is not a NATS-Bench table: missing column(s) {', '.join(missing)}")
    if len(frame) != ROWS:
        raise ZeronasError(f"NATS-Bench table {path} is incomplete: the table has {len(frame):,} of {ROWS:,} rows")
    frame["index"] = _check_index(path, frame["index"])
    _check_arch(path, frame)
    for col in (c for c in frame.columns if c.startswith(METRICS)):
        frame[col] = finite_column("NATS-Bench", path, frame, col)
    return frame


def _check_index(path: str, index: pd.Series) -> pd.Series:
    values = pd.to_numeric(index, errors="coerce")
    whole = values.notna() & (values == values.round())
    if not whole.all():
        pos = int((~whole.to_numpy()).argmax())
        raise ZeronasError(
            f"NATS-Bench table {path}: index on line {pos + 2} is {shown(index.iloc[pos])}, not a whole number"
        )
    values = values.astype("int64")
    outside = ~values.between(0, ROWS - 1)
    if outside.any():
        pos = int(outside.to_numpy().argmax())
        raise ZeronasError(
            f"NATS-Bench table {path}: index {values.iloc[pos]} on line {pos + 2} is outside 0..{ROWS - 1}"
        )
    lines = first_duplicate(values)
    if lines:
        first, repeat = lines
        raise ZeronasError(
            f"NATS-Bench table {path}: index {values.iloc[repeat - 2]} appears twice, on lines {first} and {repeat}"
        )
    return values


def _check_arch(path: str, frame: pd.DataFrame) -> None:
    """Every arch string in the space's own format (so the rows are exactly the space's 15,625 cells)."""
    from zeronas.spaces.nats_tss import EDGES, NUM_NODES, OPS, NatsTopologySpace

    op = "(?:" + "|".join(OPS) + ")"
    groups = [
        "\\|" + "\\|".join(f"{op}~{s}" for t, s in EDGES if t == target) + "\\|" for target in range(1, NUM_NODES)
    ]
    arch = frame["arch"].astype("string")
    ok = arch.str.fullmatch("\\+".join(groups)).fillna(False).astype(bool)
    if not ok.all():
        pos = int((~ok.to_numpy()).argmax())
        text = arch.iloc[pos]
        try:
            NatsTopologySpace().parse(text)
            reason = f"{shown(text)} is not in the table's form |op~0|+|op~0|op~1|+|op~0|op~1|op~2|"
        except ZeronasError as exc:
            reason = str(exc).splitlines()[0]
        raise ZeronasError(f"NATS-Bench table {path}: arch of {row_name(frame, pos)}: {reason}")
    lines = first_duplicate(arch)
    if lines:
        first, repeat = lines
        raise ZeronasError(
            f"NATS-Bench table {path}: arch {arch.iloc[repeat - 2]} appears twice, on lines {first} and {repeat}"
        )
