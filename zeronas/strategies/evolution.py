"""Regularised evolution on training-free scores: FreeREA and its one-parent ablation FreeREA⁻ (REA)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from zeronas.errors import ZeronasError
from zeronas.strategies.problem import Evaluation, SearchProblem


@dataclass
class Member:
    evaluation: Evaluation
    born: int  # step at which it (re)entered the population: the oldest is removed first


class _Population:
    def __init__(self, problem: SearchProblem):
        self.problem = problem
        self.members: list[Member] = []

    def add(self, evaluations: list[Evaluation], step: int) -> None:
        index = {m.evaluation.key: m for m in self.members}
        for ev in evaluations:
            if ev.key in index:
                index[ev.key].born = step  # seen again: it is young again (FreeREA's history update)
            else:
                member = Member(ev, step)
                self.members.append(member)
                index[ev.key] = member

    def fitness(self) -> np.ndarray:
        return self.problem.fitness([m.evaluation for m in self.members])

    def remove_oldest(self) -> None:
        oldest = min(range(len(self.members)), key=lambda i: self.members[i].born)
        self.members.pop(oldest)

    def keep_top(self, n: int) -> None:
        if len(self.members) > n:
            order = np.argsort(-self.fitness(), kind="stable")[:n]
            self.members = [self.members[i] for i in sorted(order)]

    def tournament(self, rng: random.Random, size: int, winners: int, normalise: str = "population") -> list:
        """The best `winners` of `size` members drawn at random, by the combined score normalised over the
        whole population, or (normalise='tournament', FreeREA's code) over the drawn members only."""
        if normalise == "tournament":
            drawn = rng.sample(range(len(self.members)), min(size, len(self.members)))
            fit = dict(zip(drawn, self.problem.fitness([self.members[i].evaluation for i in drawn])))
        else:
            fit = self.fitness()
            drawn = rng.sample(range(len(self.members)), min(size, len(self.members)))
        drawn.sort(key=lambda i: -fit[i])
        return [self.members[i].evaluation for i in drawn[:winners]]


NORMALISE = ("population", "tournament")


def _moves(space, moves: str) -> tuple:
    """(mutate, crossover): the space's own, or one of its named move sets (e.g. FreeREA's NAS-Bench-101 moves)."""
    if moves == "space":
        return space.mutate, space.crossover
    if moves not in space.capabilities.move_sets:
        sets = ", ".join(("space", *space.capabilities.move_sets))
        raise ZeronasError(f"{space.name} has no move set {moves!r}; it has: {sets}")
    return space.moves(moves)


def _check_normalise(normalise: str) -> str:
    if normalise not in NORMALISE:
        raise ZeronasError(f"normalise must be one of {', '.join(NORMALISE)}, not {normalise!r}")
    return normalise


def _initial_population(problem: SearchProblem, rng: random.Random, size: int) -> _Population:
    pop = _Population(problem)
    while len(pop.members) < size and not problem.done:
        pop.add(problem.evaluate([problem.sample_feasible(rng) for _ in range(size - len(pop.members))]), 0)
    return pop


class FreeREA:
    """Cavagnero et al. 2023, §3.2: two parents from a tournament, a mutation of each plus their
    crossover; then the oldest leaves and the top N by the combined score survive."""

    name = "freerea"
    fitness = None  # the search's combined proxies

    def __init__(self, population: int = 25, tournament: int = 5, moves: str = "space", normalise: str = "population"):
        """moves: 'space' (the space's mutate/crossover) or a move set it names (nasbench101: 'freerea');
        normalise: what the tournament's combined score is normalised over ('population' or 'tournament')."""
        self.population, self.tournament = population, tournament
        self.moves, self.normalise = moves, _check_normalise(normalise)

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        mutate, crossover = _moves(problem.space, self.moves)
        pop = _initial_population(problem, rng, self.population)
        step = 0
        while not problem.done:
            step += 1
            a, b = (pop.tournament(rng, self.tournament, 2, self.normalise) * 2)[:2]
            children = [problem.feasible_variant(lambda p=p: mutate(p.arch, rng)) for p in (a, b)]
            children.append(problem.feasible_variant(lambda: crossover(a.arch, b.arch, rng)))
            pop.add(problem.evaluate([c for c in children if c is not None]), step)
            if len(pop.members) > self.population:
                pop.remove_oldest()
            pop.keep_top(self.population)
        return problem.best()


class REA:
    """FreeREA⁻ (regularised evolution, Real et al. 2019, on the same score): one parent, one mutation,
    the oldest member dies."""

    name = "rea"
    fitness = None

    def __init__(self, population: int = 25, tournament: int = 5, moves: str = "space", normalise: str = "population"):
        self.population, self.tournament = population, tournament
        self.moves, self.normalise = moves, _check_normalise(normalise)

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        mutate, _ = _moves(problem.space, self.moves)
        pop = _initial_population(problem, rng, self.population)
        step = 0
        while not problem.done:
            step += 1
            (parent,) = pop.tournament(rng, self.tournament, 1, self.normalise)
            child = problem.feasible_variant(lambda: mutate(parent.arch, rng))
            if child is not None:
                pop.add(problem.evaluate([child]), step)
            while len(pop.members) > self.population:
                pop.remove_oldest()
        return problem.best()
