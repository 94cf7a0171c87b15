import random

import pytest
import torch
from torch import nn

from zeronas.costs import count_flops, count_params
from zeronas.errors import ZeronasError
from zeronas.spaces import get_space
from zeronas.spaces.mobilenet_like import EXAMPLE, MobileNetLikeSpace


@pytest.fixture(scope="module")
def space():
    return get_space("mobilenet-like")


def test_registered_with_default_budget(space):
    assert isinstance(space, MobileNetLikeSpace)
    assert space.params_range == (1e5, 5e6)
    caps = space.capabilities
    assert caps.closed_form_costs and not (caps.enumerable or caps.skip_score or caps.thin_twin or caps.categorical)
    assert caps.hardware_table is None


def test_example_parses_to_the_documented_genes(space):
    arch = space.parse(EXAMPLE)
    assert arch == (
        16,
        (
            (16, ((1, 3),)),
            (24, ((6, 3), (6, 5))),
            (40, ((4, 5), (4, 5), (4, 5))),
            (80, ((6, 3), (6, 3))),
            (112, ((6, 7),)),
        ),
        512,
    )
    assert space.format(arch) == EXAMPLE
    assert hash(arch) == hash(space.parse(EXAMPLE))
    assert space.canonical_key(arch) == EXAMPLE and space.representative(arch) == arch


def test_closed_form_costs_equal_the_built_network(space):
    rng = random.Random(3)
    archs = [space.sample(rng) for _ in range(20)] + [space.smallest(), space.parse(EXAMPLE)]
    for i, arch in enumerate(archs):
        model = space.build_model(arch, 10)
        assert space.network_costs(arch, 10, 32) == (count_params(model), count_flops(model, 32)), arch
        resolution = (16, 64, 33, 7)[i % 4]  # odd sides exercise the stride-2 rounding
        assert space.network_costs(arch, 10, resolution)[1] == count_flops(model, resolution), (arch, resolution)
        if i % 5 == 0:
            model = space.build_model(arch, 100)
            assert space.network_costs(arch, 100, 33) == (count_params(model), count_flops(model, 33)), arch


def test_example_costs_at_cifar_size(space):
    assert space.network_costs(space.parse(EXAMPLE), 10, 32) == (357_850, 14_094_080)


def test_smallest_is_the_minimum(space):
    small = space.smallest()
    assert space.format(small) == "stem8/c8:e1k3/c16:e1k3/c24:e1k3/c32:e1k3/c48:e1k3/head128"
    params, flops = space.network_costs(small, 10, 32)
    rng = random.Random(0)
    for _ in range(200):
        other = space.mutate(space.sample(rng), rng)
        p, f = space.network_costs(other, 10, 32)
        assert params < p and flops < f


def test_samples_are_valid_in_budget_and_seeded(space):
    assert [space.sample(random.Random(5)) for _ in range(3)] == [space.sample(random.Random(5))] * 3
    rng = random.Random(0)
    draws = [space.sample(rng) for _ in range(300)]
    low, high = space.params_range
    for arch in draws:
        assert space.parse(space.format(arch)) == arch
        assert low <= space.network_costs(arch, 10, 32)[0] <= high
    assert len(set(draws)) == len(draws)
    depths = {len(blocks) for arch in draws for _, blocks in arch[1]}
    assert depths == {1, 2, 3, 4}


def _differences(a, b) -> int:
    """Genes that differ: stem, head, and per stage the width and the block list (a depth change counts once)."""
    count = (a[0] != b[0]) + (a[2] != b[2])
    for (wa, ba), (wb, bb) in zip(a[1], b[1]):
        count += wa != wb
        if len(ba) != len(bb):
            count += 1
        else:
            count += sum(x != y for x, y in zip(ba, bb))
    return count


def test_mutation_is_one_small_valid_change(space):
    rng = random.Random(1)
    low, high = space.params_range
    kinds = set()
    for _ in range(500):
        parent = space.sample(rng)
        child = space.mutate(parent, rng)
        assert child != parent and _differences(parent, child) == 1
        assert space.parse(space.format(child)) == child
        assert low <= space.network_costs(child, 10, 32)[0] <= high
        for (wa, ba), (wb, bb) in zip(parent[1], child[1]):
            assert abs(wa - wb) in (0, 8) and abs(len(ba) - len(bb)) <= 1
            if len(ba) != len(bb):
                kinds.add("depth")
            elif wa != wb:
                kinds.add("width")
            elif ba != bb:
                kinds.add("block")
        if parent[0] != child[0] or parent[2] != child[2]:
            assert abs(parent[0] - child[0]) + abs(parent[2] - child[2]) == 8
            kinds.add("stem/head")
    assert kinds == {"depth", "width", "block", "stem/head"}
    seeded = [space.mutate(parent, random.Random(9)) for _ in range(3)]
    assert seeded[0] == seeded[1] == seeded[2]


