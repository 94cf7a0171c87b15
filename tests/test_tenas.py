"""TE-NAS (Chen et al. 2021): the NATS supernet, the pruning rule, and a tiny seeded pruning run."""

import math
import random
from types import SimpleNamespace

import pytest
import torch

from zeronas.errors import ZeronasError
from zeronas.proxies.base import init_weights
from zeronas.spaces import get_space
from zeronas.spaces.nats_supernet import SuperNetwork
from zeronas.spaces.nats_tss import EDGES, OPS
from zeronas.strategies.tenas import TENAS, dense_ranks, prune_choices
from zeronas.study import SearchConfig, search

TINY = dict(repeats=1, batch=8, region_batch=200, region_batches=1)


def test_supernet_with_one_op_per_edge_is_the_cell_network(nats, cifar10_images):
    _, images, _ = cifar10_images
    for arch in [nats.sample(random.Random(s)) for s in range(3)] + [("nor_conv_3x3",) * 6]:
        cell = init_weights(nats.build_model(arch, 10), torch.Generator().manual_seed(7)).train()
        sup = SuperNetwork(10, [[op] for op in arch], channels=16, cells_per_stage=5)
        sup = init_weights(sup, torch.Generator().manual_seed(7)).train()
        assert sum(p.numel() for p in sup.parameters()) == sum(p.numel() for p in cell.parameters())
        assert torch.equal(sup(images[:4]), cell(images[:4]))
    # the same holds when the one op is chosen among all of them: inactive ops change nothing
    arch = ("skip_connect", "nor_conv_1x1", "avg_pool_3x3", "nor_conv_3x3", "none", "nor_conv_1x1")
    full = init_weights(SuperNetwork(10, channels=16, cells_per_stage=5), torch.Generator().manual_seed(3)).train()
    cell = nats.build_model(arch, 10).train()
    with torch.no_grad():
        picked = {k: v for k, v in full.state_dict().items() if ".ops." not in k}
        for name, value in full.state_dict().items():
            parts = name.split(".")
            if ".ops." in name and parts[4] == arch[int(parts[3])]:
                picked[".".join(parts[:4] + parts[5:])] = value
    cell.load_state_dict(picked)
    assert torch.equal(full.set_active([[op] for op in arch])(images[:4]), cell(images[:4]))
    with pytest.raises(ValueError):
        full.set_active([["nor_conv_3x3"]] * 5)


def test_pruning_rule_sums_dense_ranks_and_breaks_ties_by_the_ntk_order():
    # Δκ descending, ΔR ascending, dense ranks; per edge the smallest sum is pruned
    ntk = {(0, "a"): 0.5, (0, "b"): 0.1, (1, "a"): 0.1, (1, "b"): -0.2}
    regions = {(0, "a"): 0.3, (0, "b"): 0.0, (1, "a"): 0.0, (1, "b"): 0.1}
    assert dense_ranks(ntk, descending=True, digits=3) == {(0, "a"): 0, (0, "b"): 1, (1, "a"): 1, (1, "b"): 2}
    assert dense_ranks(regions, descending=False, digits=3) == {(0, "b"): 0, (1, "a"): 0, (1, "b"): 1, (0, "a"): 2}
    assert prune_choices(ntk, regions) == {0: "b", 1: "a"}
    # equal sums: the op earlier in the Δκ order is pruned; a non-finite change ranks last
    assert prune_choices({(0, "a"): 0.5, (0, "b"): 0.1}, {(0, "a"): 0.2, (0, "b"): 0.0}) == {0: "a"}
    assert dense_ranks({(0, "a"): math.nan, (0, "b"): -9.0}, descending=True, digits=3) == {(0, "b"): 0, (0, "a"): 1}


def test_tiny_tenas_run_is_a_valid_seeded_cell(nats):
    config = SearchConfig(strategy="te-nas", proxies=("skip",), workers=1, strategy_options=TINY, seed=2)
    a = search(config)
    arch = nats.parse(a.arch)
    assert len(arch) == len(EDGES) and set(arch) <= set(OPS[1:])  # one op per edge; `none` pruned first
    assert a.scored == 1 and a.test_acc is not None
    # 3 rounds, one op off every edge each; supernet + its minus-one-op variants: (1+24) + (1+18) + (1+12)
    strategy = TENAS(**TINY)
    problem = a.problem
    problem.history.clear()
    problem.by_key.clear()
    assert strategy.run(problem, random.Random(2)).arch == arch  # seeded: the same cell again
    assert [len(r["pruned"]) for r in strategy.trace] == [6, 6, 6]
    assert [r["supernets"] for r in strategy.trace] == [25, 19, 13] and "3 rounds" in strategy.summary()


def test_tenas_refuses_other_spaces_limits_and_sources_without_images(nats):
    for space in ("nasbench101", "mobilenet-like"):
        problem = SimpleNamespace(space=get_space(space), constraints=[], scorer=None)
        with pytest.raises(ZeronasError, match="te-nas prunes the NATS-Bench") as err:
            TENAS().run(problem, random.Random(0))
        assert "\n" not in str(err.value)
    with pytest.raises(ZeronasError, match="takes no limits"):
        TENAS().run(SimpleNamespace(space=nats, constraints=[object()], scorer=None), random.Random(0))
    with pytest.raises(ZeronasError, match="te-nas needs images"):
        TENAS().run(SimpleNamespace(space=nats, constraints=[], scorer=SimpleNamespace()), random.Random(0))
    with pytest.raises(ZeronasError, match="repeats must be at least 1"):
        TENAS(repeats=0)
