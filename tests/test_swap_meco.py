"""SWAP (Peng et al. 2024) and MeCo (Jiang et al. 2023) on real NATS-Bench networks and real CIFAR-10 images."""

import math
import random
import warnings

import pytest
import torch
from proxy_helpers import check_seeded_and_untouched, proxy_input
from torch import nn

from zeronas.costs import count_params
from zeronas.proxies.meco import meco, meco_score
from zeronas.proxies.swap import MU, SAMPLES, SIGMA, swap, swap_reg
from zeronas.spaces import get_space

SMALL = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
ALL_CONV3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ALL_SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
PROXIES = {"swap": swap, "swap_reg": swap_reg, "meco": meco}


@pytest.fixture(scope="module")
def batch(cifar10_images):
    info, x, y = cifar10_images  # load_sample(get_dataset("cifar10"))
    return info, x[:32], y[:32]


def _hooked(model, kinds, keep):
    """Forward-hook outputs of the modules of the given kinds, in call order, as `keep(module, input, output)`."""
    found = []
    handles = [
        m.register_forward_hook(lambda mod, i, o: found.append(keep(mod, i, o)))
        for m in model.modules()
        if isinstance(m, kinds)
    ]
    return found, handles


@pytest.mark.parametrize("name", PROXIES)
def test_finite_seeded_and_the_network_is_left_as_found(nats, batch, name):
    check_seeded_and_untouched(PROXIES[name], nats, batch, SMALL)


def test_swap_counts_distinct_unit_patterns_exactly_as_the_reference_code(nats, batch):
    # the authors' algorithm, literally: post-ReLU outputs (4-D inputs only) of 16 images, concatenated,
    # sign, transposed to units × samples, torch.unique over rows
    a = proxy_input(nats, batch, SMALL)
    outs, handles = _hooked(a.model, nn.ReLU, lambda _m, i, o: o.detach() if i[0].dim() == 4 else None)
    images = a.images[:SAMPLES]
    with torch.no_grad():
        a.model(images)
    for h in handles:
        h.remove()
    acts = torch.cat([o.reshape(SAMPLES, -1) for o in outs if o is not None], dim=1)
    expected = torch.unique(torch.sign(acts).T, dim=0).size(0)
    a = proxy_input(nats, batch, SMALL)  # the reference pass above moved the BN statistics
    assert swap(a) == expected
    assert 1 < expected <= min(acts.shape[1], 2**SAMPLES)


def test_swap_orderings(nats, batch):
    values = {t: swap(proxy_input(nats, batch, t)) for t in (ALL_CONV3, ALL_SKIP, ALL_NONE)}
    # all-`none` cells zero the features: every ReLU after the stem sees 0, one pattern (all off)
    assert values[ALL_NONE] == 1.0
    assert values[ALL_CONV3] > values[ALL_SKIP] > values[ALL_NONE]  # 90 more ReLU-conv edges, more patterns
    assert all(v <= 2**SAMPLES for v in values.values())
    for t in (ALL_CONV3, ALL_SKIP):
        a = proxy_input(nats, batch, t)
        factor = math.exp(-((count_params(a.model) / 1e6 - MU) ** 2) / SIGMA)
        assert swap_reg(a) == pytest.approx(values[t] * factor, rel=1e-12)
        assert 0 < factor <= 1
    # the size factor peaks near the largest NATS cell: it widens the gap
    assert swap_reg(proxy_input(nats, batch, ALL_CONV3)) > swap_reg(proxy_input(nats, batch, ALL_SKIP))
    assert swap_reg(proxy_input(nats, batch, ALL_CONV3), mu=0.0, sigma=1e9) == pytest.approx(values[ALL_CONV3])


def test_swap_needs_its_sixteen_images(nats, batch):
    from zeronas.errors import ZeronasError

    info, x, y = batch
    with pytest.raises(ZeronasError, match="16"):
        swap(proxy_input(nats, (info, x[:8], y[:8]), SMALL))


