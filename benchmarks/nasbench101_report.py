"""NAS-Bench-101 results as Markdown, from the logs and stores that nasbench101_search.py wrote.

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
import statistics
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau

from zeronas.data.datasets import get_dataset
from zeronas.groundtruth import get_benchmark

FITNESS = ("naswot", "logsynflow", "skip")


def fresh_cells(folder: Path) -> dict[tuple[str, int], int]:
    """Cells each finished run computed itself: fewer than it scored when it resumed an interrupted run."""
    store = folder / "scores.sqlite"
    if not store.is_file():
        return {}
    db = sqlite3.connect(store)
    rows = db.execute("SELECT r.strategy, r.seed, SUM(t.cached = 0) FROM runs r JOIN trajectory t USING (run_id) "
                      "WHERE r.result IS NOT NULL GROUP BY r.run_id ORDER BY r.run_id")
    return {(strategy, seed): fresh for strategy, seed, fresh in rows}  # the last finished run wins


def load_runs(dirs: list[Path]) -> dict[tuple[str, int], list[dict]]:
    runs: dict[tuple[str, int], list[dict]] = {}
    for folder in dirs:
        fresh = fresh_cells(folder)
        for line in (folder / "runs.jsonl").read_text().splitlines():
            row = json.loads(line)
            row["where"] = row.get("machine") or f"{folder.name}, device {row.get('device', 'cpu')}"
            row["fresh"] = fresh.get((row["strategy"], row["seed"]))
            runs.setdefault((row["strategy"], row["seed"]), []).append(row)
    return runs


def run_table(runs: dict[tuple[str, int], list[dict]]) -> list[str]:
    lines = ["| strategy | seed | test acc. % | regret | wall s | cells computed in that wall time | "
             "s per cell computed | scored on | cell |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for (strategy, seed), rows in sorted(runs.items()):
        for row in rows:
            # a run resumed after an interruption reuses stored cells: its wall time covers only the rest
            fresh = "?" if row["fresh"] is None else str(row["fresh"])
            per_cell = f"{row['s_per_cell']:.2f}" if row["fresh"] != 0 else "–"
            lines.append(f"| {strategy} | {seed} | {row['test_acc']:.2f} | {row['regret']:.2f} | {row['wall_s']:.0f} | "
                         f"{fresh} of {row['scored']} | {per_cell} | {row['where']} | `{row['arch']}` |")
    return lines


def summary(runs: dict[tuple[str, int], list[dict]]) -> list[str]:
    lines = ["| strategy | seeds | test acc. % (mean ± std) | same cell on both machines |",
             "| --- | --- | --- | --- |"]
    for strategy in sorted({s for s, _ in runs}):
        keys = sorted(k for k in runs if k[0] == strategy)
        acc = [runs[k][0]["test_acc"] for k in keys]
        spread = statistics.stdev(acc) if len(acc) > 1 else 0.0
        twice = [k for k in keys if len(runs[k]) > 1]
        same = ", ".join(f"seed {k[1]}: {'yes' if len({r['arch'] for r in runs[k]}) == 1 else 'no'}"
                         for k in twice) or "–"
        lines.append(f"| {strategy} | {','.join(str(k[1]) for k in keys)} | "
                     f"{statistics.mean(acc):.2f} ± {spread:.2f} | {same} |")
    return lines


def proxy_quality(dirs: list[Path]) -> list[str]:
    """τ per proxy over the cells each random-search run scored, with that run's own initialisation seed."""
    bench, cifar10 = get_benchmark("nasbench101"), get_dataset("cifar10")
    lines = [f"| random run | cells | {' | '.join(FITNESS)} | params | rank sum of the three |",
             "| --- | ---: |" + " ---: |" * (len(FITNESS) + 2)]
    for folder in dirs:
        db = sqlite3.connect(folder / "scores.sqlite")
        seen = set()
        for run_id, seed, config in db.execute(
                "SELECT run_id, seed, config FROM runs WHERE strategy = 'random' AND result IS NOT NULL"):
            if seed in seen:
                continue
            seen.add(seed)
            settings = json.loads(config)["settings"]
            cells = dict(db.execute("SELECT arch_key, arch FROM trajectory WHERE run_id = ?", (run_id,)))
            values = {p: [] for p in FITNESS}
            acc, params = [], []
            for key, arch in cells.items():
                got = dict(db.execute("SELECT proxy, value FROM scores WHERE arch_key = ? AND settings = ?",
                                      (key, settings)))
                if not all(p in got and np.isfinite(got[p]) for p in FITNESS):
                    continue
                acc.append(bench.test_acc(arch, cifar10))
                params.append(bench.params(arch))
                for p in FITNESS:
                    values[p].append(got[p])
            ranks = sum(np.argsort(np.argsort(values[p])) for p in FITNESS)
            taus = [kendalltau(values[p], acc).statistic for p in FITNESS]
            taus += [kendalltau(params, acc).statistic, kendalltau(ranks, acc).statistic]
            lines.append(f"| {folder.name} seed {seed} | {len(acc)} | " + " | ".join(f"{t:.3f}" for t in taus) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    dirs = parser.parse_args().dirs
    runs = load_runs(dirs)
    print("\n".join(run_table(runs) + [""] + summary(runs) + [""] + proxy_quality(dirs)))


if __name__ == "__main__":
    main()
