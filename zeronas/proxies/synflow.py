"""Synflow (Tanaka et al., NeurIPS 2020) and LogSynflow (FreeREA, Cavagnero et al., 2023).

Both use |θ| weights, BatchNorm bypassed, an all-ones input of batch 1 in float64, R = sum(output),
and sum over conv/linear weights of |θ ⊙ g(∂R/∂θ)|: g = identity (Synflow) or log(|·| + 1) (LogSynflow).
"""

from __future__ import annotations

import copy
import weakref

import torch
from torch import nn

from zeronas.proxies.base import ProxyInput

# network -> (its float64 BatchNorm-free twin, [(network param, twin param)]). The scorer re-initialises one
# network in place for every seed, so the twin is built once per architecture instead of a deepcopy per call.
_twins: weakref.WeakKeyDictionary[nn.Module, tuple[nn.Module, list]] = weakref.WeakKeyDictionary()


def _bypass_batchnorm(model: nn.Module) -> None:
    for name, child in model.named_children():
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            setattr(model, name, nn.Identity())
        else:
            _bypass_batchnorm(child)


def linearised_twin(model: nn.Module) -> nn.Module:
    """The float64, BN-free copy of model holding |θ| of model's current weights."""
    hit = _twins.get(model)
    if hit is None:
        twin = copy.deepcopy(model)
        _bypass_batchnorm(twin)
        twin = twin.double().train()
        source = dict(model.named_parameters())
        hit = (twin, [(source[name], p) for name, p in twin.named_parameters()])
        _twins[model] = hit
    twin, pairs = hit
    with torch.no_grad():
        for src, dst in pairs:
            dst.copy_(src.abs())  # |x| is exact in float32, so abs-then-widen equals widen-then-abs
    return twin


def synflow_saliency(inp: ProxyInput, log: bool) -> float:
    net = linearised_twin(inp.model)
    res = inp.images.shape[-1]
    net.zero_grad(set_to_none=True)
    device = inp.images.device
    net(torch.ones(1, 3, res, res, dtype=torch.float64, device=device)).sum().backward()
    total = torch.zeros((), dtype=torch.float64, device=device)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.grad is not None:
                g = m.weight.grad.abs()
                g = torch.log1p(g) if log else g
                total += (m.weight * g).abs().sum()
    net.zero_grad(set_to_none=True)  # do not keep gradients alive between calls
    return float(total)


def logsynflow(inp: ProxyInput) -> float:
    return synflow_saliency(inp, log=True)


def synflow(inp: ProxyInput) -> float:
    return synflow_saliency(inp, log=False)
