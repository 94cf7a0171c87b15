"""Choose the search score by what FreeREA finds with it on NATS-Bench CIFAR-10, then report it unchanged elsewhere.

    python benchmarks/search_selection.py     # writes docs/results/search-selection.md

Why: the combination with the best Kendall τ (benchmarks/combination_rules.py) searches worse than FreeREA's own
score, so τ is the wrong objective for a search score. Here the objective is the search itself: mean regret
(optimum minus test accuracy of the found cell) over four CIFAR-10 settings, unconstrained (FreeREA's Table 3)
and the three FLOPs/params limits of its Table 5, each a tabular FreeREA replay of 300 cells.

Protocol (CIFAR-10 only, then transfer):
1. Candidates: for each rule of `--combine`, the --top best proxy subsets by CIFAR-10 τ; each proxy alone;
   FreeREA's own combination.
2. Screening: every candidate on --screen seeds per setting; the --finalists lowest mean regrets go on.
3. Final: the finalists on --seeds seeds per setting; the lowest mean regret is chosen.
4. The chosen score and FreeREA's are reported, unchanged, on CIFAR-100 and ImageNet16-120 (Table 3 FreeREA
   accuracy and the nine Table 5 regrets), with the same seeds.
Every replay is appended to runs/search-selection/runs.jsonl as it finishes: an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from combination_rules import DATASETS, FREEREA, class_rows, selection_table, tau  # noqa: E402

from zeronas.bench.plan import CONSTRAINTS, Job, Method, score_label  # noqa: E402
from zeronas.bench.report import table5  # noqa: E402
from zeronas.bench.run import Sources, optimum, run_plan  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = (None, *CONSTRAINTS)  # unconstrained, then Table 5's (max FLOPs, max params)


def method(rule: str, proxies: tuple[str, ...]) -> Method:
    return Method("FreeREA" + score_label(proxies, rule), "freerea", "proxies", proxies, 300, combine=rule)


def jobs(candidates, dataset: str, seeds: range) -> list[Job]:
    return [
        Job("table3" if limits is None else "table5", dataset, method(*c), s, limits)
        for c in candidates
        for limits in SETTINGS
        for s in seeds
    ]


def regrets(rows: list[dict]) -> pd.DataFrame:
    """One row per (method, dataset, setting): mean ± std accuracy and regret against the feasible optimum, by the
    bench's own Table 5 summary (an unconstrained run counts as a setting with infinite limits)."""
    unlimited = (math.inf, math.inf)
    rows = [dict(r, section="table5", limits=tuple(r["limits"] or unlimited)) for r in rows]
    optima = {(r["dataset"], r["limits"]): None for r in rows}
    optima = {(d, lim): optimum(d, None if lim == unlimited else lim) for d, lim in optima}
    table = table5(rows, optima)
    table["setting"] = (table["max FLOPs"] + " / " + table["max params"]).replace("inf / inf", "none")
    return table


def mean_regret(table: pd.DataFrame) -> pd.Series:
    return table.groupby("method", sort=False)["regret"].mean()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=30, help="best subsets by CIFAR-10 τ per rule")
    ap.add_argument("--screen", type=int, default=5, help="seeds per setting while screening")
    ap.add_argument("--finalists", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=30, help="seeds per setting for the finalists and the report")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", default=str(ROOT / "runs/search-selection"))
    ap.add_argument("--out", default=str(ROOT / "docs/results/search-selection.md"))
    args = ap.parse_args()
    t0 = time.perf_counter()
    run = lambda js: run_plan(js, Path(args.runs), Sources(), workers=args.workers)  # noqa: E731
    rows, acc = class_rows("cifar10")
    ranked, proxies = selection_table(rows, acc)
    best = ranked.groupby("rule", sort=False).head(args.top)
    candidates = {(r, tuple(p.split("+"))) for r, p in zip(best["rule"], best["proxies"])}
    candidates |= {("rank", (p,)) for p in proxies} | {("freerea", FREEREA)}
    candidates = sorted(candidates)
    by_label = {method(*c).label: c for c in candidates}
    screen = mean_regret(regrets(run(jobs(candidates, "cifar10", range(args.screen))))).sort_values(kind="stable")
    finalists = [by_label[m] for m in screen.index[: args.finalists]]
    final_table = regrets(run(jobs(finalists, "cifar10", range(args.seeds))))
    final = mean_regret(final_table).sort_values(kind="stable")
    chosen = by_label[final.index[0]]
    reported = [chosen] if chosen == ("freerea", FREEREA) else [("freerea", FREEREA), chosen]
    report = regrets(run([j for d in DATASETS for j in jobs(reported, d, range(args.seeds))]))
    data = {d: class_rows(d) for d in DATASETS}
    summary = []
    for c in reported:
        label = method(*c).label
        g = report[report["method"] == label]
        row = {"score": f"{c[0]}({'+'.join(c[1])})", "": "chosen on CIFAR-10" if c == chosen else "FreeREA's"}
        row |= {f"τ {d}": round(tau(*data[d], *c), 4) for d in DATASETS}
        for d in DATASETS:
            t3 = g[(g["dataset"] == d) & (g["setting"] == "none")].iloc[0]
            row[f"FreeREA {d}"] = t3["accuracy"]
        row["mean regret, 9 Table 5 settings"] = round(float(g[g["setting"] != "none"]["regret"].mean()), 3)
        summary.append(row)
    constrained = report[report["setting"] != "none"].pivot_table(
        index=["dataset", "setting"], columns="method", values="regret", sort=False
    )
    screen_frame = screen.rename("mean regret (screen)").to_frame()
    screen_frame.index.name = "score"
    final_frame = final_table.pivot_table(index="method", columns="setting", values="regret", sort=False)
    final_frame["mean"] = final_frame.mean(axis=1)
    final_frame = final_frame.sort_values("mean", kind="stable")
    lines = [
        "# Choosing the search score by search regret on CIFAR-10",
        "",
        f"Generated by `python benchmarks/search_selection.py` ({time.perf_counter() - t0:.0f} s on this run; "
        "finished replays are reused from runs/search-selection). FreeREA, tabular replay, 300 cells per search. "
        f"Objective: mean regret over four CIFAR-10 settings (unconstrained and Table 5's three limits). "
        f"{len(candidates)} candidates screened on {args.screen} seeds per setting; the best {args.finalists} "
        f"rerun on {args.seeds} seeds; the best of those is reported unchanged on the other two datasets "
        f"({args.seeds} seeds per setting).",
        "",
        pd.DataFrame(summary).to_markdown(index=False),
        "",
        "## Table 5 regret per setting (the same seeds)",
        "",
        constrained.round(2).to_markdown(),
        "",
        f"## The finalists on CIFAR-10 ({args.seeds} seeds per setting): regret per setting",
        "",
        final_frame.round(3).to_markdown(),
        "",
        f"## Screening on CIFAR-10 ({args.screen} seeds per setting): the 20 best of {len(screen)}",
        "",
        screen_frame.head(20).round(3).to_markdown(),
        "",
    ]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines[4:7]))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
