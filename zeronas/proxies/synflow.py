"""Synflow (Tanaka et al., NeurIPS 2020) and LogSynflow (FreeREA, Cavagnero et al., 2023).

Both use |θ| weights, BatchNorm bypassed, an all-ones input of batch 1 in float64, R = sum(output),
and sum over conv/linear weights of |θ ⊙ g(∂R/∂θ)|: g = identity (Synflow) or log(|·| + 1) (LogSynflow).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from zeronas.proxies.base import ProxyInput


def _bypass_batchnorm(model: nn.Module) -> None:
    for name, child in model.named_children():
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            setattr(model, name, nn.Identity())
        else:
            _bypass_batchnorm(child)


def synflow_saliency(inp: ProxyInput, log: bool) -> float:
    net = copy.deepcopy(inp.model)
    _bypass_batchnorm(net)
    net = net.double().train()
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    res = inp.images.shape[-1]
    net.zero_grad(set_to_none=True)
    net(torch.ones(1, 3, res, res, dtype=torch.float64)).sum().backward()
    total = torch.zeros((), dtype=torch.float64)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.grad is not None:
            g = m.weight.grad.abs()
            g = torch.log1p(g) if log else g
            total += (m.weight.detach() * g).abs().sum()
    return float(total)


def logsynflow(inp: ProxyInput) -> float:
    return synflow_saliency(inp, log=True)


def synflow(inp: ProxyInput) -> float:
    return synflow_saliency(inp, log=False)
