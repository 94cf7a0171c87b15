"""Executor registry: `--backend` names, one line each."""

from __future__ import annotations

from zeronas.errors import ZeronasError
from zeronas.executors.base import Executor, InProcessExecutor, ScorerSpec
from zeronas.executors.process_pool import ProcessPoolExecutorBackend


def make_executor(spec: ScorerSpec, backend: str = "local", workers: int = 1, scorer=None, **options) -> Executor:
    """`local` with workers=1 scores in this process; workers>1 starts a process pool."""
    if workers < 1:
        raise ZeronasError(f"--workers must be at least 1, got {workers}")
    if backend == "local":
        return InProcessExecutor(spec, scorer) if workers == 1 else ProcessPoolExecutorBackend(spec, workers)
    raise ZeronasError(f"unknown backend {backend!r}; choose one of: local")


__all__ = ["Executor", "ScorerSpec", "make_executor"]
