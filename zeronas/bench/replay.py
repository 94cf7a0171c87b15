"""One seeded search replayed on tables: the chosen network's test accuracy and the anytime curve
(test accuracy of the network the search would return so far, against its simulated clock)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from zeronas.search import get_strategy
from zeronas.search.problem import Budget, SearchProblem, SimulatedClock

CURVE_POINTS = 40


@dataclass(frozen=True)
class Method:
    """A row of the bench tables: a strategy on a score source, with its own budget."""

    label: str
    strategy: str
    source: str  # 'proxies' (precomputed score table) or 'training' (12-epoch accuracies)
    fitness: tuple[str, ...]
    evaluations: int | None = 300
    seconds: float | None = None
    combine: str = "freerea"
    options: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class RunResult:
    seed: int
    arch: tuple
    test_acc: float
    clock: float  # simulated seconds spent
    scored: int
    curve: list[tuple[float, float]]  # (clock, test accuracy of the current pick)


def replay(method: Method, space, source, constraints, accuracy: dict, seed: int) -> RunResult:
    problem = SearchProblem(space, source, list(method.fitness), Budget(method.evaluations, method.seconds),
                            constraints, method.combine, clock=SimulatedClock())
    chosen = get_strategy(method.strategy, **method.options).run(problem, random.Random(seed))
    return RunResult(seed, chosen.arch, accuracy[tuple(chosen.arch)], problem.clock.now(), problem.scored,
                     _curve(problem, method, accuracy))


def _curve(problem: SearchProblem, method: Method, accuracy: dict) -> list[tuple[float, float]]:
    history = problem.history
    n = len(history)
    steps = sorted({int(round(x)) for x in np.geomspace(1, n, min(n, CURVE_POINTS))} | {n})
    points = []
    for i in steps:
        prefix = history[:i]
        if method.strategy == "naswot-rank":  # it ranks by its proxy alone, not the combined fitness
            name = method.options.get("proxy", "naswot")
            pick = max(prefix, key=lambda e: e.scores.values[name] if math.isfinite(e.scores.values[name])
                       else -math.inf)
        else:
            pick = prefix[int(np.argmax(problem.fitness(prefix)))]
        points.append((prefix[-1].clock, accuracy[tuple(pick.arch)]))
    return points
