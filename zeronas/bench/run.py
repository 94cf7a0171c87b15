"""Running a bench plan: each job is one seeded replay; finished jobs are appended to runs.jsonl at once,
so an interrupted bench resumes where it stopped. Jobs spread over worker processes (one core each)."""

from __future__ import annotations

import json
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from zeronas.bench.plan import Job
from zeronas.bench.replay import replay
from zeronas.bench.tables import read_table, table_file
from zeronas.data.datasets import get_dataset
from zeronas.errors import ZeronasError
from zeronas.groundtruth.nats_table import NatsTable
from zeronas.scoring.tabular import TableScores, TrainingScores
from zeronas.search.constraints import CostModel, cost_constraints
from zeronas.spaces import get_space

SPACE = "nats-tss"  # the only space with full score tables and a complete benchmark so far


@dataclass(frozen=True)
class Sources:
    tables_dir: str | None = None
    nats_table: str | None = None
    data_root: str | None = None


class Context:
    """Everything a dataset's replays share: space, tables, accuracies, cost model."""

    def __init__(self, sources: Sources, dataset: str):
        self.space = get_space(SPACE)
        self.info = get_dataset(dataset)
        self.gt = NatsTable.load(sources.nats_table, sources.data_root)
        self.frame = read_table(table_file(SPACE, self.info.name, sources.tables_dir))
        col = self.gt.column("test_acc", self.info)
        self.archs = [self.space.parse(a) for a in self.gt.frame["arch"]]
        self.accuracy = dict(zip(self.archs, self.gt.frame[col].astype(float)))
        self.costs = CostModel(self.space, self.info)
        self._sources: dict = {}

    def source(self, kind: str, proxies: tuple[str, ...]):
        if (kind, proxies) not in self._sources:
            self._sources[kind, proxies] = (TrainingScores(self.space, self.gt.frame, self.info) if kind == "training"
                                            else TableScores(self.space, self.frame, list(proxies)))
        return self._sources[kind, proxies]

    def constraints(self, limits):
        return [] if limits is None else cost_constraints(self.costs, limits[0], limits[1])

    def optimum(self, limits) -> tuple[int, float]:
        """Benchmark index and test accuracy of the best (feasible) row."""
        cons = self.constraints(limits)
        best = max((acc, i) for i, (arch, acc) in enumerate(self.accuracy.items()) if all(c.ok(arch) for c in cons))
        return int(self.gt.frame["index"].iloc[best[1]]), best[0]


_SOURCES = Sources()


@lru_cache(maxsize=None)
def context(dataset: str) -> Context:
    return Context(_SOURCES, dataset)


def _init_worker(sources: Sources) -> None:
    import torch

    global _SOURCES
    torch.set_num_threads(1)
    _SOURCES = sources


def run_job(job: Job) -> dict:
    ctx = context(job.dataset)
    m = job.method
    result = replay(m, ctx.space, ctx.source(m.source, m.fitness), ctx.constraints(job.limits), ctx.accuracy, job.seed)
    return dict(key=job.key, section=job.section, dataset=job.dataset, method=m.label, seed=job.seed,
                limits=job.limits, arch=ctx.space.format(result.arch), test_acc=result.test_acc,
                clock=result.clock, scored=result.scored, curve=result.curve)


def load_done(path: Path) -> dict[str, dict]:
    done = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
                done[row["key"]] = row
            except (json.JSONDecodeError, KeyError):
                continue  # a line cut short by an interruption: that job simply runs again
    return done


def run_plan(jobs: list[Job], out_dir: Path, sources: Sources, workers: int = 1, progress: bool = True,
             console=None) -> list[dict]:
    global _SOURCES
    _SOURCES = sources
    for dataset in sorted({j.dataset for j in jobs}):  # fail fast, with one line, on a missing table
        read_table(table_file(SPACE, get_dataset(dataset).name, sources.tables_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "runs.jsonl"
    done = load_done(log)
    todo = [j for j in jobs if j.key not in done]
    bar = Progress(TextColumn("[bold]bench"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn(), console=console, disable=not progress)
    pool = None
    if workers > 1 and len(todo) > 1:
        pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                                   initargs=(sources,))
    try:
        with bar, log.open("a") as f:
            task = bar.add_task("bench", total=len(jobs), completed=len(jobs) - len(todo))
            results = pool.map(run_job, todo, chunksize=4) if pool else map(run_job, todo)
            for row in results:
                f.write(json.dumps(row) + "\n")
                f.flush()
                done[row["key"]] = row
                bar.advance(task)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    missing = [j.key for j in jobs if j.key not in done]
    if missing:
        raise ZeronasError(f"{len(missing)} bench jobs did not finish")
    return [done[j.key] for j in jobs]
