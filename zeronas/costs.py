"""Model costs: trainable parameters and FLOPs.

`flops` follows NATS-Bench and FreeREA: multiply-accumulates of conv/linear layers, called FLOPs.
It is torch.utils.flop_counter's count (which counts 2 per multiply-add) divided by 2.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def count_flops(model: nn.Module, resolution: int) -> int:
    """Multiply-adds of one forward pass on a single 3×resolution×resolution image."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, 3, resolution, resolution))
    finally:
        model.train(was_training)
    return counter.get_total_flops() // 2
