"""HW-NAS-Bench (Li et al., ICLR 2021): measured/simulated hardware cost of every NATS-Bench cell.

Reads ../shared/benchmarks/hw-nas-bench.csv; columns are `<device>_<metric>_<dataset suffix>`, rows
share NATS-Bench's `arch` strings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from zeronas.data.datasets import DatasetInfo
from zeronas.errors import ZeronasError
from zeronas.groundtruth.checks import finite_column
from zeronas.paths import data_file, read_csv_table

HWNAS_ENV = "ZERONAS_HWNAS_TABLE"


class HwNasTable:
    def __init__(self, path: Path):
        self.path = path
        self.frame = _read(str(path))
        self._latency = re.compile(r"(\w+?)_latency_(\w+)")

    @classmethod
    def load(cls, override=None, root=None) -> HwNasTable:
        return cls(data_file("benchmarks/hw-nas-bench.csv", "HW-NAS-Bench table", root, override, HWNAS_ENV))

    def devices(self) -> list[str]:
        """Devices with a latency column, in table order."""
        found = [m.group(1) for c in self.frame.columns if (m := self._latency.fullmatch(c))]
        return list(dict.fromkeys(found))

    def latency_column(self, device: str, dataset: DatasetInfo) -> str:
        if device not in self.devices():
            raise ZeronasError(f"unknown latency device {device!r}; known: {', '.join(self.devices())}")
        col = f"{device}_latency_{dataset.table_suffix}"
        if col not in self.frame.columns:
            raise ZeronasError(f"{self.path} has no column {col!r} for {dataset.name}")
        return col

    def latencies(self, device: str, dataset: DatasetInfo) -> dict[str, float]:
        """Milliseconds per architecture string."""
        col = self.latency_column(device, dataset)
        return dict(zip(self.frame["arch"], self.frame[col].astype(float)))


ROWS = 15_625  # one row per NATS-Bench cell


@lru_cache(maxsize=2)
def _read(path: str) -> pd.DataFrame:
    """The table, checked at load (rows, arch strings, latency numbers) so a bad file fails before any work."""
    frame = read_csv_table(path, "HW-NAS-Bench")
    if "arch" not in frame.columns or not any("_latency_" in c for c in frame.columns):
        raise ZeronasError(f"{path} is not a HW-NAS-Bench table: needs 'arch' and '<device>_latency_<dataset>' columns")
    if len(frame) != ROWS:
        raise ZeronasError(f"HW-NAS-Bench table {path} is incomplete: the table has {len(frame):,} of {ROWS:,} rows")
    arch = frame["arch"].astype("string")
    bad = arch.isna() | arch.duplicated()
    if bad.any():
        pos = int(bad.to_numpy().argmax())
        what = "is missing" if pd.isna(arch.iloc[pos]) else f"{arch.iloc[pos]} appears twice"
        raise ZeronasError(f"HW-NAS-Bench table {path}: arch on line {pos + 2} {what}")
    for col in (c for c in frame.columns if "_latency_" in c):
        frame[col] = finite_column("HW-NAS-Bench", path, frame, col)
    return frame
