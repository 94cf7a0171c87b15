"""jacob_cov (Mellor et al., 2020, 'NAS without training' v1): -Σ_i [log(λ_i + k) + 1/(λ_i + k)], λ the
eigenvalues of the correlation matrix of the per-image input Jacobians of Σ outputs, k = 1e-5."""

from __future__ import annotations

import numpy as np
import torch

from zeronas.proxies.base import Degenerate, ProxyInput
from zeronas.proxies.grads import preserved

K = 1e-5


def jacob_cov(inp: ProxyInput) -> float:
    with preserved(inp.model) as model:
        x = inp.images.clone().requires_grad_(True)
        (jac,) = torch.autograd.grad(model(x).sum(), x)
    jac = jac.reshape(len(x), -1).double().cpu().numpy()
    if not np.isfinite(jac).all():
        raise Degenerate("non-finite input Jacobian")
    if (jac.std(axis=1) == 0).any():
        raise Degenerate("constant input Jacobian (no path from the input)")  # no correlation: ranked last
    eig = np.clip(np.linalg.eigvalsh(np.corrcoef(jac)), 0.0, None)
    return float(-np.sum(np.log(eig + K) + 1.0 / (eig + K)))
