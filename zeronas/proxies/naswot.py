"""NASWOT (Mellor et al., ICML 2021): log|det K_H|, K_H[i, j] = number of ReLUs on which images i and j agree."""

from __future__ import annotations

import torch
from torch import nn

from zeronas.proxies.base import ProxyInput


def naswot(inp: ProxyInput) -> float:
    n = inp.images.shape[0]
    kernel = torch.zeros(n, n, dtype=torch.float64)

    def hook(_module, _inputs, output):
        # Accumulate agreements as we go instead of keeping every activation code: with s = ±1 codes,
        # agreements = (s sᵀ + D) / 2 for D units.
        s = (output.detach().reshape(n, -1) > 0).to(torch.float32).mul_(2.0).sub_(1.0)
        kernel.add_(((s @ s.T + s.shape[1]) / 2).to(torch.float64))

    handles = [m.register_forward_hook(hook) for m in inp.model.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            inp.model(inp.images)
    finally:
        for h in handles:
            h.remove()
    return float(torch.linalg.slogdet(kernel).logabsdet)
