"""grad_norm (Abdelfattah et al., ICLR 2021): Σ over conv/linear layers of ‖∂L/∂W‖₂ on a real batch."""

from __future__ import annotations

from zeronas.proxies.base import ProxyInput
from zeronas.proxies.grads import weight_saliency


def grad_norm(inp: ProxyInput) -> float:
    return weight_saliency(inp.model, inp.images, inp.labels, lambda w, g: g.norm())