def test_mutation_outside_a_tight_budget_still_changes_one_gene():
    tight = MobileNetLikeSpace(params_range=(0, 1))  # nothing fits: the last change is returned anyway
    rng = random.Random(2)
    arch = tight.smallest()
    for _ in range(20):
        child = tight.mutate(arch, rng)
        assert child != arch and _differences(arch, child) == 1
        assert tight.parse(tight.format(child)) == child
        arch = child


def test_crossover_takes_whole_stages_from_the_parents(space):
    rng = random.Random(4)
    low, high = space.params_range
    mixed = 0
    for _ in range(300):
        a, b = space.sample(rng), space.sample(rng)
        child = space.crossover(a, b, rng)
        assert space.parse(space.format(child)) == child
        assert child[0] in (a[0], b[0]) and child[2] in (a[2], b[2])
        assert all(c in (x, y) for c, x, y in zip(child[1], a[1], b[1]))
        assert low <= space.network_costs(child, 10, 32)[0] <= high
        mixed += child not in (a, b)
    assert mixed > 200
    tight = MobileNetLikeSpace(params_range=(0, 1))
    a, b = space.sample(rng), space.sample(rng)
    assert tight.crossover(a, b, rng) in (a, b)  # nothing fits: a parent


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("stem16/c16:e1k3/c24:e6k3/c40:e4k5/c80:e6k3/head512", "7 '/'-separated parts"),
        ("stem16/c12:e1k3/c24:e6k3/c40:e4k5/c80:e6k3/c112:e6k7/head512", "stage 1 width 12"),
        ("stem16/c16:e1k3/c24:e3k3/c40:e4k5/c80:e6k3/c112:e6k7/head512", "unknown expansion e3"),
        ("stem16/c16:e1k3/c24:e6k4/c40:e4k5/c80:e6k3/c112:e6k7/head512", "unknown kernel k4"),
        ("stem16/c16:/c24:e6k3/c40:e4k5/c80:e6k3/c112:e6k7/head512", "block '' in stage 1"),
        ("stem16/c16:e1k3/c24:e6k3,e6k3,e6k3,e6k3,e6k3/c40:e4k5/c80:e6k3/c112:e6k7/head512", "stage 2 has 5 blocks"),
        ("stem16/c16:e1k3/c24:e6k3/c40:e4k5/c80:e6k3/c112:e6k7/head512x", "should read head<width>"),
        ("stem16/c16:e1k3/c24:e6k3/c40:e4k5/c80:e6k3/c112:e6k7/head512/", "7 '/'-separated parts"),
        ("stem16/c16:e1k3/c24:e6k3/c40:e4k5/c80:e6k3/c999:e6k7/head512", "stage 5 width 999"),
        ("stem16/c16:e1k3/c24:e6k3/c40:e4k5/c80:e6k3/c112:e6k7/head8", "head width 8"),
        ("stem16/c16:e1k3/c24:e6k3/c40:e4k5/c80:e6k3/c016:e6k7/head512", "stage 5 '"),
        ("hello;rm -rf\n/", "7 '/'-separated parts"),
        ("", "7 '/'-separated parts"),
    ],
)
def test_malformed_strings_are_rejected_with_one_line(space, text, fragment):
    with pytest.raises(ZeronasError) as info:
        space.parse(text)
    message = str(info.value)
    assert fragment in message and "\n" not in message and "like stem16/" in message


def test_forward_on_real_images(space, cifar10_images):
    info, images, labels = cifar10_images
    torch.manual_seed(0)
    model = space.build_model(space.parse(EXAMPLE), info.num_classes)
    assert any(isinstance(m, nn.ReLU) for m in model.modules())
    assert not any(isinstance(m, nn.ReLU6) for m in model.modules())
    logits = model(images[:2])
    assert logits.shape == (2, 10) and torch.isfinite(logits).all()
    logits.sum().backward()  # trainable end to end
    assert all(p.grad is not None for p in model.parameters())
