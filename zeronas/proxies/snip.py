"""SNIP (Lee et al., ICLR 2019) as a network score (Abdelfattah et al., 2021): Σ |θ ⊙ ∂L/∂θ|."""

from __future__ import annotations

from zeronas.proxies.base import ProxyInput
from zeronas.proxies.grads import weight_saliency


def snip(inp: ProxyInput) -> float:
    return weight_saliency(inp.model, inp.images, inp.labels, lambda w, g: (w * g).abs())
