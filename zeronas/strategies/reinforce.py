"""REINFORCE (Williams, 1992) as NATS-Bench runs it as a baseline: an independent categorical policy per
decision of the space (one op per edge), trained with Adam on the reward minus an exponential moving
average of past rewards. The reward is the architecture's combined score normalised over everything scored
so far (with the benchmark's 12-epoch accuracy as the only signal: that accuracy, scaled)."""

from __future__ import annotations

import random

import numpy as np

from zeronas.errors import ZeronasError
from zeronas.strategies.problem import Evaluation, SearchProblem


class Reinforce:
    name = "reinforce"
    fitness = None  # the search's combined proxies (or the training signal)

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9):
        self.learning_rate, self.momentum = learning_rate, momentum  # NATS-Bench's settings

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        import torch

        space = problem.space
        if not space.capabilities.categorical:
            raise ZeronasError(f"reinforce needs a space of independent decisions, which {space.name} is not")
        logits = [torch.zeros(len(options), dtype=torch.float64, requires_grad=True) for options in space.choices()]
        optimiser = torch.optim.Adam(logits, lr=self.learning_rate)
        baseline = None
        while not problem.done:
            probabilities = [torch.softmax(z, 0).detach().numpy() for z in logits]
            indices = tuple(_draw(p, rng) for p in probabilities)
            arch = space.from_choices(indices)
            if not problem.feasible(arch):
                problem.proposals += 1  # counts towards the proposal cap, so a search always ends
                continue
            scored = problem.evaluate([arch])
            if not scored:
                break
            position = problem.history.index(scored[0])
            reward = float(problem.fitness(problem.history)[position])
            if not np.isfinite(reward):
                continue  # a NaN score ranks last but gives no gradient
            baseline = reward if baseline is None else self.momentum * baseline + (1 - self.momentum) * reward
            log_probability = sum(torch.log_softmax(z, 0)[i] for z, i in zip(logits, indices))
            optimiser.zero_grad()
            (-(reward - baseline) * log_probability).backward()
            optimiser.step()
        return problem.best()


def _draw(probabilities: np.ndarray, rng: random.Random) -> int:
    """One index from a categorical distribution, with the search's own seeded generator."""
    u, total = rng.random(), 0.0
    for i, p in enumerate(probabilities):
        total += float(p)
        if u < total:
            return i
    return len(probabilities) - 1
