"""Check zeronas's NAS-Bench-101 implementation against every row of the shared table.

    python benchmarks/nasbench101_hash_check.py [--stored-form] [--table PATH]

Prints how many of the 423,624 rows the vectorised graph hash reproduces and how long it took, how many
rows the cell-derived parameter count matches, and with --stored-form how many stored cells are already
in zeronas's canonical vertex order (pure Python, about a minute).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from zeronas.groundtruth.nasbench101_table import NasBench101Table
from zeronas.spaces.nasbench101 import canonical
from zeronas.spaces.nasbench101_hash import hash_many
from zeronas.spaces.nasbench101_net import network_costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default=None, help="nasbench101.npz (default: the shared data folder's)")
    parser.add_argument("--stored-form", action="store_true", help="also check every row's vertex order")
    args = parser.parse_args()
    table = NasBench101Table.load(args.table)
    a = table.arrays
    rows = len(table)

    t0 = time.perf_counter()
    hashes = hash_many(a["adjacency"], a["ops"], a["num_vertices"])
    seconds = time.perf_counter() - t0
    print(f"hash: {int((hashes == a['hash']).sum())} / {rows} rows reproduced in {seconds:.1f} s")

    t0 = time.perf_counter()
    params = np.zeros(rows, dtype=np.int64)
    for n in np.unique(a["num_vertices"]):
        picked = np.flatnonzero(a["num_vertices"] == n)
        params[picked] = network_costs(a["adjacency"][picked, :n, :n], a["ops"][picked, :n])[0]
    seconds = time.perf_counter() - t0
    print(f"params: {int((params == a['params']).sum())} / {rows} rows match in {seconds:.1f} s")

    if args.stored_form:
        t0 = time.perf_counter()
        same = sum(canonical(c.matrix, c.ops) == c for c in map(table.cell, range(rows)))
        print(f"stored form: {same} / {rows} rows in canonical order ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
