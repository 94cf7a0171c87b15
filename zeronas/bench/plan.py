"""What `zeronas bench` runs: the methods of FreeREA's Table 3 and the constrained settings of Table 5."""

from __future__ import annotations

from dataclasses import dataclass, field

from zeronas.recipes import FREEREA_PROXIES
from zeronas.scoring.tabular import TRAIN_PROXY


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


# NATS-Bench's published time caps for its training-based searches (seconds of simulated training)
TRAINING_TIME_CAPS = {"cifar10": 2e4, "cifar100": 4e4, "imagenet16-120": 1.2e5}
# FreeREA Table 5: (max FLOPs as multiply-adds, max params)
CONSTRAINTS = ((1e8, 8e5), (7e7, 5e5), (4e7, 3e5))


@dataclass(frozen=True)
class Job:
    section: str  # 'table3' | 'table5'
    dataset: str
    method: Method
    seed: int
    limits: tuple[float, float] | None = None  # (flops, params)

    @property
    def key(self) -> str:
        lim = "" if self.limits is None else f"|{self.limits[0]:g},{self.limits[1]:g}"
        return f"{self.section}|{self.dataset}|{self.method.label}|{self.seed}{lim}"


def score_label(fitness: tuple[str, ...], combine: str = "freerea") -> str:
    """A row label's suffix naming the score, when it is not FreeREA's own."""
    if fitness == tuple(FREEREA_PROXIES) and combine == "freerea":
        return ""
    return f" [{'' if combine == 'freerea' else combine + ': '}{'+'.join(fitness)}]"


def table3_methods(
    dataset: str,
    budget: int,
    naswot_samples: int = 1000,
    fitness: tuple[str, ...] = tuple(FREEREA_PROXIES),
    combine: str = "freerea",
) -> list[Method]:
    free, tag = tuple(fitness), score_label(tuple(fitness), combine)
    return [
        Method("FreeREA" + tag, "freerea", "proxies", free, budget, combine=combine),
        Method("FreeREA⁻ (rea)" + tag, "rea", "proxies", free, budget, combine=combine),
        Method(
            f"NASWOT (N={naswot_samples})",
            "naswot-rank",
            "proxies",
            ("naswot",),
            naswot_samples,
            options={"samples": naswot_samples},
        ),
        Method("Random" + tag, "random", "proxies", free, budget, combine=combine),
        Method(f"REA, 12-epoch training ({budget} archs)", "rea", "training", (TRAIN_PROXY,), budget),
        Method(
            "REA, 12-epoch training (NATS-Bench time cap)",
            "rea",
            "training",
            (TRAIN_PROXY,),
            None,
            TRAINING_TIME_CAPS[dataset],
        ),
        Method(f"REINFORCE, 12-epoch training ({budget} archs)", "reinforce", "training", (TRAIN_PROXY,), budget),
        Method(
            "REINFORCE, 12-epoch training (NATS-Bench time cap)",
            "reinforce",
            "training",
            (TRAIN_PROXY,),
            None,
            TRAINING_TIME_CAPS[dataset],
        ),
    ]


def plan(
    datasets: list[str],
    runs: int,
    budget: int,
    seed: int = 0,
    table3: bool = True,
    table5: bool = True,
    constraints=CONSTRAINTS,
    naswot_samples: int = 1000,
    fitness: tuple[str, ...] = tuple(FREEREA_PROXIES),
    combine: str = "freerea",
) -> list[Job]:
    """fitness: the proxies FreeREA, FreeREA⁻ and random search combine (default FreeREA's own three), by the
    rule `combine`."""
    jobs = []
    for dataset in datasets:
        if table3:
            for method in table3_methods(dataset, budget, naswot_samples, fitness, combine):
                jobs += [Job("table3", dataset, method, seed + r) for r in range(runs)]
        if table5:
            tag = score_label(tuple(fitness), combine)
            method = Method("FreeREA" + tag, "freerea", "proxies", tuple(fitness), budget, combine=combine)
            for limits in constraints:
                jobs += [Job("table5", dataset, method, seed + r, tuple(limits)) for r in range(runs)]
    return jobs
