"""Local process pool: persistent single-threaded workers, each holding its own scorer.

Processes rather than threads: on this kind of CPU two single-threaded workers score faster than one process
with two torch threads, and single-threaded scores are identical in every worker and in-process.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from zeronas.errors import ZeronasError
from zeronas.executors.base import ScorerSpec, join_parts, split_parts

DEFAULT_TIMEOUT_S = 600.0
_worker_scorer = None


def _die_with_parent() -> None:
    """Linux: a worker whose parent is killed (SIGTERM, kill -9) exits instead of computing on as an orphan."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _init_worker(spec: ScorerSpec) -> None:
    global _worker_scorer
    import torch

    _die_with_parent()

    torch.set_num_threads(1)  # one core per worker: processes, not threads, share the machine
    _worker_scorer = spec.build()


def _compute_part(arch, init):
    return _worker_scorer.measure_part(arch, init)


class ProcessPoolExecutorBackend:
    def __init__(self, spec: ScorerSpec, workers: int = 2, task_timeout: float = DEFAULT_TIMEOUT_S):
        self.spec, self.workers, self.task_timeout = spec, workers, task_timeout
        self._pool = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=mp.get_context("spawn"), initializer=_init_worker, initargs=(self.spec,)
            )
        return self._pool

    def compute(self, archs):
        """Scores in order, one task per (arch, init). A dead worker breaks the pool: it is restarted once and
        only unfinished tasks are retried; a second death, or no result within task_timeout, is a one-line error."""
        tasks = split_parts(self.spec, archs)
        results: dict[int, object] = {}
        for attempt in (1, 2):
            pool = self._start()
            running = {pool.submit(_compute_part, *tasks[i]): i for i in range(len(tasks)) if i not in results}
            broken = False
            while running:
                done, _ = wait(running, timeout=self.task_timeout, return_when=FIRST_COMPLETED)
                if not done:
                    self.close(kill=True)
                    raise ZeronasError(f"no scoring result within {self.task_timeout:g} s (a worker hung?)")
                for future in done:
                    index = running.pop(future)
                    try:
                        results[index] = future.result()
                    except BrokenProcessPool:
                        broken = True
            if not broken:
                return join_parts(self.spec, [results[i] for i in range(len(tasks))])
            self.close(kill=True)
        raise ZeronasError("a scoring worker died twice in a row (out of memory or killed?)")

    def close(self, kill: bool = False) -> None:
        if self._pool is not None:
            if kill:  # a hung or broken pool: do not wait for it
                for process in list(getattr(self._pool, "_processes", {}).values()):
                    process.kill()
            self._pool.shutdown(wait=not kill, cancel_futures=True)
            self._pool = None
