"""Fisher (Theis et al., 2018; Turner et al., ICLR 2020): Σ over conv/linear output channels of
½·E_batch[(Σ_spatial a ⊙ ∂L/∂a)²], a = the layer's output activation, on a real batch."""

from __future__ import annotations

from zeronas.proxies.base import ProxyInput
from zeronas.proxies.grads import shared_backward


def fisher(inp: ProxyInput) -> float:
    saliency = shared_backward(inp.model, inp.images, inp.labels).channel_saliency
    return float(sum(s.double().pow(2).mean(0).mul(0.5).sum() for s in saliency))
