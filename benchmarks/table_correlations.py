"""Kendall τ of the committed nats-tss score tables against NATS-Bench test accuracy, old tables vs new.

For each dataset and each table proxy (naswot, logsynflow, synflow, skip, params, flops) and FreeREA's
combination freerea(naswot+logsynflow+skip), Kendall τ-b (scipy.stats.kendalltau) between the score and
the benchmark's test accuracy (`test_acc_<dataset>`, 200 epochs), with `zeronas correlate`'s convention
(zeronas.analysis.correlate.rank_correlation: NaN scores ranked below every finite score; the FreeREA
combination normalised over the rows correlated, a row with a NaN member ranked last). Two populations:

- cells: all 15,625 rows of the table, each with its own test accuracy and its class representative's
  scores (what a tabular search replays);
- classes: one row per canonical class of the key the table was made with (old: the legacy key, 4,930
  classes; new: the current key, 5,260), scores and test accuracy of the class representative (the
  network that was scored).

Old tables are read from git (`--old-rev`, default 42086b8, the last commit with the legacy-key tables),
new ones from zeronas/resources/tables (or `--new-dir`).

    PYTHONPATH=. python benchmarks/table_correlations.py
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PROXIES = ["naswot", "logsynflow", "synflow", "skip", "params", "flops"]
FREEREA = ["naswot", "logsynflow", "skip"]
DATASETS = ["cifar10", "cifar100", "imagenet16-120"]


def _old_table(rev: str, dataset: str) -> pd.DataFrame:
    blob = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:zeronas/resources/tables/nats-tss-{dataset}.csv.gz"],
        capture_output=True,
        check=True,
    ).stdout
    return pd.read_csv(io.BytesIO(blob), compression="gzip")


def _taus(frame: pd.DataFrame, accuracy: np.ndarray) -> dict[str, float]:
    from zeronas.analysis.correlate import rank_correlation
    from zeronas.strategies.combine import freerea

    out = {p: rank_correlation(frame[p].to_numpy(dtype=np.float64), accuracy)[0] for p in PROXIES}
    combined = freerea(frame[FREEREA].to_numpy(dtype=np.float64))
    out["freerea(naswot+logsynflow+skip)"] = rank_correlation(np.where(np.isinf(combined), np.nan, combined), accuracy)[
        0
    ]
    return out


def _per_class(
    table: pd.DataFrame, gt: pd.DataFrame, keys: list[str], reps: dict[str, tuple], space, acc_col: str
) -> tuple[pd.DataFrame, np.ndarray]:
    rep_rows = sorted({gt.index.get_loc(space.format(reps[k])) for k in set(keys)})
    return table.iloc[rep_rows], gt[acc_col].to_numpy(dtype=np.float64)[rep_rows]


def _shown(path) -> str:
    """A path relative to the repository when inside it, so the printed report does not depend on the clone."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-rev", default="42086b8")
    ap.add_argument("--new-dir", default=str(ROOT / "zeronas" / "resources" / "tables"))
    ap.add_argument("--datasets", default=",".join(DATASETS))
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT / "benchmarks" / "tables"))
    from seed_from_table import _order, legacy_key

    from zeronas.data.datasets import get_dataset
    from zeronas.groundtruth.nats_table import NatsTable
    from zeronas.spaces import get_space

    space = get_space("nats-tss")
    gt = NatsTable.load().frame.set_index("arch", drop=False)
    archs = [space.parse(a) for a in gt["arch"]]
    new_keys = [space.canonical_key(a) for a in archs]
    new_reps = {k: space.representative(a) for k, a in zip(new_keys, archs)}
    old_keys = [legacy_key(a) for a in archs]
    old_reps: dict[str, tuple] = {}
    for k, a in zip(old_keys, archs):
        if k not in old_reps or _order(a) < _order(old_reps[k]):
            old_reps[k] = a
    print(
        f"Kendall tau-b vs NATS-Bench test accuracy; old = git {args.old_rev} tables ({len(old_reps)} classes, "
        f"legacy key), new = {_shown(args.new_dir)} ({len(new_reps)} classes). NaN scores ranked last."
    )
    for name in args.datasets.split(","):
        info = get_dataset(name)
        acc_col = f"test_acc_{info.table_suffix}"
        results = {}
        for label, table, keys, reps in (
            ("old", _old_table(args.old_rev, info.name), old_keys, old_reps),
            ("new", pd.read_csv(Path(args.new_dir) / f"nats-tss-{info.name}.csv.gz"), new_keys, new_reps),
        ):
            if list(table["arch"]) != list(gt["arch"]):
                raise SystemExit(f"{label} {info.name} table rows are not the benchmark's rows in order")
            results[label, "cells"] = _taus(table, gt[acc_col].to_numpy(dtype=np.float64))
            results[label, "classes"] = _taus(*_per_class(table, gt, keys, reps, space, acc_col))
        print(f"\n{info.name} ({acc_col})")
        head = (
            f"{'proxy':<32} {'cells old':>10} {'cells new':>10} {'diff':>8}   "
            f"{'classes old':>11} {'classes new':>11} {'diff':>8}"
        )
        print(head)
        print("-" * len(head))
        for proxy in results["old", "cells"]:
            co, cn = results["old", "cells"][proxy], results["new", "cells"][proxy]
            ko, kn = results["old", "classes"][proxy], results["new", "classes"][proxy]
            print(f"{proxy:<32} {co:>10.4f} {cn:>10.4f} {cn - co:>+8.4f}   {ko:>11.4f} {kn:>11.4f} {kn - ko:>+8.4f}")
        print(
            f"(cells: 15,625 rows each; classes: {len(old_reps)} old, {len(new_reps)} new, representative's "
            "scores and accuracy)"
        )


if __name__ == "__main__":
    main()
