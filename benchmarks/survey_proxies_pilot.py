"""Would one more survey proxy lift the τ-chosen combination? A CIFAR-10 pilot before tabulating it.

    zeronas correlate --dataset cifar10 --sample 200 --seed 0 \
      --proxies zico,jacob_cov,grad_norm,snip,fisher,nregions,ntk --store runs/survey-pilot.sqlite \
      --out docs/results/survey-proxies-cifar10-200
    python benchmarks/survey_proxies_pilot.py     # writes docs/results/survey-proxies-pilot.md

and, over every class, for survey proxies tabulated as a score-table part (jacob_cov on DATASET cifar10, then
cifar100; on imagenet16-120, the cheapest dataset, all seven: PROXIES jacob_cov,nregions,zico,grad_norm,snip,
fisher,ntk):

    zeronas precompute --dataset DATASET --proxies PROXIES --inits 1 --store runs/survey-DATASET.sqlite
    zeronas export-table --dataset DATASET --proxies PROXIES --inits 1 --store runs/survey-DATASET.sqlite \
      --part survey --out docs/results/survey-tables

Tabulating a proxy over every NATS-Bench class on three datasets costs CPU-hours here, so first: on the same
200 seeded CIFAR-10 cells as docs/results/new-proxies-cifar10-200 (same seed, 1 initialisation, batch 64),
does adding a proxy to the combination chosen on CIFAR-10 raise Kendall τ, and how far does the best log-rank
subset containing it (at most seven members) go, against the best subset of the twelve tabulated proxies?
CIFAR-10 only: the selection protocol keeps the other datasets out of every choice. NaN ranks last.
Last, with hindsight (an oracle, not a protocol), per dataset with a part: the best subset of all its proxies, to
tell whether a τ target is within reach of these proxies at all.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from combination_rules import ROOT, tau  # noqa: E402

CHOSEN = ("naswot", "skip", "params", "az_expressivity", "az_trainability", "meco", "swap_reg")
TABULATED = ("naswot", "logsynflow", "synflow", "skip", "params", "flops")
TABULATED += ("az_expressivity", "az_progressivity", "az_trainability", "meco", "swap_reg", "layers")
MAX_MEMBERS = 7


def best_subset(rows: pd.DataFrame, acc: np.ndarray, pool, required: tuple[str, ...] = (), keep: int = 50):
    """The log-rank subset of at most MAX_MEMBERS proxies (two or more) of `pool` that holds `required` and has
    the highest τ, with that τ. Screened fast: each proxy's log(rank/N) is computed once and summed per subset (a
    row missing any member ranks last); the `keep` best of the screen are then scored exactly with the combiner,
    which ranks over the rows finite on every member."""
    from scipy.stats import kendalltau, rankdata

    logs = {}
    for p in {*pool, *required}:
        col = rows[p].to_numpy(dtype=np.float64)
        ok = np.isfinite(col)
        logs[p] = np.where(ok, np.log(rankdata(np.where(ok, col, -np.inf)) / ok.sum()), -np.inf)
    rest = [p for p in pool if p not in required]
    screen = []
    for k in range(max(0, 2 - len(required)), MAX_MEMBERS - len(required) + 1):
        for c in itertools.combinations(rest, k):
            total = np.sum([logs[p] for p in c + required], axis=0)
            screen.append((kendalltau(rankdata(total), acc).statistic, c + required))
    screen.sort(key=lambda t: -t[0])
    return max(((tau(rows, acc, "log-rank", c), c) for _, c in screen[:keep]), key=lambda t: t[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default=str(ROOT / "docs/results/new-proxies-cifar10-200/scores.csv"))
    ap.add_argument("--extra", default=str(ROOT / "docs/results/survey-proxies-cifar10-200/scores.csv"))
    ap.add_argument("--out", default=str(ROOT / "docs/results/survey-proxies-pilot.md"))
    ap.add_argument(
        "--parts",
        default=str(ROOT / "docs/results/survey-tables"),
        help="Folder of score-table parts nats-tss-<dataset>.survey.csv.gz: adds τ over all classes.",
    )
    args = ap.parse_args()
    t0 = time.perf_counter()
    base, extra = pd.read_csv(args.base), pd.read_csv(args.extra)
    if sorted(base["index"]) != sorted(extra["index"]):
        sys.exit("the two score files hold different cells: rerun correlate with the same --sample and --seed")
    added = [c for c in extra.columns if c not in base.columns and c != "index"]
    seconds = pd.read_csv(Path(args.extra).with_name("correlations.csv")).set_index("proxy")["seconds_per_arch"]
    tabulated = [p for p in TABULATED if p in base.columns]  # the sample's scores lack synflow
    cells = base.merge(extra[["index", *added]], on="index")
    acc = cells["test_acc"].to_numpy(dtype=np.float64)

    def best_with(required: tuple[str, ...]) -> tuple[float, str]:
        top = best_subset(cells, acc, tabulated, required)
        return round(top[0], 4), "+".join(top[1])

    best12 = best_with(())
    rows = [
        {
            "proxy": p,
            "τ alone": round(tau(cells, acc, "rank", (p,)), 4),
            "s/network": round(float(seconds[p]), 3),
            "τ chosen + it": round(tau(cells, acc, "log-rank", CHOSEN + (p,)), 4),
            **dict(zip(("τ best subset with it", "that subset"), best_with((p,)))),
        }
        for p in added
    ]
    table = pd.DataFrame(rows).sort_values("τ best subset with it", ascending=False)
    lines = [
        "# Survey proxies: a CIFAR-10 pilot before tabulating one",
        "",
        "Generated by `python benchmarks/survey_proxies_pilot.py` (SECONDS s) from "
        "[the seven survey proxies](survey-proxies-cifar10-200/correlations.md) and [the twelve tabulated "
        f"ones](new-proxies-cifar10-200/correlations.md) on the same {len(cells)} seeded NATS-Bench CIFAR-10 "
        "cells (Kendall τ-b against test accuracy; log-rank combinations; NaN ranks last). CIFAR-10 only, "
        "as the selection protocol requires.",
        "",
        f"- The combination chosen on all classes, log-rank({'+'.join(CHOSEN)}): "
        f"τ {tau(cells, acc, 'log-rank', CHOSEN):.4f} on these cells.",
        f"- The best log-rank subset (at most {MAX_MEMBERS} members) of the {len(tabulated)} tabulated proxies "
        f"scored on this sample ({', '.join(p for p in TABULATED if p not in tabulated) or 'none'} missing): "
        f"τ {best12[0]:.4f}, {best12[1]}. The table: each survey proxy added to the chosen combination, and the "
        "best subset of those proxies with it.",
        "",
        table.to_markdown(index=False),
        "",
        "`s/network`: one worker's seconds per distinct network as correlate measured them (two workers on the "
        "2-core machine; grad_norm carries the backward pass that snip and fisher read). A lift of a "
        "hundredth on 200 cells is within the "
        "sampling noise of τ, and it would have to hold on CIFAR-100 and ImageNet16-120 too.",
        "",
    ]
    lines += over_all_classes(Path(args.parts))
    lines += hindsight_ceiling(Path(args.parts))
    lines[2] = lines[2].replace("SECONDS", f"{time.perf_counter() - t0:.0f}")  # the whole run, classes included
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


@cache  # read by both sections
def with_part(dataset: str, folder: Path):
    """The packaged tables' class representatives of a dataset with the survey part's columns joined on, their
    accuracies and the survey proxies; None without a part for that dataset."""
    from combination_rules import class_rows

    from zeronas.bench.tables import proxy_columns

    part = folder / f"nats-tss-{dataset}.survey.csv.gz"
    if not part.exists():
        return None
    rows, acc = class_rows(dataset)
    survey = pd.read_csv(part).set_index("arch")
    added = [p for p in proxy_columns(survey) if p not in rows.columns]
    return rows.join(survey[added + [f"{p}_s" for p in added]]), acc, added


def over_all_classes(folder: Path) -> list[str]:
    """The same question over every CIFAR-10 class (5,260 representatives), for the proxies of the CIFAR-10 part;
    then the subsets chosen there, unchanged, on the datasets that have a part too."""
    from combination_rules import DATASETS

    from zeronas.bench.report import DATASET_TITLES

    found = with_part("cifar10", folder)
    if found is None:
        return []
    rows, acc, added = found
    tabulated = [p for p in TABULATED if p in rows.columns]

    best12 = best_subset(rows, acc, tabulated, ())
    chosen_with = {p: best_subset(rows, acc, tabulated, (p,)) for p in added}
    table = pd.DataFrame(
        [
            {
                "proxy": p,
                "τ alone": round(tau(rows, acc, "rank", (p,)), 4),
                "s/network": round(float(rows[f"{p}_s"].mean()), 3),
                "τ chosen + it": round(tau(rows, acc, "log-rank", CHOSEN + (p,)), 4),
                "τ best subset with it": round(chosen_with[p][0], 4),
                "that subset": "+".join(chosen_with[p][1]),
            }
            for p in added
        ]
    )
    lines = [
        f"## Over all {len(acc):,} CIFAR-10 classes",
        "",
        f"From the table part `{os.path.relpath(folder, ROOT)}/nats-tss-cifar10.survey.csv.gz` (its `.json` has "
        "the settings), joined to the packaged tables' class representatives, as in "
        "[combination rules](combination-rules.md).",
        "",
        f"- The chosen combination: τ {tau(rows, acc, 'log-rank', CHOSEN):.4f}.",
        f"- The best log-rank subset (at most {MAX_MEMBERS} members) of the {len(tabulated)} tabulated proxies: "
        f"τ {best12[0]:.4f}, {'+'.join(best12[1])}.",
        "",
        table.to_markdown(index=False),
        "",
    ]
    transfer = []
    for dataset in DATASETS[1:]:
        other = with_part(dataset, folder)
        if other is None:
            continue
        rows_d, acc_d, added_d = other
        for p in added_d:
            if p in chosen_with:
                transfer.append(
                    {
                        "dataset": DATASET_TITLES[dataset],
                        "τ chosen (twelve proxies)": round(tau(rows_d, acc_d, "log-rank", CHOSEN), 4),
                        f"τ chosen on CIFAR-10 with {p}": round(tau(rows_d, acc_d, "log-rank", chosen_with[p][1]), 4),
                        f"{p} alone": round(tau(rows_d, acc_d, "rank", (p,)), 4),
                        "s/network": round(float(rows_d[f"{p}_s"].mean()), 3),
                    }
                )
    if transfer:
        lines += [
            "### The CIFAR-10 choices, unchanged, on the other datasets",
            "",
            "Each survey proxy's best subset above, as chosen on CIFAR-10, over all classes of the datasets that "
            "have a part too.",
            "",
            pd.DataFrame(transfer).to_markdown(index=False),
            "",
        ]
    return lines


def hindsight_ceiling(folder: Path) -> list[str]:
    """With hindsight, per dataset: the best log-rank subset of the tabulated proxies with and without the survey
    proxies of that dataset's part. An oracle, not a protocol: does any selection reach a target at all?"""
    from combination_rules import DATASETS

    from zeronas.bench.report import DATASET_TITLES

    table, alone = [], []
    for dataset in DATASETS:
        found = with_part(dataset, folder)
        if found is None:
            continue
        rows, acc, added = found
        tabulated = [p for p in TABULATED if p in rows.columns]
        alone += [
            {
                "dataset": DATASET_TITLES[dataset],
                "proxy": p,
                "τ alone": round(tau(rows, acc, "rank", (p,)), 4),
                "NaN classes": int(rows[p].isna().sum()),
                "s/network": round(float(rows[f"{p}_s"].mean()), 3),
            }
            for p in added
        ]
        without, with_ = best_subset(rows, acc, tabulated), best_subset(rows, acc, tabulated + added)
        table.append(
            {
                "dataset": DATASET_TITLES[dataset],
                "survey proxies in its part": "+".join(added),
                f"best τ, the {len(tabulated)} tabulated": round(without[0], 4),
                "best τ with the survey proxies": round(with_[0], 4),
                "that subset": "+".join(with_[1]),
            }
        )
        print(table[-1], flush=True)
    if not table:
        return []
    return [
        "## With hindsight: the most any subset reaches",
        "",
        f"Per dataset, the best log-rank subset (at most {MAX_MEMBERS} members) over all classes, chosen on that "
        "dataset's own accuracies: an oracle, not a protocol. It says whether a target is reachable with these "
        "proxies at all, before anyone spends CPU-hours tabulating them on CIFAR-10. Here and above, subsets are "
        "screened with each proxy's log-rank computed once (a row missing a member ranks last), the 50 best "
        "rescored exactly.",
        "",
        pd.DataFrame(table).to_markdown(index=False),
        "",
        "Each survey proxy alone over the same classes (NaN ranks last; seconds per network as tabulated, one of "
        "two workers):",
        "",
        pd.DataFrame(alone).to_markdown(index=False),
        "",
    ]


if __name__ == "__main__":
    main()
