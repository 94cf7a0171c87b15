"""TE-NAS (Chen, Gong & Wang, ICLR 2021, "Neural Architecture Search on ImageNet in Four GPU Hours: A
Theoretically Inspired Perspective") on NATS-Bench: prune the all-ops supernet, one op per edge per round,
by the NTK condition number and the number of linear regions. Training-free and sampling-free.

The rule, as the authors' code runs it on NAS-Bench-201 (VITA-Group/TENAS: prune_tenas.py with the settings
of prune_launch.py; lib/procedures/ntk.py; lib/procedures/linear_region_counter.py;
lib/models/cell_searchs/search_model_darts.py and search_cells.py):

* Supernet: every edge of the cell holds all candidate ops, each weighted by the softmax of equal
  architecture weights, i.e. an edge outputs the MEAN of its remaining ops. `none` is masked out before the
  first round, so pruning starts from 4 ops per edge (skip, conv 1x1, conv 3x3, avg pool) and takes 3 rounds.
* Each round, for every remaining op o on every edge e that still has more than one op, two measures of the
  supernet S and of S minus o on e (same weights, same inputs), each averaged over `repeat` = 3 draws:
  - NTK: κ = λ_max/λ_min of the empirical NTK (per-sample gradient of the summed logits w.r.t. the
    weights, BN in train mode) of a narrow full-depth network (C=3, one cell per stage, stem on), on one
    batch of 72 training images; change Δκ = round((κ_S − κ_{S−o}) / κ_S, 3).
  - Linear regions: distinct ReLU on/off patterns of a thin twin (C=1, no stem, only the first cell, then
    BN-ReLU, pooling, classifier; BN in train mode) over 3 batches of 1000 random 3×3 crops of one random
    channel of training images; change ΔR = round((R_S − R_{S−o}) / R_S, 3).
* Ranking: all (e, o) together, Δκ sorted DESCENDING (pruning o lowers κ most: rank 0), ΔR sorted
  ASCENDING (pruning o loses fewest regions: rank 0); sorting is stable on values rounded to 3 significant
  figures, ranks are dense (equal neighbouring values share a rank, the next distinct value gets +1). The
  two ranks are summed and, per edge, the op with the smallest sum is pruned; equal sums go to the op that
  comes first in the Δκ order. Repeat until every edge has one op.

Deviations here:
* Initialisation: the reference asks for Kaiming-normal (fan_out for the NTK network, fan_in for the thin
  one) re-drawn at every repeat, but its init names ('kaiming_normal_fanout') never match init_model's
  ('kaiming_norm_fanout'), so it actually runs on PyTorch's default init, never re-drawn within a round.
  Here each repeat draws new weights with zeronas's init_weights (Kaiming-normal fan_out; on the C=1 twin
  fan_in = fan_out for every layer before the last ReLU), as the reference intends.
* Common draws: within a repeat, the supernet and all its "minus one op" variants share one weight draw and
  one batch, so the supernet's κ and R are computed once per repeat (the reference recomputes them for each
  candidate, on a new batch each time). Images are the search's sample images, without augmentation.
* NTK rows are gradients w.r.t. conv and linear weights (zeronas's ntk proxy), not also BN scales.
* A non-finite κ (singular kernel) or region change ranks last (the reference would fail).
* Supernet/thin-twin structure, batch sizes (72, 3×1000 crops of 3×3), repeats (3) and the rule are the
  reference's; all are settings.

The search budget (--budget, --time-budget) does not apply: TE-NAS samples no cells. It scores a fixed number
of supernets, 3 rounds × `repeats` × (1 + remaining (edge, op) pairs: 24, 18, 12) = 171 NTKs and as many
region counts at the defaults, and only the final cell goes through the search's scorer (one evaluation), so
the result reports it like any strategy's. `trace` and `summary()` say what each round did.
"""

from __future__ import annotations

import logging
import math
import random
import time

import numpy as np

from zeronas.errors import ZeronasError
from zeronas.spaces.nats_tss import EDGES, OPS
from zeronas.strategies.problem import Evaluation, SearchProblem

log = logging.getLogger(__name__)

Candidate = tuple[int, str]  # (edge index, op name)


def significant(x: float, digits: int) -> float:
    """x rounded to `digits` significant figures (the sort key of the reference's rankings)."""
    if x == 0 or not math.isfinite(x):
        return x
    power = math.floor(math.log10(abs(x) + 1e-8)) + 1
    return math.copysign(round((abs(x) + 1e-8) * 10.0**-power, digits) * 10.0**power, x)


