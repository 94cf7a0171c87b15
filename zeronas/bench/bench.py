"""`zeronas bench` end to end: plan -> seeded replays -> tables, figures and a Markdown report."""

from __future__ import annotations

from pathlib import Path

from zeronas.bench.figures import anytime_figure
from zeronas.bench.plan import CONSTRAINTS, plan
from zeronas.bench.report import write_reports
from zeronas.bench.run import Sources, run_plan
from zeronas.bench.run import optimum as best_feasible
from zeronas.data.datasets import get_dataset
from zeronas.recipes import FREEREA_PROXIES


def run_bench(
    out_dir: str | Path,
    datasets: list[str],
    runs: int = 30,
    budget: int = 300,
    seed: int = 0,
    table3: bool = True,
    table5: bool = True,
    constraints=CONSTRAINTS,
    naswot_samples: int = 1000,
    workers: int = 1,
    sources: Sources = Sources(),
    command: str = "zeronas bench",
    progress: bool = True,
    console=None,
    fitness: tuple[str, ...] = FREEREA_PROXIES,
    combine: str = "freerea",
) -> Path:
    datasets = [get_dataset(d).name for d in datasets]
    out = Path(out_dir)
    jobs = plan(datasets, runs, budget, seed, table3, table5, constraints, naswot_samples, tuple(fitness), combine)
    rows = run_plan(jobs, out, sources, workers, progress, console)
    optimum = {d: best_feasible(d, None)[1] for d in datasets}
    limits = [tuple(lim) for lim in constraints] if table5 else []
    optima = {(d, lim): best_feasible(d, lim) for d in datasets for lim in limits}
    figures = [anytime_figure(rows, d, out / f"anytime-{d}.png", optimum[d]) for d in datasets] if table3 else []
    return write_reports(out, rows, datasets, optimum, optima, command, figures)
