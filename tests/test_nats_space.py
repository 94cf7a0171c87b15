import itertools
import random

import pytest

from zeronas.costs import count_params
from zeronas.data.datasets import DATASETS
from zeronas.errors import ZeronasError
from zeronas.spaces.nats_tss import EDGES

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


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|", "3 '+'-separated"),
        ("|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv_5x5'"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "should read '<op>~0'"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "needs 2 incoming edges"),
        ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "enclosed in '|'"),
        ("", "3 '+'-separated"),
    ],
)
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
    assert key("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|") == key(
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|"
    )
    # isomorphic: nodes 1 and 2 swap roles
    assert key("|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|none~0|skip_connect~1|nor_conv_1x1~2|") == key(
        "|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_1x1~1|skip_connect~2|"
    )
    # a skip chain is the same as a direct edge
    assert key("|skip_connect~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|") == key(
        "|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"
    )
    # edges out of a node with no input vanish, whatever their op
    assert key("|none~0|+|none~0|nor_conv_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|") == key(
        "|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|"
    )
    # avg_pool has no weights: two pools of x are the computation of one pool of x counted twice
    assert key("|avg_pool_3x3~0|+|avg_pool_3x3~0|skip_connect~1|+|skip_connect~0|none~1|skip_connect~2|") == key(
        "|avg_pool_3x3~0|+|skip_connect~0|skip_connect~1|+|none~0|skip_connect~1|skip_connect~2|"
    )
    # genuinely different networks stay apart
    assert key(ALL_CONV3) != key(ALL_CONV3.replace("nor_conv_3x3~2", "nor_conv_1x1~2"))
    assert key("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|") != key(
        "|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|"
    )


# x + 2·conv(x): one conv reached through two skip paths (NATS index 15019, 0.316346 M params on CIFAR-10)
ONE_CONV_TWICE = "|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|+|none~0|skip_connect~1|skip_connect~2|"
# x + conv₁(x) + conv₂(x): two convs with their own weights (0.559386 M params)
TWO_CONVS = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|none~1|skip_connect~2|"


def test_canonical_key_keeps_module_identity(nats, nats_table):
    key = lambda s: nats.canonical_key(nats.parse(s))  # noqa: E731
    assert nats_table.index_of(ONE_CONV_TWICE) == 15019
    assert key(ONE_CONV_TWICE) != key(TWO_CONVS)
    assert key(ONE_CONV_TWICE) == key(
        "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
    )  # the same conv, reached through another pair of skips
    # conv3(conv1(x)) + conv4(conv1(x)) with one shared conv1, against two separate conv1s
    shared = "|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|none~0|nor_conv_3x3~1|skip_connect~2|"
    separate = "|nor_conv_1x1~0|+|nor_conv_1x1~0|none~1|+|none~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    assert key(shared) != key(separate)
    # #15019 now shares its key (and so its scores) only with networks of its own size
    row = nats_table.frame.set_index("arch")["params_m_cifar10"]
    rep = nats.format(nats.representative(nats.parse(ONE_CONV_TWICE)))
    assert row[ONE_CONV_TWICE] == row[rep] == 0.316346
    assert row[nats.format(nats.representative(nats.parse(TWO_CONVS)))] == 0.559386


def test_representative_is_equivalent_and_minimal(nats):
    assert nats.num_unique() == 5260  # NAS-Bench-201 reports 6466 non-isomorphic cells (before pruning)
    rank = {op: i for i, op in enumerate(nats.ops)}
    order = lambda a: (sum(op != "none" for op in a), [rank[op] for op in a])  # noqa: E731
    for arch in nats.all():
        rep = nats.representative(arch)
        assert nats.canonical_key(rep) == nats.canonical_key(arch)
        assert order(rep) <= order(arch)


