"""Scoring many architectures at once (correlate, precompute): progress, store-backed resume, workers."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from zeronas.data.datasets import get_dataset, load_sample
from zeronas.executors import ScorerSpec, make_executor
from zeronas.scoring.scorer import Scorer, Scores, ScoringSettings
from zeronas.spaces import get_space
from zeronas.store import open_store


@dataclass
class BulkJob:
    space: str
    dataset: str
    proxies: tuple[str, ...]
    settings: ScoringSettings
    store: str | Path | None = None  # SQLite file: finished scores survive interruption
    workers: int = 1
    backend: str = "local"
    address: str | None = None  # Ray cluster (backend "ray")
    data_root: str | None = None
    chunk: int = 0  # architectures handed to the executor at a time (0: 4 per worker)


def score_archs(
    job: BulkJob, archs: Sequence[Hashable], progress: bool = True, console: Console | None = None
) -> tuple[list[Scores], Scorer]:
    """Scores of archs in order. With a store, finished networks are committed as they arrive and a rerun
    picks up where an interrupted one stopped."""
    space = get_space(job.space)
    info = get_dataset(job.dataset)
    images, labels = load_sample(info, job.data_root)
    store = open_store(job.store) if job.store else None
    cache = store.scores_cache(job.space, job.dataset, job.settings.tag(), list(job.proxies)) if store else None
    scorer = Scorer.create(space, info, list(job.proxies), images, labels, job.settings, cache)
    spec = ScorerSpec(job.space, job.dataset, tuple(job.proxies), job.settings, job.data_root)
    scorer.executor = make_executor(spec, job.backend, job.workers, scorer=scorer, address=job.address)
    chunk = job.chunk or 4 * max(1, job.workers)
    bar = (
        Progress(
            TextColumn(f"[bold]{job.space} {job.dataset}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
        )
        if progress
        else nullcontext()
    )
    results: list[Scores] = []
    try:
        with bar:
            task = bar.add_task("score", total=len(archs)) if progress else None
            for start in range(0, len(archs), chunk):
                results.extend(scorer.score_many(archs[start : start + chunk]))
                if progress:
                    bar.update(task, completed=len(results))
    finally:
        scorer.executor.close()
        if store:
            store.close()
    return results, scorer
