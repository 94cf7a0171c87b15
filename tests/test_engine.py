"""The fast paths of the scoring engine give the same numbers as the plain definitions."""

import math

import torch
from torch import nn

from zeronas.proxies import ProxyInput, init_weights
from zeronas.proxies.naswot import agreements, naswot
from zeronas.proxies.synflow import logsynflow, synflow_saliency
from zeronas.scoring.scorer import Scorer, ScoringSettings, merge_parts

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"


def counted_agreements(codes: torch.Tensor) -> torch.Tensor:
    """K[i, j] = number of units where images i and j are both on or both off, by direct comparison."""
    on = codes.flatten(1) > 0
    return (on[:, None, :] == on[None, :, :]).sum(-1).double()


def test_agreements_equal_direct_counting_in_both_memory_formats():
    g = torch.Generator().manual_seed(0)
    out = torch.relu(torch.randn(8, 5, 6, 7, generator=g))
    out[:, :, 0, 0] = 0.0  # exact zeros count as off
    expected = counted_agreements(out)
    assert torch.equal(agreements(out), expected)
    assert torch.equal(agreements(out.contiguous(memory_format=torch.channels_last)), expected)


class SharedInput(nn.Module):
    """Two ReLU modules read the same tensor; a third reads it after an in-place change."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.a, self.b, self.c = nn.ReLU(), nn.ReLU(), nn.ReLU()

    def forward(self, x):
        h = self.conv(x)
        y = self.a(h) + self.b(h)
        h.add_(0.3)
        return y + self.c(h)


def test_naswot_counts_every_relu_and_notices_in_place_changes(cifar10_images):
    _, x, _ = cifar10_images
    model = SharedInput()
    images = x[:16]
    h = model.conv(images.contiguous(memory_format=torch.channels_last)).detach()  # as naswot runs it
    expected = torch.linalg.slogdet(2 * counted_agreements(h) + counted_agreements(h + 0.3)).logabsdet.item()
    got = naswot(ProxyInput(None, None, None, model, images))
    assert math.isclose(got, expected, rel_tol=1e-6)  # reused code for b, recomputed for c


def test_synflow_twin_follows_in_place_reinitialisation(nats, cifar10_images):
    info, x, _ = cifar10_images
    arch = nats.parse(CELL)
    model = nats.build_model(arch, info.num_classes).train()
    values = []
    for seed in (0, 1, 0):
        init_weights(model, torch.Generator().manual_seed(seed))
        fresh = nats.build_model(arch, info.num_classes).train()
        init_weights(fresh, torch.Generator().manual_seed(seed))
        reused = logsynflow(ProxyInput(nats, arch, info, model, x[:4]))
        assert reused == synflow_saliency(ProxyInput(nats, arch, info, fresh, x[:4]), log=True)
        values.append(reused)
    assert values[0] != values[1] and values[0] == values[2]
    assert all(p.grad is None for p in model.parameters())  # the proxy never touches the scored network


def test_scores_do_not_depend_on_the_callers_thread_count(nats, cifar10_images):
    info, x, y = cifar10_images
    scorer = Scorer.create(nats, info, ["naswot", "logsynflow"], x, y, ScoringSettings(inits=1, batch_size=32))
    arch = nats.parse(CELL)
    single = scorer.measure(arch).values
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert scorer.measure(arch).values == single
        assert torch.get_num_threads() == 2  # restored after scoring
    finally:
        torch.set_num_threads(before)


def test_parts_scored_anywhere_in_any_order_merge_to_the_whole(nats, cifar10_images):
    info, x, y = cifar10_images
    settings = ScoringSettings(inits=3, batch_size=16)
    make = lambda: Scorer.create(nats, info, ["naswot", "logsynflow", "skip"], x, y, settings)  # noqa: E731
    arch = nats.parse(CELL)
    whole = make().measure(arch)
    parts = {i: make().measure_part(arch, i) for i in (2, 0, 1)}  # as separate workers would
    merged = merge_parts([parts[i] for i in range(3)], ["naswot", "logsynflow", "skip"])
    assert merged.values == whole.values
    assert set(parts[1].values) == {"naswot", "logsynflow"}  # the arch proxy is computed once, with init 0
