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


def random_crops(
    images: torch.Tensor, samples: int, crop: int, gen: torch.Generator, channels: int | None = None
) -> torch.Tensor:
    """`samples` random crop×crop patches of random images of the batch (samples×C×crop×crop); with `channels`
    fewer than the images have, each patch keeps that many of them, drawn at random (TE-NAS's RandChannel)."""
    n, c, h, w = images.shape
    pick = torch.randint(n, (samples,), generator=gen)
    top = torch.randint(h - crop + 1, (samples,), generator=gen)
    left = torch.randint(w - crop + 1, (samples,), generator=gen)
    if channels is None or channels >= c:
        chosen = torch.arange(c)[None, :].expand(samples, c)
    else:
        chosen = torch.rand(samples, c, generator=gen).argsort(dim=1)[:, :channels].sort(dim=1).values
    rows = torch.arange(crop)
    return images[
        pick[:, None, None, None],
        chosen[:, :, None, None],
        (top[:, None] + rows)[:, None, :, None],
        (left[:, None] + rows)[:, None, None, :],
    ]


def relu_codes(net: nn.Module, x: torch.Tensor) -> np.ndarray:
    """One row per input: the on/off state of every ReLU unit of `net` in one forward pass of the batch x."""
    codes: list[np.ndarray] = []
    handles = [
        m.register_forward_hook(lambda _m, _i, out: codes.append((out > 0).reshape(len(x), -1).cpu().numpy()))
        for m in net.modules()
        if isinstance(m, nn.ReLU)
    ]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for h_ in handles:
            h_.remove()
    return np.concatenate(codes, axis=1)


def count_patterns(codes: np.ndarray) -> int:
    """The number of distinct rows (activation patterns) of a boolean code matrix."""
    return len(np.unique(np.packbits(codes, axis=1), axis=0))


def nregions(inp: ProxyInput) -> float:
    gen = fingerprint_generator(inp.model)
    net = _thin_network(inp, gen).train()  # a small CPU network, whatever device the batch is on
    x = random_crops(inp.images.cpu(), SAMPLES, CROP, gen)
    return float(count_patterns(relu_codes(net, x)))
