"""A search problem: space + scorer + constraints + budget, and the history of what was scored.

Strategies only talk to this object, so the same strategy runs live, on a precomputed table, or on a
pool of workers.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from zeronas.errors import ZeronasError
from zeronas.scoring.scores import Scores
from zeronas.spaces.base import SearchSpace
from zeronas.strategies.combine import combiner_pool, get_combiner
from zeronas.strategies.constraints import Constraint, check_satisfiable
from zeronas.strategies.objectives import Objective

MAX_SAMPLING_TRIES = 20_000
MAX_MEASURED_TRIES = 300  # when a limit is measured by running each network (latency on this machine)


class ScoreSource(Protocol):
    proxy_names: list[str]
    parallelism: int  # networks it scores at once (a time budget is checked between such groups)
    nonfinite: Counter  # proxy -> networks with a NaN value
    reasons: Counter  # (proxy, reason) -> how often

    def score_many(self, archs: list[Hashable]) -> list[Scores]: ...


@dataclass
class Budget:
    evaluations: int | None = 300  # unique networks scored
    seconds: float | None = None  # search clock (wall or simulated)

    def __post_init__(self):
        if self.evaluations is None and self.seconds is None:
            raise ZeronasError("give a budget: a number of architectures and/or seconds")
        if self.evaluations is not None and self.evaluations < 1:
            raise ZeronasError(f"budget must be at least 1 architecture, got {self.evaluations}")
        if self.seconds is not None and self.seconds <= 0:
            raise ZeronasError(f"time budget must be positive, got {self.seconds}")


class WallClock:
    def __init__(self):
        self.start = time.perf_counter()

    def now(self) -> float:
        return time.perf_counter() - self.start

    def charge(self, scores: Scores) -> None:
        pass


class SimulatedClock:
    """Advances by the recorded scoring seconds of each newly scored network (tabular benchmarks)."""

    def __init__(self):
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def charge(self, scores: Scores) -> None:
        self.t += scores.total_seconds


@dataclass
class Evaluation:
    arch: Hashable
    key: str
    scores: Scores
    clock: float  # search clock when it was scored


@dataclass
class SearchProblem:
    space: SearchSpace
    scorer: ScoreSource
    fitness_proxies: list[str]
    budget: Budget
    constraints: list[Constraint] = field(default_factory=list)
    combine: str = "freerea"
    clock: WallClock | SimulatedClock = field(default_factory=WallClock)
    on_progress: Callable[[SearchProblem], None] | None = None
    objectives: list[Objective] = field(default_factory=list)  # what a multi-objective strategy trades off

    def __post_init__(self):
        missing = [p for p in self.fitness_proxies if p not in self.scorer.proxy_names]
        if missing:
            raise ZeronasError(
                f"the search ranks by proxy {missing[0]!r}, which it does not compute "
                f"(it computes {', '.join(self.scorer.proxy_names)})"
            )
        self._columns = [self.scorer.proxy_names.index(p) for p in self.fitness_proxies]
        self._combiner = get_combiner(self.combine)
        self._over_history = combiner_pool(self.combine) == "history"
        self._history_fitness: tuple[int, dict] = (-1, {})
        check_satisfiable(self.space, self.constraints)
        self.history: list[Evaluation] = []
        self.by_key: dict[str, Evaluation] = {}
        self.proposals = 0

    # -- budget -------------------------------------------------------------------------------
    @property
    def scored(self) -> int:
        return len(self.history)

    @property
    def remaining(self) -> int | float:
        return math.inf if self.budget.evaluations is None else self.budget.evaluations - self.scored

    @property
    def done(self) -> bool:
        if self.remaining <= 0:
            return True
        if self.budget.seconds is not None and self.clock.now() >= self.budget.seconds:
            return True
        # a converged population that only proposes networks already scored must still end
        cap = (self.budget.evaluations or 1000) * 50
        return self.proposals >= cap

    # -- constraints --------------------------------------------------------------------------
    def feasible(self, arch) -> bool:
        return all(c.ok(arch) for c in self.constraints)

    def sample_feasible(self, rng: random.Random) -> Hashable:
        measured = any(c.expensive for c in self.constraints)
        tries = MAX_MEASURED_TRIES if measured else MAX_SAMPLING_TRIES
        for _ in range(tries):
            arch = self.space.sample(rng)
            if self.feasible(arch):
                return arch
        limits = ", ".join(f"{c.name} <= {c.limit:g}" for c in self.constraints)
        why = " (each draw's latency was measured)" if measured else ""
        raise ZeronasError(
            f"no feasible architecture found in {tries} random draws under {limits}{why}; relax the limit"
        )

    def feasible_variant(self, make: Callable[[], Hashable], tries: int = 50) -> Hashable | None:
        """First feasible result of make() (a mutation, a crossover), or None."""
        for _ in range(tries):
            arch = make()
            if self.feasible(arch):
                return arch
        return None

    # -- scoring ------------------------------------------------------------------------------
    def evaluate(self, archs: list[Hashable]) -> list[Evaluation]:
        """Score archs (feasible ones); already-scored networks are free; stops at the budget."""
        self.proposals += len(archs)
        todo, seen = [], set()
        for arch in archs:
            key = self.space.canonical_key(arch)
            if key not in self.by_key and key not in seen:
                seen.add(key)
                todo.append((arch, key))
        todo = todo[: max(0, int(min(self.remaining, len(todo))))]
        # under a time budget, score in groups the source computes at once and stop when time is up
        group = max(1, self.scorer.parallelism) if self.budget.seconds is not None else max(1, len(todo))
        for start in range(0, len(todo), group):
            if start and self.done:
                break
            chunk = todo[start : start + group]
            for (arch, key), scores in zip(chunk, self.scorer.score_many([a for a, _ in chunk])):
                self.clock.charge(scores)
                ev = Evaluation(arch, key, scores, self.clock.now())
                self.history.append(ev)
                self.by_key[key] = ev
        if todo and self.on_progress:
            self.on_progress(self)
        return [self.by_key[self.space.canonical_key(a)] for a in archs if self.space.canonical_key(a) in self.by_key]

    def fitness(self, evaluations: list[Evaluation]) -> np.ndarray:
        """Combined score of each evaluation, normalised over exactly this group — or, for a rank rule
        (pool 'history'), over everything scored so far, so that a population compares stable values."""
        if not evaluations:
            return np.zeros(0)
        if self._over_history and all(e.key in self.by_key for e in evaluations):
            table = self.history_fitness()
            return np.array([table[e.key] for e in evaluations])
        return self._combine(evaluations)

    def history_fitness(self) -> dict[str, float]:
        """key -> combined score normalised over everything scored so far, computed once per new network."""
        if self._history_fitness[0] != len(self.history):
            values = self._combine(self.history)
            self._history_fitness = (len(self.history), dict(zip((e.key for e in self.history), values)))
        return self._history_fitness[1]

    def _combine(self, evaluations: list[Evaluation]) -> np.ndarray:
        matrix = np.array([[e.scores.values[p] for p in self.fitness_proxies] for e in evaluations])
        return self._combiner(matrix)

    def best(self, evaluations: list[Evaluation] | None = None) -> Evaluation:
        """The best network by the combined score, normalised over the whole history (FreeREA's choice) or over
        the given evaluations (a prefix of the history: what the search would have returned then)."""
        pool = self.history if evaluations is None else evaluations
        if not pool:
            raise ZeronasError("the search scored no architecture")
        return pool[int(np.argmax(self._combine(pool)))]  # a prefix is what had been scored then

    def objective_matrix(self, evaluations: list[Evaluation], split_score: bool = False) -> np.ndarray:
        """One row per evaluation, one column per objective, every column to be MINIMISED (maximised ones are
        negated; NaN/-inf scores become +inf: worst). The score is the combined score normalised over the whole
        history, so a row's value does not depend on which group it is compared in; `split_score` gives one
        column per fitness proxy instead (each maximised), as TF-MOENAS optimises its proxies separately."""
        objectives = self.objectives or [Objective("score", True, lambda arch: math.nan)]
        combined = self.history_fitness()
        columns = []
        for objective in objectives:
            if objective.name == "score" and split_score:
                columns += [[-e.scores.values[p] for e in evaluations] for p in self.fitness_proxies]
            elif objective.name == "score":
                columns.append([-combined[e.key] for e in evaluations])
            else:
                sign = -1.0 if objective.maximise else 1.0
                columns.append([sign * objective.value(e.arch) for e in evaluations])
        matrix = np.array(columns, dtype=np.float64).T.reshape(len(evaluations), len(columns))
        return np.where(np.isfinite(matrix), matrix, np.inf)
