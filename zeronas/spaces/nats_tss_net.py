"""The NATS-Bench topology-space network (C=16, N=5), layer for layer as the benchmark trains it."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from zeronas.spaces.nats_tss import CELLS_PER_STAGE, STEM_CHANNELS


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )


class Zero(nn.Module):
    """The `none` op: outputs zeros (kept in the graph so gradients stay defined)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(op: str, channels: int) -> nn.Module:
    if op == "none":
        return Zero()
    if op == "skip_connect":
        return nn.Identity()
    if op == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1)
    if op == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3)
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown op {op!r}")


class Cell(nn.Module):
    """Four nodes; node i sums op(node j) over edges j -> i. edges: ((target, source, op), ...)."""

    def __init__(self, edges: Sequence[tuple[int, int, str]], channels: int):
        super().__init__()
        self.edges = [(t, s) for t, s, _ in edges]
        self.ops = nn.ModuleList(make_op(op, channels) for _, _, op in edges)
        self.num_nodes = 1 + max(t for t, _ in self.edges)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in range(1, self.num_nodes):
            terms = [op(nodes[s]) for (t, s), op in zip(self.edges, self.ops) if t == target]
            nodes.append(sum(terms[1:], terms[0]))
        return nodes[-1]


class ResidualReduction(nn.Module):
    """Stride-2 basic block between stages: two ReLU-Conv-BN plus an avg-pool/1x1-conv shortcut."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, 1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class TinyNetwork(nn.Module):
    def __init__(
        self,
        edges: Sequence[tuple[int, int, str]],
        num_classes: int,
        channels: int = STEM_CHANNELS,
        cells_per_stage: int = CELLS_PER_STAGE,
    ):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        layers: list[nn.Module] = []
        c = channels
        for stage in range(3):
            if stage > 0:
                layers.append(ResidualReduction(c, c * 2))
                c *= 2
            layers.extend(Cell(edges, c) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=False))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lastact(self.cells(self.stem(x)))
        return self.classifier(self.global_pooling(x).flatten(1))
