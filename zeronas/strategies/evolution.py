"""Regularised evolution on training-free scores: FreeREA and its one-parent ablation FreeREA⁻ (REA)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

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

    def tournament(self, rng: random.Random, size: int, winners: int) -> list[Evaluation]:
        fit = self.fitness()
        drawn = rng.sample(range(len(self.members)), min(size, len(self.members)))
        drawn.sort(key=lambda i: -fit[i])
        return [self.members[i].evaluation for i in drawn[:winners]]


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

    def __init__(self, population: int = 25, tournament: int = 5):
        self.population, self.tournament = population, tournament

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        space = problem.space
        pop = _initial_population(problem, rng, self.population)
        step = 0
        while not problem.done:
            step += 1
            a, b = (pop.tournament(rng, self.tournament, 2) * 2)[:2]
            children = [problem.feasible_variant(lambda p=p: space.mutate(p.arch, rng)) for p in (a, b)]
            children.append(problem.feasible_variant(lambda: space.crossover(a.arch, b.arch, rng)))
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

    def __init__(self, population: int = 25, tournament: int = 5):
        self.population, self.tournament = population, tournament

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        pop = _initial_population(problem, rng, self.population)
        step = 0
        while not problem.done:
            step += 1
            (parent,) = pop.tournament(rng, self.tournament, 1)
            child = problem.feasible_variant(lambda: problem.space.mutate(parent.arch, rng))
            if child is not None:
                pop.add(problem.evaluate([child]), step)
            while len(pop.members) > self.population:
                pop.remove_oldest()
        return problem.best()
