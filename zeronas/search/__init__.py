"""Search-strategy registry: a new strategy is one module plus one line here."""

from __future__ import annotations

from zeronas.errors import ZeronasError
from zeronas.search.evolution import REA, FreeREA
from zeronas.search.naswot_rank import NaswotRank
from zeronas.search.random_search import RandomSearch

STRATEGIES = {
    "freerea": FreeREA,
    "rea": REA,
    "random": RandomSearch,
    "naswot-rank": NaswotRank,
}


def get_strategy(name: str, **kwargs):
    try:
        return STRATEGIES[name](**kwargs)
    except KeyError:
        raise ZeronasError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}") from None
