"""Architecture-only proxies: skip-layer score (FreeREA), #params and #FLOPs (the survey's baselines)."""

from __future__ import annotations

from zeronas.costs import count_flops, count_params
from zeronas.errors import ZeronasError
from zeronas.proxies.base import ProxyInput


def skip(inp: ProxyInput) -> float:
    if not inp.space.capabilities.skip_score:
        raise ZeronasError(f"the skip proxy is not defined for search space {inp.space.name}")
    return float(inp.space.skip_score(inp.arch))


def params(inp: ProxyInput) -> float:
    """Millions of trainable parameters."""
    return count_params(inp.space.build_model(inp.arch, inp.dataset.num_classes)) / 1e6


def flops(inp: ProxyInput) -> float:
    """Millions of multiply-adds (NATS-Bench's 'FLOPs') for one input image."""
    model = inp.space.build_model(inp.arch, inp.dataset.num_classes)
    return count_flops(model, inp.dataset.resolution) / 1e6


def layers(inp: ProxyInput) -> float:
    """Number of trainable conv/linear layers: the trivial baseline several papers find rivals many proxies."""
    from torch import nn

    model = inp.space.build_model(inp.arch, inp.dataset.num_classes)
    return float(sum(isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.requires_grad for m in model.modules()))
