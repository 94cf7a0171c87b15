"""NASWOT's own search (Mellor et al. 2021): score N random cells with NASWOT alone and keep the best.
No evolution, no combination: the baseline FreeREA's Table 3 compares against (N = 1000)."""

from __future__ import annotations

import random

from zeronas.strategies.problem import Evaluation, SearchProblem


class NaswotRank:
    name = "naswot-rank"

    def __init__(self, samples: int = 1000, proxy: str = "naswot", batch: int = 8):
        self.samples, self.batch = samples, batch
        self.fitness = (proxy,)  # ranks by this proxy alone, whatever the search combines

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        drawn = 0
        while not problem.done and drawn < self.samples:
            n = min(self.batch, self.samples - drawn)
            problem.evaluate([problem.sample_feasible(rng) for _ in range(n)])
            drawn += n
        return problem.best()
