"""Shared by the proxy tests: a real, seeded network on real images, and the contract every proxy keeps."""

import math

import torch

from zeronas.proxies.base import ProxyInput, init_weights


def proxy_input(space, batch, arch, seed=0, n=None) -> ProxyInput:
    """arch (a string or an architecture) built, initialised with `seed`, in train mode, on the first n images."""
    info, x, y = batch
    if isinstance(arch, str):
        arch = space.parse(arch)
    model = init_weights(space.build_model(arch, info.num_classes).train(), torch.Generator().manual_seed(seed))
    return ProxyInput(space, arch, info, model, x[:n], y[:n])


def check_seeded_and_untouched(compute, space, batch, arch) -> float:
    """compute's value on arch: finite, the same for the same seed and images (bit for bit), another for
    another seed; the network's weights, BN statistics, modes and gradients are left exactly as found."""
    a = proxy_input(space, batch, arch)
    state = {k: v.clone() for k, v in a.model.state_dict().items()}
    modes = [m.training for m in a.model.modules()]
    value = compute(a)
    assert math.isfinite(value)
    assert all(torch.equal(state[k], v) for k, v in a.model.state_dict().items())  # weights and BN statistics
    assert [m.training for m in a.model.modules()] == modes and all(p.grad is None for p in a.model.parameters())
    assert compute(a) == value  # the same network again
    assert compute(proxy_input(space, batch, arch)) == value
    assert compute(proxy_input(space, batch, arch, seed=1)) != value
    return value
