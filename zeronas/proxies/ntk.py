"""NTK (Chen et al., TE-NAS, ICLR 2021): condition number κ = λ_max/λ_min of the empirical neural tangent
kernel Θ = J Jᵀ on the first 16 images of the real batch, J[i] = ∂(Σ_c f_c(x_i))/∂θ over conv/linear
weights, BN in train mode (as TE-NAS). 16, not 64, images: with BN coupling the batch, each row of J costs
a backward pass through the whole batch, so the cost grows with the square of the batch.

A well-conditioned kernel trains faster, so the score is -κ (higher = better): Kendall τ of `ntk` is
minus the τ of the raw condition number that papers report (TE-NAS; FreeREA's -0.33 on CIFAR-10).
"""

from __future__ import annotations

import torch
from torch import nn

from zeronas.proxies.base import ProxyInput
from zeronas.proxies.grads import preserved, weight_layers

BATCH = 16


def condition_number(model: nn.Module, images: torch.Tensor) -> float:
    """κ = λ_max/λ_min of the empirical NTK of `model` on all of `images` (the network is left as it was).
    Conv/linear weights a forward pass does not reach (an inactive op of a supernet) are left out."""
    with preserved(model) as model:
        weights = [m.weight for m in weight_layers(model)]
        out = model(images)
        rows = []
        for i in range(len(out)):  # a plain loop beats is_grads_batched (vmap) on CPU by about 2x
            grads = torch.autograd.grad(out[i].sum(), weights, retain_graph=True, allow_unused=True)
            rows.append(torch.cat([g.reshape(-1) for g in grads if g is not None]))
    jac = torch.stack(rows).double()
    eig = torch.linalg.eigvalsh(jac @ jac.T)
    return float(eig[-1] / eig[0])


def ntk(inp: ProxyInput) -> float:
    return -condition_number(inp.model, inp.images[:BATCH])  # λ_min = 0 (or < 0 by round-off): non-finite, last
