"""Running a bench plan: each job is one seeded replay; finished jobs are appended to runs.jsonl at once,
so an interrupted bench resumes where it stopped. Jobs spread over worker processes (one core each)."""

from __future__ import annotations

import json
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from zeronas.bench.plan import Job
from zeronas.bench.tables import read_table, table_file
from zeronas.data.datasets import get_dataset
from zeronas.errors import ZeronasError
from zeronas.spaces import DEFAULT_SPACE, get_space
from zeronas.study import SearchConfig, Study

CURVE_POINTS = 40  # anytime-curve points per run (log-spaced over the networks scored)


@dataclass(frozen=True)
class Sources:
    tables_dir: str | None = None
    nats_table: str | None = None
    data_root: str | None = None
    space: str = DEFAULT_SPACE


_SOURCES = Sources()


@cache
def context(dataset: str) -> Study:
    """One Study per dataset, shared by all its replays: tables, accuracies and costs are loaded once."""
    sources = _SOURCES
    space = get_space(sources.space)
    if not space.capabilities.enumerable:
        raise ZeronasError(f"{space.name} is too large to tabulate: bench it live (zeronas bench --space {space.name})")
    tabular = str(table_file(space.name, get_dataset(dataset).name, sources.tables_dir))
    return Study(
        SearchConfig(
            space=space.name, dataset=dataset, tabular=tabular, table=sources.nats_table, data_root=sources.data_root
        )
    )


def job_config(study: Study, job: Job) -> SearchConfig:
    m = job.method
    limits = job.limits or (None, None)
    return replace(
        study.config,
        strategy=m.strategy,
        strategy_options=dict(m.options),
        seed=job.seed,
        proxies=m.fitness,
        budget=m.evaluations,
        seconds=m.seconds,
        combine=m.combine,
        signal="training" if m.source == "training" else "proxies",
        max_flops=limits[0],
        max_params=limits[1],
    )


def optimum(dataset: str, limits) -> tuple[int, float]:
    """Benchmark index and test accuracy of the best (feasible) cell."""
    study = context(dataset)
    config = replace(study.config, max_flops=limits[0], max_params=limits[1]) if limits else study.config
    arch, acc = study.optimum(study.constraints(config))
    return study.ground_truth.index_of(arch), acc


def _init_worker(sources: Sources) -> None:
    import torch

    global _SOURCES
    torch.set_num_threads(1)
    _SOURCES = sources


def run_job(job: Job) -> dict:
    study = context(job.dataset)
    result = study.run(job_config(study, job))
    accuracy = lambda arch: study.ground_truth.test_acc(arch, study.info)  # noqa: E731
    curve = [(clock, accuracy(arch)) for clock, arch in result.best_so_far(CURVE_POINTS)]
    return dict(
        key=job.key,
        section=job.section,
        dataset=job.dataset,
        method=job.method.label,
        seed=job.seed,
        limits=job.limits,
        arch=result.arch,
        test_acc=result.test_acc,
        clock=result.clock_s,
        scored=result.scored,
        curve=curve,
    )


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


def run_plan(
    jobs: list[Job], out_dir: Path, sources: Sources, workers: int = 1, progress: bool = True, console=None
) -> list[dict]:
    global _SOURCES
    _SOURCES = sources
    context.cache_clear()
    for dataset in sorted({j.dataset for j in jobs}):  # fail fast, with one line, on a missing table
        read_table(table_file(sources.space, get_dataset(dataset).name, sources.tables_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "runs.jsonl"
    done = load_done(log)
    todo = [j for j in jobs if j.key not in done]
    bar = Progress(
        TextColumn("[bold]bench"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not progress,
    )
    pool = None
    if workers > 1 and len(todo) > 1:
        pool = ProcessPoolExecutor(
            workers, mp_context=mp.get_context("spawn"), initializer=_init_worker, initargs=(sources,)
        )
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
