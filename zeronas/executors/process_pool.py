"""Local process pool: persistent single-threaded workers, each holding its own scorer."""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from zeronas.errors import ZeronasError
from zeronas.executors.base import ScorerSpec

_worker_scorer = None


def _init_worker(spec: ScorerSpec) -> None:
    global _worker_scorer
    import torch

    torch.set_num_threads(1)  # one core per worker: processes, not threads, share the machine
    _worker_scorer = spec.build()


def _compute(arch):
    return _worker_scorer.compute(arch)


class ProcessPoolExecutorBackend:
    def __init__(self, spec: ScorerSpec, workers: int = 2):
        self.spec, self.workers = spec, workers
        self._pool = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"),
                                             initializer=_init_worker, initargs=(self.spec,))
        return self._pool

    def compute(self, archs):
        for attempt in (1, 2):  # a worker that died takes the pool with it: restart once, then report
            try:
                return list(self._start().map(_compute, archs))
            except BrokenProcessPool:
                self.close()
                if attempt == 2:
                    raise ZeronasError("a scoring worker died twice in a row (out of memory or killed?)") from None
        raise AssertionError("unreachable")

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
