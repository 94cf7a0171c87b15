"""One search, end to end: what `zeronas search` runs, usable from Python too."""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from zeronas.data.datasets import get_dataset, load_images
from zeronas.executors import ScorerSpec, make_executor
from zeronas.errors import ZeronasError
from zeronas.groundtruth import get_benchmark
from zeronas.proxies import FREEREA_PROXIES
from zeronas.scoring.scorer import Scorer, ScoringSettings
from zeronas.search import get_strategy
from zeronas.search.constraints import CostModel, cost_constraints, latency_constraints
from zeronas.scoring.tabular import open_table
from zeronas.search.problem import Budget, SearchProblem, SimulatedClock, WallClock
from zeronas.spaces import get_space
from zeronas.store import default_store_path, open_store
from zeronas.store.recorder import RunRecorder


@dataclass
class SearchReport:
    space: str
    dataset: str
    strategy: str
    seed: int
    arch: str
    scores: dict[str, float]
    params_m: float
    flops_m: float  # multiply-adds, as NATS-Bench counts FLOPs
    scored: int
    wall_s: float
    scoring_s_per_arch: float
    nonfinite: dict[str, int]
    constraints: dict[str, float] = field(default_factory=dict)
    test_acc: float | None = None
    optimum_acc: float | None = None
    optimum_arch: str | None = None
    regret: float | None = None
    benchmark_index: int | None = None
    benchmark: str | None = None  # which ground truth test_acc comes from
    exported: dict[str, str] = field(default_factory=dict)  # kind -> file written by --export

    def to_dict(self) -> dict:
        return asdict(self)


def run_search(space: str = "nats-tss", dataset: str = "cifar10", budget: int | None = 300,
               seconds: float | None = None, strategy: str = "freerea", seed: int = 0,
               max_flops=None, max_params=None, proxies=FREEREA_PROXIES, combine: str = "freerea",
               data_root=None, table=None, with_ground_truth: bool = True,
               on_progress: Callable | None = None, workers: int = 1, backend: str = "local",
               images_dir=None, address: str | None = None, max_latency: str | None = None,
               store=None, tabular=None, device: str = "cpu") -> SearchReport:
    """store: SQLite file (scores reused, run and trajectory recorded); tabular: replay a score table
    (path, or True for the committed one) on a simulated clock instead of scoring; device: torch device the
    networks are scored on (cpu, cuda, cuda:1)."""
    space_obj = get_space(space)
    info = get_dataset(dataset)
    if info.name not in getattr(space_obj, "datasets", (info.name,)):
        raise ZeronasError(f"search space {space} supports dataset(s) {', '.join(space_obj.datasets)} only, "
                           f"not {info.name}")
    strategy_obj = get_strategy(strategy)
    gt = get_benchmark(space, table, data_root) if with_ground_truth else None
    costs = CostModel(space_obj, info)
    constraints = cost_constraints(costs, max_flops, max_params)
    constraints += latency_constraints(space_obj, info, max_latency, data_root)
    settings = ScoringSettings(seed=seed, device=device)
    db = open_store(default_store_path(store)) if store else None
    if tabular:
        scorer, clock = open_table(space_obj, info.name, tabular, list(proxies)), SimulatedClock()
    else:
        images, labels = load_images(info, data_root, images_dir)
        cache = db.scores_cache(space, info.name, settings.tag(), list(proxies)) if db else None
        scorer, clock = Scorer.create(space_obj, info, list(proxies), images, labels, settings, cache), WallClock()
    recorder = RunRecorder(db, space, info.name, strategy, seed, dict(
        budget=budget, seconds=seconds, proxies=list(proxies), combine=combine, tabular=str(tabular or ""),
        max_flops=max_flops, max_params=max_params, settings=settings.tag())) if db else None
    progress = on_progress if recorder is None else (
        lambda p: (recorder.sync(p), on_progress and on_progress(p)))
    problem = SearchProblem(space_obj, scorer, list(proxies), Budget(budget, seconds), constraints, combine,
                            clock=clock, on_progress=progress)
    if not tabular:
        spec = ScorerSpec(space, dataset, tuple(proxies), settings, str(data_root) if data_root else None,
                          str(images_dir) if images_dir else None)
        scorer.executor = make_executor(spec, backend, workers, scorer=scorer, address=address)
    t0 = time.perf_counter()
    try:
        best = strategy_obj.run(problem, random.Random(seed))
    finally:
        if not tabular:
            scorer.executor.close()
    wall = time.perf_counter() - t0
    arch_str = space_obj.format(best.arch)
    computed = [e.scores.total_seconds for e in problem.history if not e.scores.cached]
    report = SearchReport(
        space=space, dataset=dataset, strategy=strategy, seed=seed, arch=arch_str,
        scores=dict(best.scores.values), params_m=costs.params(best.arch) / 1e6,
        flops_m=costs.flops(best.arch) / 1e6, scored=problem.scored, wall_s=wall,
        scoring_s_per_arch=(sum(computed) / len(computed)) if computed else 0.0,
        nonfinite=dict(scorer.nonfinite), constraints={c.name: c.limit for c in constraints},
    )
    if gt is not None:
        _add_ground_truth(report, gt, info, space_obj, constraints)
    if recorder:
        recorder.finish(problem, report.to_dict())
        db.close()
    return report


def _add_ground_truth(report: SearchReport, gt, info, space_obj, constraints) -> None:
    report.test_acc = gt.test_acc(report.arch, info)
    report.benchmark_index = gt.index_of(report.arch)
    report.benchmark = gt.label
    feasible = None
    if constraints:
        feasible = lambda text: all(c.ok(space_obj.parse(text)) for c in constraints)  # noqa: E731
    if constraints and hasattr(gt, "optimum_within"):  # a large table prices its own rows, vectorised
        report.optimum_arch, report.optimum_acc = gt.optimum_within(info, {c.name: c.limit for c in constraints})
    else:
        report.optimum_arch, report.optimum_acc = gt.optimum(info, feasible)
    report.regret = report.optimum_acc - report.test_acc
