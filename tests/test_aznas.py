"""AZ-NAS's expressivity, progressivity and trainability on real NATS-Bench, mobilenet-like and NAS-Bench-101
networks (the CIFAR-10 sample fixes the batch shape; the proxies themselves read Gaussian noise, as AZ-NAS)."""

import math
import random

import pytest
import torch
from proxy_helpers import proxy_input

from zeronas.data.datasets import get_dataset, load_sample
from zeronas.proxies.aznas import az_expressivity, az_progressivity, az_trainability, blocks, shared_stats
from zeronas.proxies.base import Degenerate, init_weights
from zeronas.spaces import get_space

PROXIES = (az_expressivity, az_progressivity, az_trainability)
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"  # NATS #13714
ALL_CONV3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ALL_SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
IDENTITY = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"  # the cell is one skip edge
MOBILENET = "stem16/c16:e1k3/c24:e6k3,e6k5/c40:e4k5,e4k5,e4k5/c80:e6k3,e6k3/c112:e6k7/head512"


@pytest.fixture(scope="module")
def batch():
    info = get_dataset("cifar10")
    x, y = load_sample(info)
    return info, x[:64], y[:64]


def _values(inp):
    return [f(inp) for f in PROXIES]


def test_finite_deterministic_and_the_network_is_left_alone(nats, batch):
    inp = proxy_input(nats, batch, BEST)
    state = {k: v.clone() for k, v in inp.model.state_dict().items()}
    modes = [m.training for m in inp.model.modules()]
    values = _values(inp)
    assert all(math.isfinite(v) for v in values)
    assert all(torch.equal(state[k], v) for k, v in inp.model.state_dict().items())  # weights, BN statistics
    assert [m.training for m in inp.model.modules()] == modes and all(p.grad is None for p in inp.model.parameters())
    assert _values(proxy_input(nats, batch, BEST)) == values  # a fresh network, same seed: bit for bit
    init_weights(inp.model, torch.Generator().manual_seed(1))  # re-initialised in place, as the engine does
    assert all(a != b for a, b in zip(_values(inp), values))  # not the cached statistics of the old weights


def test_blocks_are_the_stem_and_every_cell(nats, batch):
    stats = shared_stats(proxy_input(nats, batch, BEST))
    assert len(stats.entropies) == 18 and len(stats.spectral_norms) == 17  # stem + 3×5 cells + 2 reductions
    assert all(0 < e <= math.log(64) for e in stats.entropies)  # an entropy of at most C = 64 eigenvalues
    assert len(blocks(proxy_input(nats, batch, ALL_SKIP).model)) == 18  # convolution-free cells count too


def test_orderings_follow_the_paper(nats, batch):
    """Convolutional cells make features more isotropic, and keep making them so, than cells that only
    pass the input on; an all-skip cell quadruples its input (σ ≈ 4), far from the ideal σ = 1."""
    conv, skip, best = (_values(proxy_input(nats, batch, a)) for a in (ALL_CONV3, ALL_SKIP, BEST))
    assert conv[0] > skip[0] and best[0] > skip[0]  # expressivity
    assert conv[1] > skip[1]  # progressivity
    assert best[2] > conv[2] > skip[2] and -3 < skip[2] < -2  # trainability: -σ - 1/σ + 2 at σ ≈ 4 is -2.25


def test_declared_degeneracies(nats, batch):
    dead = proxy_input(nats, batch, ALL_NONE)  # every cell outputs zeros: isotropy is 0/0
    for f in (az_expressivity, az_progressivity):
        with pytest.raises(Degenerate, match="constant feature map at block 1"):
            f(dead)
    assert az_trainability(dead) < -1e4  # a zero Jacobian: finite and very poor, as in the reference
    ident = proxy_input(nats, batch, IDENTITY)
    with pytest.raises(Degenerate, match="identity map"):  # the reference's -inf
        az_trainability(ident)
    assert math.isfinite(az_expressivity(ident)) and math.isfinite(az_progressivity(ident))


def test_other_spaces(batch):
    mobile = get_space("mobilenet-like")
    inp = proxy_input(mobile, batch, MOBILENET)
    assert len(blocks(inp.model)) == 2 + 9  # stem, nine inverted residuals, head
    assert all(math.isfinite(v) for v in _values(inp))
    nb101 = get_space("nasbench101")
    inp = proxy_input(nb101, batch, nb101.sample(random.Random(0)), n=8)  # a wide network: 8 images keep it quick
    assert [type(b).__name__ for b in blocks(inp.model)] == ["ConvBnRelu"] + ["Cell"] * 9  # not the max-pools
    assert all(math.isfinite(v) for v in _values(inp))
