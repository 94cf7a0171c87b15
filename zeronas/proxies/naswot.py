"""NASWOT (Mellor et al., ICML 2021): log|det K_H|, K_H[i, j] = number of ReLUs on which images i and j agree.

Every ReLU module counts, as in the reference code; the kernel is accumulated during the forward pass, so no
activation code is ever stored.
"""

from __future__ import annotations

import weakref

import torch
from torch import nn

from zeronas.proxies.base import ProxyInput


def agreements(output: torch.Tensor) -> torch.Tensor:
    """n×n counts of units on which two images' ReLU codes agree (both on or both off), exact in float32.

    With b the 0/1 codes, G = b bᵀ and r = diag(G): agree = G + (D - r_i - r_j + G) — one GEMM, not two.
    """
    n = output.shape[0]
    if output.dim() == 4 and not output.is_contiguous() and output.is_contiguous(memory_format=torch.channels_last):
        output = output.permute(0, 2, 3, 1)  # a view: unit order does not matter to the kernel
    flat = output.reshape(n, -1)
    codes = torch.empty(flat.shape, dtype=torch.float32, device=flat.device)
    b = torch.gt(flat, 0, out=codes)  # one pass, no bool temporary
    gram = b @ b.T
    ones = gram.diagonal()
    return (2 * gram - ones[:, None] - ones[None, :] + b.shape[1]).to(torch.float64)


def naswot(inp: ProxyInput) -> float:
    n = inp.images.shape[0]
    kernel = torch.zeros(n, n, dtype=torch.float64, device=inp.images.device)
    # Several ReLU modules often read the same tensor (a NATS node feeds up to three conv edges): their
    # codes are identical, so each distinct input (same object, unmodified since) is counted once and reused.
    seen: dict[int, tuple[weakref.ref, int, torch.Tensor]] = {}

    def hook(_module, inputs, output):
        src = inputs[0]
        hit = seen.get(id(src))
        if hit is None or hit[0]() is not src or hit[1] != src._version:
            hit = (weakref.ref(src), src._version, agreements(output))
            seen[id(src)] = hit
        kernel.add_(hit[2])

    handles = [m.register_forward_hook(hook) for m in inp.model.modules() if isinstance(m, nn.ReLU)]
    buffers = [(b, b.clone()) for b in inp.model.buffers()]  # a train-mode forward moves BN statistics
    try:
        with torch.no_grad():  # not inference_mode: the reuse check needs version counters
            # channels-last is about twice as fast for these small convs on x86 (oneDNN); weights are untouched
            inp.model(inp.images.contiguous(memory_format=torch.channels_last))
    finally:
        for h in handles:
            h.remove()
        with torch.no_grad():
            for live, saved in buffers:
                live.copy_(saved)  # the next proxy on this network sees it as initialised
    return float(torch.linalg.slogdet(kernel).logabsdet)
