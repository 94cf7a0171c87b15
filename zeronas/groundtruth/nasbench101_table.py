"""NAS-Bench-101 ground truth (../shared/benchmarks/nasbench101.npz): CIFAR-10 test accuracy at 108 epochs.

Rows are found by the benchmark's graph hash, so any vertex order of a cell finds its row. Parameters
come from the table; multiply-adds are computed for all rows at once from the cells (the same count
the search's cost model makes on the built network), so the optimum under FLOPs/params limits takes
seconds instead of building 423,624 networks.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from zeronas.data.datasets import DatasetInfo
from zeronas.errors import ZeronasError
from zeronas.groundtruth import BenchmarkCapabilities
from zeronas.paths import data_file
from zeronas.spaces.nasbench101 import Cell, NasBench101Space
from zeronas.spaces.nasbench101_net import network_costs

TABLE_ENV = "ZERONAS_NB101_TABLE"
REQUIRED = ("hash", "num_vertices", "adjacency", "ops", "params", "test_acc")


def table_path(override: str | os.PathLike | None = None, root: str | None = None) -> Path:
    """--table, else $ZERONAS_NB101_TABLE, else the shared data folder's copy."""
    return data_file("benchmarks/nasbench101.npz", "NAS-Bench-101 table", root, override, TABLE_ENV)


class NasBench101Table:
    """One row per unique cell, sorted by hash; accuracies reported in % like the NATS-Bench table."""

    label = "NAS-Bench-101, 108 epochs"
    capabilities = BenchmarkCapabilities(datasets=("cifar10",))
    published_tau: dict[str, dict[str, float]] = {}

    def __init__(self, path: Path):
        self.path = path
        self.arrays = _read(str(path))
        self.hashes = self.arrays["hash"]
        self.space = NasBench101Space()

    @classmethod
    def load(cls, override=None, root=None) -> NasBench101Table:
        """--table / $ZERONAS_NB101_TABLE may name any table (a subset, a test table); the data folder's copy
        is the benchmark itself and must hold every row."""
        table = cls(table_path(override, root))
        if not (override or os.environ.get(TABLE_ENV)) and len(table) != ROWS:
            raise ZeronasError(
                f"NAS-Bench-101 table {table.path} is incomplete: the table has {len(table):,} of {ROWS:,} rows"
            )
        return table

    def __len__(self) -> int:
        return len(self.hashes)

    def row_of_hash(self, key: str) -> int | None:
        i = int(np.searchsorted(self.hashes, key))
        return i if i < len(self.hashes) and self.hashes[i] == key else None

    def index_of(self, arch_str: str) -> int:
        """Row number in the table of a cell given in any vertex order (pruned first)."""
        cell = self.space.parse(arch_str)
        row = self.row_of_hash(self.space.canonical_key(cell))
        if row is None:
            raise ZeronasError(f"cell {arch_str!r} is not in {self.path}")
        return row

    def cell(self, index: int) -> Cell:
        """The cell stored in a row, exactly as stored."""
        if not 0 <= index < len(self):
            raise ZeronasError(f"index {index} out of range 0..{len(self) - 1}")
        n = int(self.arrays["num_vertices"][index])
        matrix = self.arrays["adjacency"][index, :n, :n]
        return Cell(tuple(int(x) for x in self.arrays["ops"][index, 1 : n - 1]), tuple(map(tuple, matrix.tolist())))

    def arch_of(self, index: int) -> str:
        return self.space.format(self.cell(index))

    def _check(self, dataset: DatasetInfo) -> None:
        if dataset.name not in self.space.capabilities.datasets:
            raise ZeronasError(f"NAS-Bench-101 has results for cifar10 only, not {dataset.name}")

    def test_acc(self, arch_str: str, dataset: DatasetInfo) -> float:
        """Mean test accuracy (%) over the benchmark's three training runs."""
        self._check(dataset)
        return float(self.arrays["test_acc"][self.index_of(arch_str)]) * 100

    def params(self, arch_str: str) -> int:
        return int(self.arrays["params"][self.index_of(arch_str)])

    def flops(self) -> np.ndarray:
        """Multiply-adds of every row's network for one 32×32 image (computed once per table)."""
        return _flops(str(self.path))

    def optimum(self, dataset: DatasetInfo, constraints=()) -> tuple[str, float]:
        """Best test accuracy among rows within every params/flops limit (priced for all rows at once)."""
        self._check(dataset)
        ok = np.ones(len(self), dtype=bool)
        for name, limit in ((c.name, c.limit) for c in constraints):
            if name == "params":
                ok &= self.arrays["params"] <= limit
            elif name == "flops":
                ok &= self.flops() <= limit
            else:
                raise ZeronasError(f"NAS-Bench-101 has no {name!r} column to constrain the optimum")
        if not ok.any():
            raise ZeronasError("no architecture in the benchmark table satisfies the constraints")
        acc = np.where(ok, self.arrays["test_acc"], -np.inf)
        best = int(np.argmax(acc))
        return self.arch_of(best), float(acc[best]) * 100