def _reference_meco(model, image):
    """The authors' get_score: every module, sample 0, float32 corrcoef, NaN/inf → 0, min real eig, Σ."""
    terms = []

    def hook(_m, _i, out):
        fea = out[0].detach()
        fea = fea.reshape(fea.shape[0], -1)
        corr = torch.corrcoef(fea)
        corr[torch.isnan(corr)] = 0
        corr[torch.isinf(corr)] = 0
        terms.append(torch.min(torch.real(torch.linalg.eig(corr)[0])))

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model(image)
    for h in handles:
        h.remove()
    results = torch.tensor(terms)
    return float(results[torch.isfinite(results)].sum()), len(terms)


def test_meco_is_the_reference_sum_of_minimum_correlation_eigenvalues(nats, batch):
    a = proxy_input(nats, batch, SMALL)
    with warnings.catch_warnings():  # torch warns on the 1-observation (logits) correlation
        warnings.simplefilter("ignore")
        expected, calls = _reference_meco(a.model, a.images[:1])
    a = proxy_input(nats, batch, SMALL)
    value = meco(a)
    assert value == pytest.approx(expected, abs=1e-3)
    assert 0 < value <= calls  # each term is the λ_min of a correlation matrix: in [0, 1]


def test_meco_orderings_and_the_sampled_variant(nats, batch):
    values = {t: meco(proxy_input(nats, batch, t)) for t in (ALL_CONV3, ALL_SKIP, ALL_NONE)}
    # with `none` cells only the stem's outputs are not constant; the stem is initialised identically in
    # every network (first in module order), and every other term is ≥ 0
    assert all(v >= values[ALL_NONE] - 1e-9 for v in values.values())
    assert values[ALL_CONV3] > values[ALL_SKIP] > values[ALL_NONE] > 0
    a = proxy_input(nats, batch, SMALL)
    opt = [meco_score(a.model, a.images[:1], channels=8, generator=torch.Generator().manual_seed(3)) for _ in "ab"]
    assert opt[0] == opt[1] and math.isfinite(opt[0])


@pytest.mark.parametrize("space_name", ["mobilenet-like", "nasbench101"])
def test_other_spaces(batch, space_name):
    space = get_space(space_name)
    a = proxy_input(space, batch, space.sample(random.Random(0)))
    state = {k: v.clone() for k, v in a.model.state_dict().items()}
    for name, compute in PROXIES.items():
        assert math.isfinite(compute(a)), name
    assert all(torch.equal(state[k], v) for k, v in a.model.state_dict().items())


def test_the_size_prior_is_the_nats_one_scaled_to_each_space(nats, nats_table):
    from zeronas.groundtruth.nasbench101_table import NasBench101Table, table_path
    from zeronas.proxies.swap import regular_factor, size_prior

    nb101 = get_space("nasbench101")
    # each space's declared largest network is its benchmark's
    assert nats.capabilities.largest_params_m == nats_table.frame["params_m_cifar10"].max()
    assert nb101.capabilities.largest_params_m * 1e6 == NasBench101Table(table_path()).arrays["params"].max()
    assert size_prior(get_space("nats-tss")) == (MU, SIGMA)  # r = 1: NATS-TSS values are version 1's
    assert get_space("mobilenet-like").capabilities.largest_params_m == 5.0  # the default budget's upper end
    # the factor is one function of Θ / (largest network) in every space
    for x in (0.05, 0.3, 0.8, 1.0):
        factors = []
        for space in (get_space("nats-tss"), nb101):
            mu, sigma = size_prior(space)
            big = space.capabilities.largest_params_m
            factors.append(math.exp(-((x * big - mu) ** 2) / sigma))
        assert factors[0] == pytest.approx(factors[1], rel=1e-9)
    # version 1 applied the NATS constants to NAS-Bench-101 and underflowed for large cells
    probe = nn.Linear(6000, 6000)  # 36 M parameters, a mid-to-large NAS-Bench-101 cell's size
    assert regular_factor(probe, MU, SIGMA) == 0.0
    assert 0.5 < regular_factor(probe, *size_prior(nb101)) < 1


def test_swap_reg_on_the_largest_nasbench101_cell_is_not_zero(batch):
    space = get_space("nasbench101")
    largest = space.parse("conv3x3:0|conv3x3:1|conv3x3:2|conv3x3:3|conv3x3:4|out:5")
    a = proxy_input(space, batch, largest)
    assert count_params(a.model) > 30e6  # version 1's factor: exp(-(30 - 1.5)² / 1.5) = 0.0 in float64
    assert 0.5 * swap(a) < swap_reg(a) < swap(a)
