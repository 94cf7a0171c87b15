"""Executor registry: `--backend` names, one line each."""

from __future__ import annotations

from collections.abc import Callable

from zeronas.errors import ZeronasError
from zeronas.executors.base import Executor, InProcessExecutor, ScorerSpec
from zeronas.executors.process_pool import ProcessPoolExecutorBackend
from zeronas.registry import Registry


def _ray(spec, workers, scorer, **options):
    from zeronas.executors.ray_backend import RayExecutor  # Ray is an optional extra: import on demand

    return RayExecutor(spec, workers, **options)


def _local(spec, workers, scorer, address=None, **options):
    if address:
        raise ZeronasError("--address is for --backend ray; the local backend runs on this machine")
    return InProcessExecutor(spec, scorer) if workers == 1 else ProcessPoolExecutorBackend(spec, workers, **options)


BACKENDS: Registry[Callable[..., Executor]] = Registry("backend")
BACKENDS.add("local", _local, summary="this process (1 worker) or a local process pool")
BACKENDS.add("ray", _ray, summary="a Ray cluster (optional extra: pip install zeronas[ray])")


def make_executor(spec: ScorerSpec, backend: str = "local", workers: int = 1, scorer=None, **options) -> Executor:
    """`local` with workers=1 scores in this process, workers>1 in a process pool; `ray` on a Ray cluster
    (options: address, task_timeout seconds)."""
    if workers < 1:
        raise ZeronasError(f"--workers must be at least 1, got {workers}")
    make = BACKENDS.get(backend)
    options = {k: v for k, v in options.items() if v is not None}
    return make(spec, workers, scorer, **options)


__all__ = ["BACKENDS", "Executor", "ScorerSpec", "make_executor"]
