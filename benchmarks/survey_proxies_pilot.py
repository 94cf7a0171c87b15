"""Would one more survey proxy lift the τ-chosen combination? A CIFAR-10 pilot before tabulating it.

    zeronas correlate --dataset cifar10 --sample 200 --seed 0 \
      --proxies zico,jacob_cov,grad_norm,snip,fisher,nregions,ntk --store runs/survey-pilot.sqlite \
      --out docs/results/survey-proxies-cifar10-200
    python benchmarks/survey_proxies_pilot.py     # writes docs/results/survey-proxies-pilot.md

and, over every class, for a survey proxy tabulated as a score-table part (here jacob_cov; DATASET cifar10,
then the others that the CIFAR-10 choice is reported on, unchanged):

    zeronas precompute --dataset DATASET --proxies jacob_cov --inits 1 --store runs/survey-DATASET.sqlite
    zeronas export-table --dataset DATASET --proxies jacob_cov --inits 1 --store runs/survey-DATASET.sqlite \
      --part survey --out docs/results/survey-tables

Tabulating a proxy over every NATS-Bench class on three datasets costs CPU-hours here, so first: on the same
200 seeded CIFAR-10 cells as docs/results/new-proxies-cifar10-200 (same seed, 1 initialisation, batch 64),
does adding a proxy to the combination chosen on CIFAR-10 raise Kendall τ, and how far does the best log-rank
subset containing it (at most seven members) go, against the best subset of the twelve tabulated proxies?
CIFAR-10 only: the selection protocol keeps the other datasets out of every choice. NaN ranks last.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from combination_rules import ROOT  # noqa: E402

from zeronas.analysis.correlate import rank_correlation  # noqa: E402
from zeronas.strategies.combine import get_combiner  # noqa: E402

CHOSEN = ("naswot", "skip", "params", "az_expressivity", "az_trainability", "meco", "swap_reg")
TABULATED = ("naswot", "logsynflow", "synflow", "skip", "params", "flops")
TABULATED += ("az_expressivity", "az_progressivity", "az_trainability", "meco", "swap_reg", "layers")
MAX_MEMBERS = 7


def combined_tau(rows: pd.DataFrame, acc: np.ndarray, rule: str, proxies) -> float:
    """Kendall τ of a combination of the rows' proxy columns against accuracy (±inf and NaN rank last)."""
    score = get_combiner(rule)(rows[list(proxies)].to_numpy(dtype=np.float64))
    return rank_correlation(np.where(np.isinf(score), np.nan, score), acc)[0]


def best_subset(rows: pd.DataFrame, acc: np.ndarray, pool, required: tuple[str, ...]) -> tuple[float, tuple]:
    """The log-rank subset of at most MAX_MEMBERS proxies (two or more) that holds `required` and has the
    highest τ, with that τ."""
    pool = [p for p in pool if p not in required]
    candidates = (
        c + required
        for k in range(max(0, 2 - len(required)), MAX_MEMBERS - len(required) + 1)
        for c in itertools.combinations(pool, k)
    )
    return max(((combined_tau(rows, acc, "log-rank", c), c) for c in candidates), key=lambda t: t[0])


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

    def tau(rule: str, proxies) -> float:
        return combined_tau(cells, acc, rule, proxies)

    def best_with(required: tuple[str, ...]) -> tuple[float, str]:
        top = best_subset(cells, acc, tabulated, required)
        return round(top[0], 4), "+".join(top[1])

    best12 = best_with(())
    rows = [
        {
            "proxy": p,
            "τ alone": round(tau("rank", (p,)), 4),
            "s/network": round(float(seconds[p]), 3),
            "τ chosen + it": round(tau("log-rank", CHOSEN + (p,)), 4),
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
        f"- The combination chosen on all classes, log-rank({'+'.join(CHOSEN)}): τ {tau('log-rank', CHOSEN):.4f} "
        "on these cells.",
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
    lines[2] = lines[2].replace("SECONDS", f"{time.perf_counter() - t0:.0f}")  # the whole run, classes included
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


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

    tau = combined_tau

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


if __name__ == "__main__":
    main()
