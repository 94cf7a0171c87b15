"""Search-strategy registry: a new strategy is one module plus one line here."""

from __future__ import annotations

from zeronas.errors import ZeronasError
from zeronas.registry import Registry
from zeronas.strategies.evolution import REA, FreeREA
from zeronas.strategies.naswot_rank import NaswotRank
from zeronas.strategies.nsga2 import NSGA2, TFMoenas
from zeronas.strategies.random_search import RandomSearch
from zeronas.strategies.reinforce import Reinforce
from zeronas.strategies.tenas import TENAS

STRATEGIES: Registry[type] = Registry("strategy")
STRATEGIES.add("freerea", FreeREA, summary="Cavagnero et al. 2023: two parents, mutation + crossover, top-N")
STRATEGIES.add("rea", REA, summary="FreeREA minus: regularised evolution (Real et al. 2019) on the same score")
STRATEGIES.add("random", RandomSearch, summary="uniform feasible samples, best by the combined score")
STRATEGIES.add("reinforce", Reinforce, summary="Williams 1992 / NATS-Bench: per-edge policy, Adam, EMA baseline")
STRATEGIES.add(
    "nsga2", NSGA2, summary="Deb et al. 2002: multi-objective evolution over the --objectives (pymoo sorting)"
)
STRATEGIES.add("tf-moenas", TFMoenas, summary="Do & Luong 2021: NSGA-II on NTK condition, linear regions and FLOPs")
STRATEGIES.add(
    "te-nas", TENAS, summary="Chen et al. 2021: prune the all-ops supernet by NTK condition and linear regions"
)
STRATEGIES.add("naswot-rank", NaswotRank, summary="Mellor et al. 2021: N random cells ranked by NASWOT alone")


def get_strategy(name: str, **kwargs):
    import inspect

    cls = STRATEGIES.get(name)
    accepted = [p for p in inspect.signature(cls).parameters]
    unknown = [k for k in kwargs if k not in accepted]
    if unknown:
        raise ZeronasError(f"strategy {name} has no setting {unknown[0]!r}; it takes: {', '.join(accepted) or 'none'}")
    return cls(**kwargs)
