"""Zen-score (Lin et al., ICCV 2021): log E‖f(x) - f(x + γε)‖₁ + Σ_BN log √mean(σ²_BN), on Gaussian input.

f is the feature map before global pooling; a copy of the network gets Zen's N(0,1) weights and BN in
train mode; x, ε ~ N(0,1), γ = 0.01, batch 64. σ²_BN is each BatchNorm's per-channel batch variance on x
(the BN variance correction); a BN fed by an all-zero branch (a `none` edge upstream) is left out.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from zeronas.proxies.base import Degenerate, ProxyInput
from zeronas.proxies.grads import fingerprint_generator, weight_layers

GAMMA = 1e-2
BATCH = 64


def _pre_gap(model: nn.Module) -> nn.Module:
    """The module whose output feeds global pooling (the last non-pooling feature map)."""
    pool = next((m for m in model.modules() if isinstance(m, nn.AdaptiveAvgPool2d)), None)
    if pool is None:
        raise ValueError("zen needs a network with global average pooling")
    last = None
    for m in model.modules():
        if m is pool:
            return last
        if not list(m.children()):
            last = m
    raise ValueError("no feature map before global pooling")


def zen(inp: ProxyInput) -> float:
    gen = fingerprint_generator(inp.model)
    net = copy.deepcopy(inp.model).train()
    with torch.no_grad():
        for m in weight_layers(net):
            m.weight.copy_(torch.empty(m.weight.shape).normal_(0.0, 1.0, generator=gen))  # drawn on the CPU
            if m.bias is not None:
                m.bias.zero_()
    shape = (BATCH, *inp.images.shape[1:])
    x = torch.randn(shape, generator=gen)
    x_mix = (x + GAMMA * torch.randn(shape, generator=gen)).to(inp.images.device)
    x = x.to(inp.images.device)
    feats: list[torch.Tensor] = []
    variances: list[torch.Tensor] = []
    clean = [True]  # BN variances are read on the clean pass only

    def bn_hook(_m, inputs, _out):
        if clean[0]:
            variances.append(inputs[0].var(dim=(0, 2, 3)))

    handles = [_pre_gap(net).register_forward_hook(lambda _m, _i, out: feats.append(out))]
    handles += [m.register_forward_hook(bn_hook) for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    try:
        with torch.no_grad():
            net(x)
            clean[0] = False
            net(x_mix)
    finally:
        for h in handles:
            h.remove()
    diff = (feats[0] - feats[1]).abs().flatten(1).sum(1).mean().item()
    bn_term = sum(0.5 * math.log(v.mean().item()) for v in variances if v.mean().item() > 0)
    if not diff > 0:
        raise Degenerate("features do not change with the input")
    return math.log(diff) + bn_term