ROWS = 423_624  # unique cells of the benchmark
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # an .npz is a zip archive (empty or not)


@lru_cache(maxsize=2)
def _read(path: str) -> dict[str, np.ndarray]:
    """The arrays, checked at load; a file that is not an .npz is refused before NumPy guesses (pickle)."""
    source = _npz_source(path)
    key = None
    try:
        with np.load(source, allow_pickle=False) as f:
            missing = [k for k in REQUIRED if k not in f.files]
            if missing:
                raise ZeronasError(f"{path} is not a NAS-Bench-101 table: missing array(s) {', '.join(missing)}")
            arrays = {}
            for key in REQUIRED:
                arrays[key] = f[key]
    except ZeronasError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc) and key is not None:  # an object array: never NumPy's allow_pickle advice
            raise ZeronasError(f"{path} is not a NAS-Bench-101 table: array {key!r} holds Python objects") from None
        raise ZeronasError(f"cannot read NAS-Bench-101 table {path}: {_first_line(exc)}") from None
    except Exception as exc:
        raise ZeronasError(f"cannot read NAS-Bench-101 table {path}: {_first_line(exc)}") from None
    _check_arrays(path, arrays)
    return arrays


def _npz_source(path: str):
    """The path itself, or the decompressed bytes of a .gz copy; anything but a zip archive is refused."""
    import gzip
    import io
    import zlib

    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if path.endswith(".gz") and head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as f:
                data = f.read()
            if data[:4] in _ZIP:
                return io.BytesIO(data)
            head = data[:4]
    except (OSError, EOFError, zlib.error) as exc:
        raise ZeronasError(f"cannot read NAS-Bench-101 table {path}: {_first_line(exc)}") from None
    if head not in _ZIP:
        raise ZeronasError(f"{path} is not a NAS-Bench-101 table (.npz expected)")
    return path


def _first_line(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return next((ln.strip() for ln in str(text).splitlines() if ln.strip()), type(exc).__name__)


def _check_arrays(path: str, arrays: dict[str, np.ndarray]) -> None:
    n = len(arrays["hash"])
    if n == 0:
        raise ZeronasError(f"{path} is not a NAS-Bench-101 table: it has no rows")
    for key in REQUIRED:
        if len(arrays[key]) != n:
            raise ZeronasError(
                f"{path} is not a NAS-Bench-101 table: array {key!r} has {len(arrays[key]):,} rows, 'hash' has {n:,}"
            )
    for key in ("params", "test_acc", "num_vertices", "adjacency", "ops"):
        if not (np.issubdtype(arrays[key].dtype, np.number) or arrays[key].dtype == bool):
            raise ZeronasError(f"{path} is not a NAS-Bench-101 table: array {key!r} is not numeric")
    bad = ~np.isfinite(arrays["test_acc"].astype(np.float64))
    if bad.any():
        row = int(bad.argmax())
        raise ZeronasError(f"NAS-Bench-101 table {path}: test_acc of row {row} is {arrays['test_acc'][row]}")
    if not np.all(arrays["hash"][1:] > arrays["hash"][:-1]):
        raise ZeronasError(f"{path} is not a NAS-Bench-101 table: rows must be sorted by unique hash")


@lru_cache(maxsize=2)
def _flops(path: str) -> np.ndarray:
    arrays = _read(path)
    sizes = arrays["num_vertices"]
    out = np.zeros(len(sizes), dtype=np.int64)
    for n in np.unique(sizes):
        rows = np.flatnonzero(sizes == n)
        out[rows] = network_costs(arrays["adjacency"][rows, :n, :n], arrays["ops"][rows, :n])[1]
    return out
