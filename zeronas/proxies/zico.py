"""ZiCo (Li et al., ICLR 2023): Σ over conv/linear layers of log Σ_θ mean_b|g_b(θ)| / std_b(g_b(θ)).

g_b is the cross-entropy gradient on mini-batch b: the real batch is split in two (as ZiCo's own code
does), so the per-weight mean and (population) std are over 2 mini-batches; weights with std 0 are left out.
"""

from __future__ import annotations

import math

import torch

from zeronas.errors import ZeronasError
from zeronas.proxies.base import ProxyInput
from zeronas.proxies.grads import loss_and_grads, preserved

SPLITS = 2


def zico_from_batches(model, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """ZiCo of a network over explicit mini-batches (at least 2)."""
    if len(batches) < 2:
        raise ZeronasError(f"zico needs at least 2 mini-batches to measure gradient variation, got {len(batches)}")
    with preserved(model):
        per_batch = [loss_and_grads(model, x, y)[1] for x, y in batches]
    total = 0.0
    for layer in zip(*per_batch):
        g = torch.stack(layer).double()
        std = g.std(dim=0, correction=0)
        keep = std != 0
        ratio = float((g.abs().mean(dim=0)[keep] / std[keep]).sum())
        if ratio > 0:
            total += math.log(ratio)
    return total


def zico(inp: ProxyInput) -> float:
    n = len(inp.images)
    if n < SPLITS:
        raise ZeronasError(f"zico needs a batch it can split into {SPLITS} mini-batches, got {n} image(s)")
    cuts = [n * i // SPLITS for i in range(SPLITS + 1)]
    batches = [(inp.images[a:b], inp.labels[a:b]) for a, b in zip(cuts, cuts[1:])]
    return zico_from_batches(inp.model, batches)
