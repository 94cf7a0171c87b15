"""NASWOT's own search (Mellor et al. 2021): score N random cells with NASWOT alone and keep the best.
No evolution, no combination: the baseline FreeREA's Table 3 compares against (N = 1000)."""

from __future__ import annotations

import math
import random

from zeronas.errors import ZeronasError
from zeronas.search.problem import Evaluation, SearchProblem


class NaswotRank:
    name = "naswot-rank"

    def __init__(self, samples: int = 1000, proxy: str = "naswot", batch: int = 8):
        self.samples, self.proxy, self.batch = samples, proxy, batch

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        if self.proxy not in problem.scorer.proxy_names:
            raise ZeronasError(f"naswot-rank ranks by {self.proxy!r}, which this search does not compute")
        drawn = 0
        while not problem.done and drawn < self.samples:
            n = min(self.batch, self.samples - drawn)
            problem.evaluate([problem.sample_feasible(rng) for _ in range(n)])
            drawn += n
        if not problem.history:
            raise ZeronasError("the search scored no architecture")
        value = lambda e: e.scores.values[self.proxy]  # noqa: E731
        return max(problem.history, key=lambda e: value(e) if math.isfinite(value(e)) else -math.inf)
