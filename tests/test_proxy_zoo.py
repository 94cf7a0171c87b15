"""The zero-cost proxy zoo on real NATS-Bench networks and real CIFAR-10 images."""

import dataclasses
import math

import numpy as np
import pytest
import torch
from proxy_helpers import proxy_input

from zeronas.data.datasets import get_dataset, load_sample
from zeronas.errors import ZeronasError
from zeronas.proxies import PROXIES, ProxyInput
from zeronas.proxies.zico import zico, zico_from_batches
from zeronas.scoring.scorer import Scorer, ScoringSettings
from zeronas.strategies.combine import freerea, rank_average

NEW = ("grad_norm", "snip", "grasp", "fisher", "jacob_cov", "plain", "nregions", "ntk", "zen", "zico")
SMALL_A = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
SMALL_B = "|nor_conv_1x1~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|"
OTHER = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|"
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
NO_PATH = "|nor_conv_1x1~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|none~1|none~2|"
ALL_CONV3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ALL_SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"


@pytest.fixture(scope="module")
def batch(cifar10_images):
    info, x, y = cifar10_images
    return info, x[:32], y[:32]


def _snapshot(model):
    return ({k: v.clone() for k, v in model.state_dict().items()}, [m.training for m in model.modules()])


ON_NATS = [n for n in PROXIES.names() if n != "skip_freerea101"]  # NAS-Bench-101's own: tests/test_freerea101.py


@pytest.mark.parametrize("name", ON_NATS)  # the contract every registered proxy keeps
def test_proxy_is_finite_seeded_distinct_and_leaves_the_shared_network_alone(nats, batch, name):
    compute = PROXIES.get(name)
    a = proxy_input(nats, batch, SMALL_A)
    state, modes = _snapshot(a.model)
    value = compute(a)
    assert math.isfinite(value)
    assert all(torch.equal(state[k], v) for k, v in a.model.state_dict().items())  # weights, BN statistics
    assert [m.training for m in a.model.modules()] == modes and all(p.grad is None for p in a.model.parameters())
    assert compute(proxy_input(nats, batch, SMALL_A)) == value  # same seed, same network, same batch: bit for bit
    for text in (SMALL_B, OTHER):
        other = compute(proxy_input(nats, batch, text))
        assert math.isfinite(other)
    assert other != value


def test_degenerate_cells_give_a_value_or_a_nan_that_ranks_last(nats, batch):
    info, x, y = batch
    scorer = Scorer.create(nats, info, ON_NATS, x, y, ScoringSettings(inits=1, batch_size=32))
    dead = scorer.compute(nats.parse(ALL_NONE)).values
    cut = scorer.compute(nats.parse(NO_PATH)).values
    for name in ("grad_norm", "snip", "plain", "fisher", "grasp", "zico", "synflow"):
        assert dead[name] == 0.0 and cut[name] == 0.0  # no path to the output: no gradient signal at all
    assert dead["nregions"] == 1.0 < cut["nregions"]  # every input lands in the same linear region
    for name in ("jacob_cov", "ntk", "zen"):
        assert math.isnan(dead[name]) and math.isnan(cut[name])  # undefined (zero Jacobian / kernel / output)
    assert scorer.reasons["jacob_cov", "constant input Jacobian (no path from the input)"] == 2
    assert scorer.reasons["zen", "features do not change with the input"] == 2
    assert scorer.nonfinite["ntk"] == 2 and sum(n for (p, _), n in scorer.reasons.items() if p == "ntk") == 2
    live = scorer.compute(nats.parse(SMALL_A)).values
    rows = [[v[n] for n in ON_NATS] for v in (dead, live)]
    assert freerea(rows)[0] == -np.inf < freerea(rows)[1] and rank_average(rows)[0] == -np.inf


def test_known_orderings(nats, batch):
    info, x, y = batch
    scorer = Scorer.create(nats, info, ["params", "flops", "snip"], x, y, ScoringSettings(inits=1, batch_size=32))
    conv, skip = (scorer.compute(nats.parse(a)).values for a in (ALL_CONV3, ALL_SKIP))
    assert conv["params"] > skip["params"] and conv["flops"] > skip["flops"]
    assert conv["snip"] > skip["snip"] > 0  # saliency grows with the weights that carry the signal


def test_loss_based_proxies_accept_imagenet16_labels(nats):
    info = get_dataset("imagenet16-120")
    x, y = load_sample(info)
    assert y.max() >= info.num_classes  # the sample keeps ImageNet-1k ids
    scorer = Scorer.create(nats, info, ["snip", "fisher", "zico"], x, y, ScoringSettings(inits=1, batch_size=32))
    values = scorer.compute(nats.parse(SMALL_A)).values
    assert all(math.isfinite(v) and v != 0 for v in values.values())


def test_zico_needs_two_mini_batches(nats, batch):
    inp = proxy_input(nats, batch, SMALL_A)
    with pytest.raises(ZeronasError, match="zico needs at least 2 mini-batches"):
        zico_from_batches(inp.model, [(inp.images, inp.labels)])
    with pytest.raises(ZeronasError, match="zico needs a batch it can split"):
        zico(ProxyInput(nats, inp.arch, inp.dataset, inp.model, inp.images[:1], inp.labels[:1]))
    halves = [(inp.images[:16], inp.labels[:16]), (inp.images[16:], inp.labels[16:])]
    assert zico_from_batches(inp.model, halves) == zico(inp)  # the proxy is the two-halves case


def test_every_proxy_declares_its_metadata():
    for p in PROXIES.entries():
        assert p.summary and "\n" not in p.summary
        assert p.meta["kind"] in ("model", "arch") and p.meta["higher_is_better"] is True and p.version >= 1
        if p.name in NEW:
            assert any(ch.isdigit() for ch in p.summary), p.name  # '<authors> <year>'


def test_an_exception_in_a_proxy_fails_the_run_naming_the_cell_and_the_proxy(nats, batch):
    info, x, y = batch
    scorer = Scorer.create(nats, info, ["snip"], x, y, ScoringSettings(inits=1, batch_size=32))

    def broken(inp):
        raise IndexError("index 7 is out of bounds")

    scorer.proxies = [dataclasses.replace(scorer.proxies[0], compute=broken)]
    with pytest.raises(ZeronasError, match=r"proxy snip failed on nats-tss \|avg_pool_3x3~0\|.*IndexError: index 7"):
        scorer.compute(nats.parse(SMALL_A))
    assert not scorer.nonfinite  # a bug is never a NaN score