def _pruned_graph(arch):
    """The cell's computation as a labelled graph, built independently of the key: vertices 'x', one per
    op edge that is neither none nor skip, and 'out'; the arc u -> v weighs the number of skip-only paths
    from the node u writes to the node v reads. Nodes with no nonzero input are zero (their edges go),
    modules that reach no output go, and avg_pool vertices with equal input arcs (parameter-free, hence
    one computation) are merged."""
    op = dict(zip(EDGES, arch))
    nonzero = [True, False, False, False]
    for t in (1, 2, 3):
        nonzero[t] = any(op[t, s] != "none" and nonzero[s] for s in range(t))
    live_op = {e: o for e, o in op.items() if o != "none" and nonzero[e[1]]}
    paths = [[int(u == v) for v in range(4)] for u in range(4)]
    for v in range(4):
        for u in range(v):
            paths[u][v] = sum(paths[u][w] for w in range(v) if live_op.get((v, w)) == "skip_connect")
    mods = [e for e, o in live_op.items() if o != "skip_connect"]
    writes = {"x": 0, **{m: m[0] for m in mods}}
    arcs = {
        (u, v): paths[writes[u]][3 if v == "out" else v[1]]
        for u in ["x", *mods]
        for v in [*mods, "out"]
        if paths[writes[u]][3 if v == "out" else v[1]]
    }
    live, grew = {"out"}, True
    while grew:
        grew = False
        for u, v in list(arcs):
            if v in live and u not in live:
                live.add(u)
                grew = True
    mods = [m for m in mods if m in live]
    arcs = {(u, v): n for (u, v), n in arcs.items() if u in live and v in live}
    inputs = lambda m: {u: n for (u, v), n in arcs.items() if v == m}  # noqa: E731
    while True:
        twins = [
            (a, b)
            for a, b in itertools.combinations(mods, 2)
            if live_op[a] == live_op[b] == "avg_pool_3x3" and inputs(a) == inputs(b)
        ]
        if not twins:
            break
        a, b = twins[0]
        for (u, v), n in list(arcs.items()):
            if u == b:
                arcs[a, v] = arcs.get((a, v), 0) + n
            if b in (u, v):
                del arcs[u, v]
        mods.remove(b)
    return {m: live_op[m] for m in mods}, arcs


def _brute_canonical(graph):
    """Smallest (ops, weight matrix) over every op-preserving order of the modules: equal iff isomorphic."""
    ops, arcs = graph
    groups = [list(g) for _, g in itertools.groupby(sorted(ops, key=ops.get), key=ops.get)]
    forms = []
    for order in itertools.product(*(itertools.permutations(g) for g in groups)):
        vertices = ["x", *(m for g in order for m in g), "out"]
        forms.append(
            (tuple(ops[m] for m in vertices[1:-1]), tuple(arcs.get((u, v), 0) for u in vertices for v in vertices))
        )
    return min(forms)


def test_key_equality_is_graph_isomorphism_over_the_whole_space(nats):
    keys, graphs = {}, {}
    for arch in nats.all():
        keys.setdefault(nats.canonical_key(arch), set()).add(_brute_canonical(_pruned_graph(arch)))
        graphs.setdefault(_brute_canonical(_pruned_graph(arch)), set()).add(nats.canonical_key(arch))
    assert all(len(forms) == 1 for forms in keys.values())  # equal key => isomorphic
    assert all(len(ks) == 1 for ks in graphs.values())  # isomorphic => equal key
    assert len(keys) == len(graphs) == 5260


def test_every_class_has_one_network_size(nats, nats_table):
    """Cells sharing a key share their scores, so they must be one network: same NATS params once the
    weights of dead edges (which the benchmark's network still holds) are taken off."""
    empty = count_params(nats.build_model(nats.smallest(), 10))
    per_op = {
        op: count_params(nats.build_model(("none",) * 5 + (op,), 10)) - empty for op in ("nor_conv_1x1", "nor_conv_3x3")
    }
    frame = nats_table.frame
    keys, dead = [], []
    for text in frame["arch"]:
        arch = nats.parse(text)
        live = _pruned_graph(arch)[0]
        keys.append(nats.canonical_key(arch))
        dead.append(sum(per_op.get(op, 0) for e, op in zip(EDGES, arch) if e not in live))
    for info in DATASETS.values():
        live_params = (frame[f"params_m_{info.table_suffix}"] * 1e6 - dead).round()
        spread = live_params.groupby(keys).nunique()
        assert spread.max() == 1, (info.name, spread.idxmax())


def test_skip_score_follows_freerea(nats):
    assert nats.skip_score(nats.parse(ALL_CONV3)) == 0.0
    s = "|skip_connect~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"  # jumps 0 and 2 nodes
    assert nats.skip_score(nats.parse(s)) == 1.0
