"""plain (Mozer & Smolensky, 1989; Abdelfattah et al., 2021): Σ θ ⊙ ∂L/∂θ, signed."""

from __future__ import annotations

from zeronas.proxies.base import ProxyInput
from zeronas.proxies.grads import weight_saliency


def plain(inp: ProxyInput) -> float:
    return weight_saliency(inp.model, inp.images, inp.labels, lambda w, g: w * g)
