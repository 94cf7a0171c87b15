import random

import pytest

from zeronas.data.datasets import DATASETS
from zeronas.costs import count_params
from zeronas.errors import ZeronasError

ALL_CONV3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_every_table_string_round_trips(nats, nats_table):
    archs = nats_table.frame["arch"]
    assert len(archs) == 15625
    parsed = {nats.parse(a) for a in archs}
    assert parsed == set(nats.all())  # the table is exactly the space
    assert all(nats.format(nats.parse(a)) == a for a in archs)


def test_index_and_string_agree_with_table(nats_table):
    assert nats_table.index_of(nats_table.arch_of(0)) == 0
    assert nats_table.arch_of(6111) == nats_table.optimum(DATASETS["cifar10"])[0]


@pytest.mark.parametrize("text, fragment", [
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|", "3 '+'-separated"),
    ("|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv_5x5'"),
    ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "should read '<op>~0'"),
    ("|none~0|+|none~0|+|none~0|none~1|none~2|", "needs 2 incoming edges"),
    ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "enclosed in '|'"),
    ("", "3 '+'-separated"),
])
def test_malformed_strings_are_rejected_with_one_line(nats, text, fragment):
    with pytest.raises(ZeronasError) as info:
        nats.parse(text)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_params_equal_table_exactly_on_300_seeded_rows(nats, nats_table):
    rows = nats_table.frame.sample(300, random_state=0)
    for info in DATASETS.values():
        col = f"params_m_{info.table_suffix}"
        for arch, expected in zip(rows["arch"], rows[col]):
            got = count_params(nats.build_model(nats.parse(arch), info.num_classes))
            assert round(got / 1e6, 6) == pytest.approx(expected, abs=5e-7), (arch, info.name)


def test_sampling_is_uniform_and_seeded(nats):
    a = [nats.sample(random.Random(7)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng = random.Random(0)
    draws = [nats.sample(rng) for _ in range(5000)]
    counts = {op: sum(d[0] == op for d in draws) for op in nats.ops}
    assert all(850 < c < 1150 for c in counts.values()), counts


def test_mutation_changes_exactly_one_edge(nats, rng):
    for _ in range(2000):
        parent = nats.sample(rng)
        child = nats.mutate(parent, rng)
        assert sum(x != y for x, y in zip(parent, child)) == 1
        assert nats.parse(nats.format(child)) == child


def test_crossover_takes_each_edge_from_a_parent(nats, rng):
    mixed = 0
    for _ in range(2000):
        a, b = nats.sample(rng), nats.sample(rng)
        child = nats.crossover(a, b, rng)
        assert all(c in (x, y) for c, x, y in zip(child, a, b))
        mixed += child not in (a, b)
    assert mixed > 1000  # it really mixes


def test_canonical_key_merges_known_equivalent_cells(nats):
    key = lambda s: nats.canonical_key(nats.parse(s))  # noqa: E731
    # edge 0->1 is dead when node 1 feeds nothing that reaches the output
    assert key("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|") == \
        key("|avg_pool_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|")
    # isomorphic: nodes 1 and 2 swap roles
    assert key("|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|none~0|skip_connect~1|nor_conv_1x1~2|") == \
        key("|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_1x1~1|skip_connect~2|")
    # a skip chain is the same as a direct edge
    assert key("|skip_connect~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|") == \
        key("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")
    # genuinely different networks stay apart
    assert key(ALL_CONV3) != key(ALL_CONV3.replace("nor_conv_3x3~2", "nor_conv_1x1~2"))
    assert key("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|") != \
        key("|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|")


def test_representative_is_equivalent_and_minimal(nats):
    assert 4000 < nats.num_unique() < 6466  # NAS-Bench-201 reports 6466 non-isomorphic cells
    for arch in random.Random(3).sample(nats.all(), 500):
        rep = nats.representative(arch)
        assert nats.canonical_key(rep) == nats.canonical_key(arch)
        assert sum(op != "none" for op in rep) <= sum(op != "none" for op in arch)


def test_skip_score_follows_freerea(nats):
    assert nats.skip_score(nats.parse(ALL_CONV3)) == 0.0
    s = "|skip_connect~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"  # jumps 0 and 2 nodes
    assert nats.skip_score(nats.parse(s)) == 1.0