def dense_ranks(changes: dict[Candidate, float], descending: bool, digits: int) -> dict[Candidate, int]:
    """Rank 0 for the best change; equal neighbouring values share a rank, the next distinct one is +1.
    Non-finite changes come last."""
    worst = -math.inf if descending else math.inf
    key = {c: (significant(v, digits) if math.isfinite(v) else worst) for c, v in changes.items()}
    order = sorted(changes, key=key.__getitem__, reverse=descending)  # stable, also reversed
    ranks: dict[Candidate, int] = {}
    for i, c in enumerate(order):
        ranks[c] = 0 if i == 0 else ranks[order[i - 1]] + (changes[c] != changes[order[i - 1]])
    return ranks


def prune_choices(ntk_change: dict[Candidate, float], region_change: dict[Candidate, float], digits: int = 3):
    """Per edge, the op to prune: the smallest sum of its Δκ rank (descending) and ΔR rank (ascending),
    ties to the earlier in the Δκ order. Returns {edge: op} in that order."""
    ntk_rank = dense_ranks(ntk_change, descending=True, digits=digits)
    region_rank = dense_ranks(region_change, descending=False, digits=digits)
    order = sorted(ntk_rank, key=lambda c: ntk_rank[c] + region_rank[c])  # ntk_rank keeps the Δκ order
    chosen: dict[int, str] = {}
    for edge, op in order:
        chosen.setdefault(edge, op)
    return chosen


def _without(active: list[tuple[str, ...]], edge: int, op: str) -> list[tuple[str, ...]]:
    return [tuple(o for o in ops if o != op) if e == edge else ops for e, ops in enumerate(active)]


def _change(base: float, other: float, digits: int) -> float:
    """round((base − other) / base, digits); NaN when either is not a finite positive measure."""
    if not (math.isfinite(base) and math.isfinite(other)) or base <= 0:
        return math.nan
    return round((base - other) / base, digits)


