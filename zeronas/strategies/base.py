"""The search-strategy protocol."""

from __future__ import annotations

import random
from typing import Protocol

from zeronas.strategies.problem import Evaluation, SearchProblem


class SearchStrategy(Protocol):
    name: str
    fitness: tuple[str, ...] | None  # proxies it ranks by, if not the search's combined proxies

    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        """Spend the problem's budget and return the chosen network."""
