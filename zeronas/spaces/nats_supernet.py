"""A NATS-Bench (NAS-Bench-201) supernet: every edge of the cell holds a SET of candidate ops, of which a subset is
active; an edge outputs the mean of its active ops (each weighted 1/k, as the softmax of equal architecture
weights gives in TE-NAS's DARTS-style supernet). With one active op per edge it is the ordinary cell network
(zeronas.spaces.nats_tss_net.TinyNetwork), module for module; with all ops active it is the supernet.

Every candidate op keeps its module (and weights) whether active or not, so removing an op from an edge is a
change of `active`, not of the weights: "the supernet" and "the supernet minus op o on edge e" share one draw.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from zeronas.spaces.nats_tss import EDGES, OPS
from zeronas.spaces.nats_tss_net import ResidualReduction, make_op

Active = tuple[tuple[str, ...], ...]  # active op names per edge, in EDGES order


class MixedCell(nn.Module):
    """Four nodes; node i sums, over edges j -> i, the mean of the active ops applied to node j."""

    def __init__(self, candidates: Sequence[Sequence[str]], channels: int, owner: SuperNetwork):
        super().__init__()
        self.ops = nn.ModuleList(nn.ModuleDict({op: make_op(op, channels) for op in ops}) for ops in candidates)
        self._owner = [owner]  # a list, so the network is not registered as a submodule of its own cell

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        active = self._owner[0].active
        nodes = [x]
        for target in range(1, 1 + max(t for t, _ in EDGES)):
            terms = []
            for e, (t, s) in enumerate(EDGES):
                if t != target:
                    continue
                ops = active[e]
                if len(ops) == 1:
                    terms.append(self.ops[e][ops[0]](nodes[s]))
                else:
                    w = 1.0 / len(ops)
                    terms.append(sum(self.ops[e][op](nodes[s]) * w for op in ops))
            nodes.append(sum(terms[1:], terms[0]))
        return nodes[-1]


class SuperNetwork(nn.Module):
    """NATS's macro network around mixed cells: optional stem, `stages` stages of `cells_per_stage` cells joined
    by stride-2 residual blocks (channels doubling), then BN-ReLU, global pooling and a linear classifier.

    candidates: the op names each edge holds a module for (default: all of OPS on every edge).
    stem=False feeds the input straight into the first cell (it must then have `channels` channels)."""

    def __init__(
        self,
        num_classes: int,
        candidates: Sequence[Sequence[str]] | None = None,
        channels: int = 3,
        cells_per_stage: int = 1,
        stages: int = 3,
        stem: bool = True,
    ):
        super().__init__()
        candidates = tuple(tuple(ops) for ops in (candidates or [OPS] * len(EDGES)))
        if len(candidates) != len(EDGES) or any(not ops or set(ops) - set(OPS) for ops in candidates):
            raise ValueError(f"need {len(EDGES)} non-empty sets of ops from {OPS}, got {candidates}")
        self.candidates = candidates
        self.active: Active = candidates
        self.stem = (
            nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
            if stem
            else nn.Identity()
        )
        layers: list[nn.Module] = []
        c = channels
        for stage in range(stages):
            if stage > 0:
                layers.append(ResidualReduction(c, c * 2))
                c *= 2
            layers.extend(MixedCell(candidates, c, self) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=False))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def set_active(self, active: Sequence[Sequence[str]]) -> SuperNetwork:
        """Which candidate ops each edge uses from now on (at least one per edge, each one it holds)."""
        active = tuple(tuple(ops) for ops in active)
        if len(active) != len(EDGES) or any(not ops or set(ops) - set(c) for ops, c in zip(active, self.candidates)):
            raise ValueError(f"active ops {active} are not non-empty subsets of the candidates {self.candidates}")
        self.active = active
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lastact(self.cells(self.stem(x)))
        return self.classifier(self.global_pooling(x).flatten(1))
