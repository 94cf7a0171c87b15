"""Linear regions (Chen et al., TE-NAS, ICLR 2021; Mellor et al., 2021): how many distinct ReLU on/off
patterns a batch of inputs produces, i.e. how many linear pieces of the network the batch lands in.

As in TE-NAS, the count is taken on a thin twin of the network (NATS-Bench: C=3, one cell per stage,
seeded from the shared initialisation) over 1000 random 4×4 crops of the real batch; on the full-width
network every input would get its own pattern and the count would always equal the batch size.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from zeronas.proxies.base import ProxyInput, init_weights
from zeronas.proxies.grads import fingerprint_generator

SAMPLES = 1000
CROP = 4


def _thin_network(inp: ProxyInput, gen: torch.Generator) -> nn.Module:
    if inp.space.capabilities.thin_twin:
        return init_weights(inp.space.thin_model(inp.arch, inp.dataset.num_classes), gen)
    return init_weights(inp.space.build_model(inp.arch, inp.dataset.num_classes), gen)  # full width


def nregions(inp: ProxyInput) -> float:
    gen = fingerprint_generator(inp.model)
    net = _thin_network(inp, gen).train()  # a small CPU network, whatever device the batch is on
    images = inp.images.cpu()
    n, _, h, w = images.shape
    pick = torch.randint(n, (SAMPLES,), generator=gen)
    top = torch.randint(h - CROP + 1, (SAMPLES,), generator=gen)
    left = torch.randint(w - CROP + 1, (SAMPLES,), generator=gen)
    rows = torch.arange(CROP)
    x = images[
        pick[:, None, None, None],
        torch.arange(3)[None, :, None, None],
        (top[:, None] + rows)[:, None, :, None],
        (left[:, None] + rows)[:, None, None, :],
    ]
    codes: list[np.ndarray] = []
    handles = [
        m.register_forward_hook(lambda _m, _i, out: codes.append((out > 0).reshape(SAMPLES, -1).numpy()))
        for m in net.modules()
        if isinstance(m, nn.ReLU)
    ]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for h_ in handles:
            h_.remove()
    patterns = np.packbits(np.concatenate(codes, axis=1), axis=1)
    return float(len(np.unique(patterns, axis=0)))
