"""FreeREA's own NAS-Bench-101 pieces: its skip score, its plain-sum combination, its moves, and the strategy
options that select them."""

import random

import numpy as np
import pytest

from zeronas.errors import ZeronasError
from zeronas.proxies.skip_freerea101 import freerea_skip101
from zeronas.spaces import get_space
from zeronas.spaces import nasbench101_freerea_moves as moves
from zeronas.strategies import get_strategy
from zeronas.strategies.combine import get_combiner
from zeronas.study import search


@pytest.fixture(scope="module")
def nb101():
    return get_space("nasbench101")


@pytest.mark.parametrize(
    "text, reference, ours",
    [
        ("conv3x3:0|conv3x3:1|out:2", 0.0, 0.0),  # a chain skips nothing
        ("conv3x3:0|conv3x3:1|out:0,2", 2.0, 0.0),  # the output's edge counts (v-1-u = 2), the 2→out one adds 0
        # 0→4 jumps 3; then the output's sources 0 and 4 add 4 and 0 to the carried 3: (3+3+7+7)/4
        ("conv3x3:0|conv3x3:1|conv3x3:2|conv3x3:0,3|out:0,4", 5.0, 3.0),
    ],
)
def test_skip_as_freereas_code_computes_it(nb101, text, reference, ours):
    cell = nb101.parse(text)
    assert freerea_skip101(cell.matrix) == reference
    assert nb101.skip_score(cell) == ours


def test_skip_freerea101_is_nasbench101_only():
    with pytest.raises(ZeronasError, match="not defined for nats-tss"):
        search(dataset="cifar10", proxies=("skip_freerea101",), budget=2, ground_truth=False)


def test_freerea_sum_has_no_std_term():
    m = np.array([[1.0, 4.0], [2.0, 2.0], [np.nan, 1.0]])
    out = get_combiner("freerea-sum")(m)
    assert out[:2] == pytest.approx([0.5 + 1.0, 1.0 + 0.5]) and out[2] == -np.inf
    assert get_combiner("freerea")(m)[0] < out[0]  # FreeREA's paper rule subtracts the std across proxies


def test_moves_give_valid_new_cells_and_repeat_with_the_seed(nb101):
    mutate, crossover = nb101.moves("freerea")
    rng = random.Random(0)
    parents = [nb101.sample(rng) for _ in range(60)]
    kids = []
    for a, b in zip(parents, parents[1:]):
        child = mutate(a, rng)
        assert nb101.canonical_key(child) != nb101.canonical_key(a)
        mixed = crossover(a, b, rng)
        for c in (child, mixed):
            assert c.num_vertices <= 7 and c.num_edges <= 9 and nb101.parse(nb101.format(c)) == c
        kids.append((child, mixed))
    rng = random.Random(0)
    parents_again = [nb101.sample(rng) for _ in range(60)]
    assert [(mutate(a, rng), crossover(a, b, rng)) for a, b in zip(parents_again, parents_again[1:])] == kids


def test_adding_a_vertex_does_not_renumber_later_sources():
    genes = [(0, [0]), (1, [1]), (moves.OUT, [2])]  # conv3x3:0|conv1x1:1|out:2

    class Fixed(random.Random):
        def randrange(self, *args):  # position 2, then source 0
            return 2 if len(args) == 2 else 0

    moves._add_vertex(genes, Fixed())
    # the new vertex sits at 2; conv1x1 (now vertex 3) still reads vertex 1, the output still reads vertex 2
    assert genes == [(0, [0]), (0, [0]), (1, [1]), (moves.OUT, [2])]


def test_removing_a_vertex_clips_later_sources():
    genes = [(0, [0]), (1, [1]), (2, [0, 2]), (moves.OUT, [3])]
    rng = random.Random()
    rng.randrange = lambda n: 1  # delete vertex 2 (conv1x1)
    moves._remove_vertex(genes, rng)
    assert genes == [(0, [0]), (2, [0, 1]), (moves.OUT, [2])]


def test_faithful_freerea_search_on_nasbench101(nb101):
    options = {"moves": "freerea", "population": 10, "tournament": 4, "normalise": "tournament"}
    kwargs = dict(space="nasbench101", proxies=("skip_freerea101", "params"), combine="freerea-sum", budget=30)
    first = search(strategy_options=options, seed=2, **kwargs)
    again = search(strategy_options=options, seed=2, **kwargs)
    assert first.scored == 30 and first.arch == again.arch and 80 < first.test_acc < 96
    best = nb101.parse(first.arch)
    assert first.scores["skip_freerea101"] == freerea_skip101(best.matrix)


@pytest.mark.parametrize(
    "options, message",
    [({"moves": "freerea"}, "nats-tss has no move set 'freerea'; it has: space"), ({"normalise": "x"}, "normalise")],
)
def test_bad_strategy_options_are_one_line(options, message):
    with pytest.raises(ZeronasError, match=message):
        search(dataset="cifar10", tabular=True, budget=10, strategy_options=options)
    assert get_strategy("freerea", moves="freerea").moves == "freerea"
