"""What a search optimises: the combined score (maximised) and costs (minimised), as named objectives.

A strategy sees them through `SearchProblem.objective_matrix` (every column minimised), and the result's
Pareto front is taken over the same objectives, so a multi-objective search and its report agree (TF-MOENAS
breeds on its proxies as separate objectives; its report combines them into the score).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zeronas.errors import ZeronasError

OBJECTIVES = ("score", "params", "flops", "latency")
OBJECTIVE_HELP = (
    "score (maximised), params, flops, latency (minimised; latency is measured on this machine "
    "unless --latency names a HW-NAS-Bench device)"
)


@dataclass(frozen=True)
class Objective:
    name: str
    maximise: bool
    value: Callable  # arch -> float (costs); for 'score', the combined score is supplied by the problem


def build_objectives(names, costs, latency=None) -> list[Objective]:
    """Objectives by name; `latency` is the search's LatencySource (needed only for 'latency')."""
    out = []
    for name in names:
        if name == "score":
            out.append(Objective("score", True, lambda arch: float("nan")))
        elif name == "params":
            out.append(Objective("params", False, costs.params))
        elif name == "flops":
            out.append(Objective("flops", False, costs.flops))
        elif name == "latency":
            if latency is None:
                raise ZeronasError("the latency objective needs a latency source: pass --latency")
            out.append(Objective("latency", False, latency.measure))
        else:
            raise ZeronasError(f"unknown objective {name!r}; choose from: {OBJECTIVE_HELP}")
    if len({o.name for o in out}) != len(out):
        raise ZeronasError(f"an objective is named twice in {', '.join(names)}")
    return out
