"""NSGA-II (Deb et al., 2002) over the search's objectives, and TF-MOENAS (Do & Luong, 2021) as a named
configuration of it. Non-dominated sorting and crowding distance are pymoo's; this module only breeds.
"""

from __future__ import annotations

import random

import numpy as np

from zeronas.errors import ZeronasError
from zeronas.strategies.problem import Evaluation, SearchProblem


def rank_and_crowding(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Front index (0 = non-dominated) and crowding distance of each row of a minimisation matrix."""
    from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    f = np.nan_to_num(f, posinf=1e300, neginf=-1e300)
    rank, crowding = np.zeros(len(f), dtype=int), np.zeros(len(f))
    for k, front in enumerate(NonDominatedSorting().do(f)):
        rank[front] = k
        crowding[front] = calc_crowding_distance(f[front]) if len(front) > 2 else np.inf
    return rank, crowding


class NSGA2:
    """Binary tournaments on (front, crowding), crossover of two winners then mutation, and elitist survival of
    the best `population` of parents + offspring by front, then by crowding distance."""

    name = "nsga2"
    fitness = None  # the search's combined proxies
    objectives: tuple[str, ...] = ()  # objectives it always adds to the search's

    def __init__(self, population: int = 20, crossover: float = 0.9, split_score: bool = False):
        self.population, self.crossover, self.split_score = population, crossover, split_score

    def _survivors(self, problem: SearchProblem, pool: list[Evaluation]) -> list[Evaluation]:
        rank, crowding = rank_and_crowding(problem.objective_matrix(pool, self.split_score))
        order = sorted(range(len(pool)), key=lambda i: (rank[i], -crowding[i], i))
        return [pool[i] for i in order[: self.population]]

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        space = problem.space
        pop: list[Evaluation] = []
        while len(pop) < self.population and not problem.done:
            new = problem.evaluate([problem.sample_feasible(rng) for _ in range(self.population - len(pop))])
            pop = list({e.key: e for e in pop + new}.values())
        while not problem.done and pop:
            rank, crowding = rank_and_crowding(problem.objective_matrix(pop, self.split_score))

            def winner() -> Evaluation:
                i, j = rng.randrange(len(pop)), rng.randrange(len(pop))
                return pop[i] if (rank[i], -crowding[i]) <= (rank[j], -crowding[j]) else pop[j]

            def child() -> object:
                a, b = winner(), winner()
                base = space.crossover(a.arch, b.arch, rng) if rng.random() < self.crossover else a.arch
                return space.mutate(base, rng)

            offspring = [problem.feasible_variant(child) for _ in range(self.population)]
            new = problem.evaluate([c for c in offspring if c is not None])
            pool = list({e.key: e for e in pop + new}.values())
            pop = self._survivors(problem, pool)
        return problem.best()


class TFMoenas(NSGA2):
    """TF-MOENAS (Do & Luong, 2021): NSGA-II on the NTK condition number and the number of linear regions as
    separate objectives, plus FLOPs. The result's front is reported over (combined score of the two, FLOPs)."""

    name = "tf-moenas"
    fitness = ("ntk", "nregions")
    objectives = ("score", "flops")

    def __init__(self, population: int = 20, crossover: float = 0.9):
        super().__init__(population, crossover, split_score=True)

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        if not problem.space.capabilities.thin_twin:
            raise ZeronasError(
                f"tf-moenas counts linear regions on a thin twin of each network, which {problem.space.name} "
                "does not define; use --strategy nsga2"
            )
        return super().run(problem, rng)