class TENAS:
    name = "te-nas"
    fitness = None  # it ranks supernets, not cells; the final cell is scored with the search's proxies

    def __init__(
        self,
        repeats: int = 3,
        batch: int = 72,
        region_batch: int = 1000,
        region_batches: int = 3,
        crop: int = 3,
        precision: int = 3,
        with_none: bool = False,
        dataset: str | None = None,
    ):
        for label, value, least in (
            ("repeats", repeats, 1),
            ("batch", batch, 2),
            ("region_batch", region_batch, 2),
            ("region_batches", region_batches, 1),
            ("crop", crop, 1),
            ("precision", precision, 0),
        ):
            if int(value) < least:
                raise ZeronasError(f"te-nas setting {label} must be at least {least}, got {value}")
        self.repeats, self.batch, self.precision = int(repeats), int(batch), int(precision)
        self.region_batch, self.region_batches, self.crop = int(region_batch), int(region_batches), int(crop)
        self.with_none, self.dataset = bool(with_none), dataset
        self.trace: list[dict] = []

    # -- inputs -------------------------------------------------------------------------------------------------
    def _check(self, problem: SearchProblem) -> None:
        space = problem.space
        nats = tuple(getattr(space, "ops", ())) == OPS and tuple(getattr(space, "edges", ())) == EDGES
        if not (space.capabilities.thin_twin and nats):
            raise ZeronasError(
                f"te-nas prunes the NATS-Bench (NAS-Bench-201) supernet, which {space.name} has none of; "
                "use --space nats-tss"
            )
        if problem.constraints:
            raise ZeronasError("te-nas prunes a supernet and takes no limits; drop --max-flops/--max-params/...")

    def _images(self, problem: SearchProblem):
        """(images N×3×H×W on the CPU, number of classes, torch device): the scorer's sample, else the dataset's."""
        import torch

        from zeronas.data.datasets import DatasetInfo, get_dataset, load_sample

        scorer = problem.scorer
        images, info = getattr(scorer, "images", None), getattr(scorer, "dataset", None)
        if images is None or not isinstance(info, DatasetInfo):  # a score table or training results: no images
            if self.dataset is None:
                raise ZeronasError(
                    "te-nas needs images, and this score source has none: search live, "
                    "or give --strategy-option dataset=cifar10 (or cifar100, imagenet16-120)"
                )
            info = get_dataset(self.dataset)
            images, _ = load_sample(info)
        device = getattr(scorer, "device", None) or torch.device("cpu")
        if len(images) < self.batch:
            raise ZeronasError(f"te-nas needs {self.batch} images for its NTK batch, the sample has {len(images)}")
        return images.cpu(), info.num_classes, device

    # -- one round ----------------------------------------------------------------------------------------------
    def _round(self, active, images, num_classes, device, rng: random.Random) -> dict[int, str]:
        import torch

        from zeronas.proxies.base import init_weights
        from zeronas.proxies.nregions import count_patterns, random_crops, relu_codes
        from zeronas.proxies.ntk import condition_number
        from zeronas.spaces.nats_supernet import SuperNetwork

        def kappa(net, variant, batch) -> float:
            k = condition_number(net.set_active(variant), batch)
            return k if math.isfinite(k) and k > 0 else math.nan

        def regions(net, variant, crops) -> float:
            net.set_active(variant)
            return float(count_patterns(np.concatenate([relu_codes(net, x) for x in crops], axis=0)))

        candidates = [(e, op) for e, ops in enumerate(active) if len(ops) > 1 for op in ops]
        ntk_runs: dict[Candidate, list[float]] = {c: [] for c in candidates}
        region_runs: dict[Candidate, list[float]] = {c: [] for c in candidates}
        for _ in range(self.repeats):
            gen = torch.Generator().manual_seed(rng.getrandbits(63))
            full = init_weights(SuperNetwork(num_classes, active), gen).to(device).train()
            batch = images[torch.randperm(len(images), generator=gen)[: self.batch]].to(device)
            base = kappa(full, active, batch)
            for c in candidates:
                ntk_runs[c].append(_change(base, kappa(full, _without(active, *c), batch), self.precision))
            thin = SuperNetwork(num_classes, active, channels=1, cells_per_stage=1, stages=1, stem=False)
            thin = init_weights(thin, gen).train()
            crops = [
                random_crops(images, self.region_batch, self.crop, gen, channels=1) for _ in range(self.region_batches)
            ]
            base = regions(thin, active, crops)
            for c in candidates:
                region_runs[c].append(_change(base, regions(thin, _without(active, *c), crops), self.precision))
        ntk_change = {c: float(np.mean(v)) for c, v in ntk_runs.items()}
        region_change = {c: float(np.mean(v)) for c, v in region_runs.items()}
        self._scored += self.repeats * (1 + len(candidates))
        return prune_choices(ntk_change, region_change, self.precision)

    # -- search -------------------------------------------------------------------------------------------------
    def run(self, problem: SearchProblem, rng: random.Random) -> Evaluation:
        self._check(problem)
        from zeronas.hardware.device import intra_op_threads

        images, num_classes, device = self._images(problem)
        active = [OPS if self.with_none else OPS[1:] for _ in EDGES]
        self.trace, self._scored = [], 0
        t0 = time.perf_counter()
        with intra_op_threads(getattr(problem.scorer, "threads", 1)):  # one thread: repeatable sums
            while any(len(ops) > 1 for ops in active):
                start, scored = time.perf_counter(), self._scored
                pruned = self._round(active, images, num_classes, device, rng)
                active = [tuple(o for o in ops if o != pruned.get(e)) for e, ops in enumerate(active)]
                self.trace.append(
                    {
                        "round": len(self.trace) + 1,
                        "pruned": {f"{t}<-{s}": pruned[e] for e, (t, s) in enumerate(EDGES) if e in pruned},
                        "supernets": self._scored - scored,
                        "seconds": time.perf_counter() - start,
                    }
                )
                log.info("te-nas round %d: %s", len(self.trace), self.trace[-1])
        self.seconds = time.perf_counter() - t0
        arch = tuple(ops[0] for ops in active)
        problem.evaluate([arch])
        return problem.best()

    def summary(self) -> str:
        """One line: what the last run pruned and scored."""
        per_round = ", ".join(f"{r['seconds']:.0f}" for r in self.trace)
        return (
            f"te-nas: {len(self.trace)} rounds, {sum(r['supernets'] for r in self.trace)} supernet variants scored "
            f"(NTK on C=3, linear regions on the C=1 twin; {self.repeats} repeats), "
            f"{self.seconds:.0f} s (per round: {per_round} s)"
        )
