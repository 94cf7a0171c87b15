"""Which proxy combination should FreeREA's fitness use? An ablation that never looks at test accuracy
to choose: each combination's pick (the feasible cell with the highest combined score over the whole
table, i.e. where a converged search ends) is judged by CIFAR-10's 12-epoch *validation* accuracy,
averaged over the unconstrained and the three Table 5 settings; test regret is printed beside it.

    python benchmarks/ablate_combinations.py [--datasets cifar10,imagenet16-120] [--top 12]
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
import pandas as pd

from zeronas.bench.plan import CONSTRAINTS
from zeronas.bench.tables import read_table, table_file
from zeronas.data.datasets import get_dataset
from zeronas.groundtruth.nats_table import NatsTable
from zeronas.spaces import get_space
from zeronas.strategies.combine import COMBINERS
from zeronas.strategies.constraints import CostModel

PROXIES = ("naswot", "logsynflow", "synflow", "skip", "params", "flops")


def picks(dataset: str, gt: NatsTable, space, archs) -> list[dict]:
    info = get_dataset(dataset)
    costs = CostModel(space, info)
    flops = np.array([costs.flops(a) for a in archs])
    params = np.array([costs.params(a) for a in archs])
    scores = read_table(table_file("nats-tss", dataset))
    test = gt.frame[gt.column("test_acc", info)].to_numpy()
    valid = gt.frame[gt.column("valid_acc_12ep", info)].to_numpy()
    rows = []
    for limits in (None, *CONSTRAINTS):
        ok = np.ones(len(archs), bool) if limits is None else (flops <= limits[0]) & (params <= limits[1])
        idx = np.flatnonzero(ok)
        for r in range(1, 5):
            for subset in itertools.combinations(PROXIES, r):
                matrix = scores[list(subset)].to_numpy()[idx]
                for name, combine in COMBINERS.items():
                    pick = idx[int(np.argmax(combine(matrix)))]
                    rows.append(
                        dict(
                            dataset=dataset,
                            limits=str(limits),
                            proxies="+".join(subset),
                            combine=name,
                            valid=valid[pick],
                            regret=test[idx].max() - test[pick],
                        )
                    )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default="cifar10,imagenet16-120")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    space, gt = get_space("nats-tss"), NatsTable.load()
    archs = [space.parse(a) for a in gt.frame["arch"]]
    frame = pd.DataFrame([r for d in args.datasets.split(",") for r in picks(d, gt, space, archs)])
    key = ["proxies", "combine"]
    chosen_by = frame[frame["dataset"] == "cifar10"].groupby(key)["valid"].mean().rename("cifar10 valid (select)")
    regret = frame.pivot_table(index=key, columns="dataset", values="regret", aggfunc="mean").add_suffix(" test regret")
    table = pd.concat([chosen_by, regret], axis=1).sort_values("cifar10 valid (select)", ascending=False)
    pd.set_option("display.width", 200)
    print(table.head(args.top).round(3).to_string())
    print("\nFreeREA's own combination:")
    print(table.loc[[("naswot+logsynflow+skip", "freerea")]].round(3).to_string())


if __name__ == "__main__":
    main()
