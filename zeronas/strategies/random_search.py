"""Random search: score uniformly sampled feasible cells, keep the best by the combined score."""

from __future__ import annotations

import random

from zeronas.strategies.problem import Evaluation, SearchProblem


class RandomSearch:
    name = "random"
    fitness = None

    def __init__(self, batch: int = 4):
        self.batch = batch  # proposals handed to the scorer at once (parallel executors)

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        while not problem.done:
            problem.evaluate([problem.sample_feasible(rng) for _ in range(self.batch)])
        return problem.best()
