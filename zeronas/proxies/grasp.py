"""GraSP (Wang et al., ICLR 2020) as a network score (Abdelfattah et al., 2021): Σ -θ ⊙ (H g).

H g is the Hessian-gradient product of the cross-entropy on one real batch, taken by double backward.
"""

from __future__ import annotations

import torch

from zeronas.proxies.base import ProxyInput
from zeronas.proxies.grads import loss_and_grads, preserved, weight_layers


def grasp(inp: ProxyInput) -> float:
    model = inp.model
    with preserved(model):
        weights = [m.weight for m in weight_layers(model)]
        _, grads = loss_and_grads(model, inp.images, inp.labels, create_graph=True)
        z = sum((g.detach() * g).sum() for g in grads if g.requires_grad)
        if not isinstance(z, torch.Tensor):  # no weight reaches the loss
            return 0.0
        hg = torch.autograd.grad(z, weights, allow_unused=True)
        return float(sum((-w.detach() * h).double().sum() for w, h in zip(weights, hg) if h is not None))
