"""The NAS-Bench-101 network, layer for layer as the benchmark trained it, and its exact costs.

Stem: 3×3 conv-BN-ReLU to 128 channels. Three stacks of three cells, a 2×2 max-pool before stacks 2
and 3, which also double the cell width. Inside a cell (vertices in topological order, 0 = input,
V-1 = output) each op vertex sums its inputs: edges from the cell input go through a 1×1
conv-BN-ReLU projection, edges from other vertices are sliced to the vertex's width. The output
concatenates the vertices that feed it and adds a projection of the input if input feeds it too.
Widths follow the benchmark's rule: the cell width is split evenly over the vertices feeding the
output (the first `width % k` of them get one extra channel) and every other vertex takes the widest of
its successors. Global average pool, then one linear layer.

`vertex_channels` and `cell_costs` work on many cells at once (NumPy) so the whole benchmark table can
be priced in seconds; the model builder uses the same channel rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

STEM_CHANNELS = 128
NUM_STACKS = 3
CELLS_PER_STACK = 3
RESOLUTION = 32
CONV3X3, CONV1X1, MAXPOOL3X3 = 0, 1, 2
KERNEL_AREA = np.array([9, 1, 0])  # weights per in×out channel pair of each op (max-pool has none)
BN_MOMENTUM, BN_EPSILON = 1 - 0.997, 1e-5  # the benchmark's TensorFlow BN (decay 0.997)


def vertex_channels(adjacency: np.ndarray, width: int) -> np.ndarray:
    """Output channels of each interior vertex (n×V; input/output columns are 0) for n cells of V vertices."""
    adj = np.asarray(adjacency, dtype=bool)
    n, v_count = adj.shape[:2]
    channels = np.zeros((n, v_count), dtype=np.int64)
    if v_count <= 2:
        return channels
    feeds = adj[:, 1:-1, -1]  # interior vertices wired to the output
    k = np.maximum(feeds.sum(axis=1, keepdims=True), 1)
    rank = np.cumsum(feeds, axis=1) - 1
    channels[:, 1:-1] = np.where(feeds, width // k + (rank < width % k), 0)
    for v in range(v_count - 3, 0, -1):  # the others: widest successor, filled from the back
        widest = np.where(adj[:, v, v + 1 : -1], channels[:, v + 1 : -1], 0).max(axis=1)
        channels[:, v] = np.where(feeds[:, v - 1], channels[:, v], widest)
    return channels


def _stages() -> list[tuple[int, int, int]]:
    """(input channels, cell width, spatial size) of every cell of the network, in order."""
    stages, c_in, width, size = [], STEM_CHANNELS, STEM_CHANNELS, RESOLUTION
    for stack in range(NUM_STACKS):
        if stack > 0:
            width, size = width * 2, size // 2
        for _ in range(CELLS_PER_STACK):
            stages.append((c_in, width, size))
            c_in = width
    return stages


def network_costs(adjacency: np.ndarray, labels: np.ndarray, num_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Trainable parameters and multiply-adds (one 32×32 image) of the network of each of n cells of V vertices.

    Convolutions have no bias; every conv is followed by a BN with a weight and a bias per channel. The
    multiply-adds are those of the convolutions and the classifier (what torch.utils.flop_counter counts,
    halved): pooling, additions and BN are free.
    """
    adj = np.asarray(adjacency, dtype=bool)
    ops = np.asarray(labels, dtype=np.int64)[:, 1:-1]
    n = adj.shape[0]
    widest = _stages()[-1][1]
    params = np.full(n, 3 * 9 * STEM_CHANNELS + 2 * STEM_CHANNELS + widest * num_classes + num_classes, dtype=np.int64)
    macs = np.full(n, 3 * 9 * STEM_CHANNELS * RESOLUTION**2 + widest * num_classes, dtype=np.int64)
    if ops.shape[1]:
        area = KERNEL_AREA[np.clip(ops, 0, 2)]
    for c_in, width, size in _stages():
        ch = vertex_channels(adj, width)[:, 1:-1]
        projected = adj[:, 0, 1:-1]
        weights = np.zeros(n, dtype=np.int64)
        bn = np.zeros(n, dtype=np.int64)
        if ops.shape[1]:
            weights += (area * ch * ch).sum(axis=1) + (projected * c_in * ch).sum(axis=1)
            bn += 2 * ((area > 0) * ch).sum(axis=1) + 2 * (projected * ch).sum(axis=1)
        to_output = adj[:, 0, -1]
        weights += to_output * c_in * width
        bn += to_output * 2 * width
        params += weights + bn
        macs += weights * size * size
    return params, macs


class ConvBnRelu(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int):
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, eps=BN_EPSILON, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=False),
        )


def make_op(label: int, channels: int) -> nn.Module:
    if label == CONV3X3:
        return ConvBnRelu(channels, channels, 3)
    if label == CONV1X1:
        return ConvBnRelu(channels, channels, 1)
    if label == MAXPOOL3X3:
        return nn.MaxPool2d(3, stride=1, padding=1)  # pads with -inf, like TensorFlow's 'same'
    raise ValueError(f"unknown NAS-Bench-101 op label {label!r}")


class Cell(nn.Module):
    def __init__(self, matrix: Sequence[Sequence[int]], labels: Sequence[int], c_in: int, width: int):
        super().__init__()
        self.matrix = [list(map(int, row)) for row in matrix]
        v_count = len(self.matrix)
        self.channels = vertex_channels(np.array([self.matrix]), width)[0].tolist()
        self.projections = nn.ModuleDict(
            {str(t): ConvBnRelu(c_in, self.channels[t], 1) for t in range(1, v_count - 1) if self.matrix[0][t]}
        )
        self.ops = nn.ModuleList(
            [nn.Identity()] + [make_op(labels[t], self.channels[t]) for t in range(1, v_count - 1)]
        )
        self.output_projection = ConvBnRelu(c_in, width, 1) if self.matrix[0][-1] else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m, v_count = self.matrix, len(self.matrix)
        values = [x]
        for t in range(1, v_count - 1):
            terms = [values[s][:, : self.channels[t]] for s in range(1, t) if m[s][t]]
            if m[0][t]:
                terms.append(self.projections[str(t)](x))
            values.append(self.ops[t](sum(terms[1:], terms[0])))
        feeding = [values[t] for t in range(1, v_count - 1) if m[t][-1]]
        out = torch.cat(feeding, dim=1) if len(feeding) > 1 else feeding[0] if feeding else None
        if self.output_projection is not None:
            projected = self.output_projection(x)
            out = projected if out is None else out + projected
        return out


class NasBench101Network(nn.Module):
    def __init__(self, matrix: Sequence[Sequence[int]], labels: Sequence[int], num_classes: int = 10):
        super().__init__()
        self.stem = ConvBnRelu(3, STEM_CHANNELS, 3)
        layers: list[nn.Module] = []
        for i, (c_in, width, _) in enumerate(_stages()):
            if i and i % CELLS_PER_STACK == 0:
                layers.append(nn.MaxPool2d(2, stride=2))
            layers.append(Cell(matrix, labels, c_in, width))
        self.cells = nn.Sequential(*layers)
        self.classifier = nn.Linear(_stages()[-1][1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.cells(self.stem(x))
        return self.classifier(x.mean(dim=(2, 3)))
