"""NAS-Bench-101 results as Markdown, from the folders `zeronas bench --space nasbench101` wrote.

    python benchmarks/nasbench101_report.py LOG_DIR [LOG_DIR ...]

Each LOG_DIR holds a runs.jsonl and a scores.sqlite (one machine each: timings only compare within one).
Prints every run, a run found on two machines once with whether both found the same cell, the mean ± std
test accuracy per strategy, and how well each proxy ranks the cells that random search drew (uniform over
the benchmark, so an unbiased sample) by Kendall τ against test accuracy.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from zeronas.bench.live import STORE, load_runs, run_table, summary
from zeronas.data.datasets import get_dataset
from zeronas.groundtruth import get_benchmark

FITNESS = ("naswot", "logsynflow", "skip")


def proxy_quality(dirs: list[Path]) -> list[str]:
    """τ per proxy over the cells each random-search run scored, with that run's own initialisation seed."""
    bench, cifar10 = get_benchmark("nasbench101"), get_dataset("cifar10")
    rows = []
    for folder in dirs:
        if not (folder / STORE).is_file():
            continue  # a committed log without its store: the run tables only
        db = sqlite3.connect(folder / STORE)
        seen = set()
        for run_id, seed, config in db.execute(
            "SELECT run_id, seed, config FROM runs WHERE strategy = 'random' AND result IS NOT NULL ORDER BY run_id"
        ):
            config = json.loads(config)
            settings = config["settings"]
            if (seed, settings) in seen or not set(FITNESS) <= set(config.get("proxies", FITNESS)):
                continue  # one row per seed and scoring settings; a run on other proxies lacks these scores
            seen.add((seed, settings))
            cells = dict(db.execute("SELECT arch_key, arch FROM trajectory WHERE run_id = ?", (run_id,)))
            values = {p: [] for p in FITNESS}
            acc, params = [], []
            for key, arch in cells.items():
                stored = db.execute(
                    "SELECT proxy, value FROM scores WHERE arch_key = ? AND settings = ?", (key, settings)
                )
                got = {name.split("@")[0]: value for name, value in stored}  # schema 2 stores name@vN
                if not all(p in got and np.isfinite(got[p]) for p in FITNESS):
                    continue
                acc.append(bench.test_acc(arch, cifar10))
                params.append(bench.params(arch))
                for p in FITNESS:
                    values[p].append(got[p])
            ranks = sum(np.argsort(np.argsort(values[p])) for p in FITNESS)
            taus = [kendalltau(values[p], acc).statistic for p in FITNESS]
            taus += [kendalltau(params, acc).statistic, kendalltau(ranks, acc).statistic]
            names = [*FITNESS, "params", "rank sum of the three"]
            rows.append(
                {"random run": f"{folder.name} seed {seed}", "settings": settings, "cells": len(acc)}
                | {n: f"{t:.3f}" for n, t in zip(names, taus)}
            )
    return [pd.DataFrame(rows).to_markdown(index=False)] if rows else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    dirs = parser.parse_args().dirs
    runs = load_runs(dirs)
    print("\n".join(run_table(runs) + [""] + summary(runs) + [""] + proxy_quality(dirs)))


if __name__ == "__main__":
    main()
