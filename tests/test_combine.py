"""Combination rules: log-rank (AZ-NAS) values, ranks over everything scored so far, and the depth baseline."""

import math

import numpy as np
import pytest

from zeronas.data.datasets import get_dataset
from zeronas.proxies import ProxyInput, get_proxies
from zeronas.strategies.combine import combiner_pool, log_rank
from zeronas.study import SearchConfig, Study


def test_log_rank_is_the_sum_of_log_relative_ranks_and_ranks_nan_last():
    m = np.array([[1.0, 10.0], [2.0, 30.0], [3.0, 20.0], [np.nan, 99.0]])
    out = log_rank(m)
    n = 3  # the finite rows
    assert out[0] == pytest.approx(2 * math.log(1 / n))
    assert out[1] == pytest.approx(math.log(2 / n) + math.log(3 / n)) == pytest.approx(out[2])
    assert out[3] == -np.inf
    assert combiner_pool("log-rank") == "history" and combiner_pool("freerea") == "group"


def test_rank_rules_rank_over_the_whole_history_during_a_search():
    with Study(SearchConfig(tabular=True, budget=120, combine="log-rank")) as study:
        result = study.run(seed=2)
    problem = result.problem
    history = problem.history
    whole = log_rank(np.array([[e.scores.values[p] for p in problem.fitness_proxies] for e in history]))
    some = history[5:30]  # a population's values are its members' values over everything scored
    assert np.allclose(problem.fitness(some), whole[5:30])
    assert result.best.arch == problem.space.format(history[int(np.argmax(whole))].arch)
    # the best after k networks ranks only those k (what the search would have returned then)
    prefix = history[:40]
    assert (
        problem.best(prefix)
        is prefix[
            int(np.argmax(log_rank(np.array([[e.scores.values[p] for p in problem.fitness_proxies] for e in prefix]))))
        ]
    )


def test_layer_count_baseline_counts_trainable_conv_and_linear_layers(nats):
    (layers,) = get_proxies("layers")
    info = get_dataset("cifar10")
    convs = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    skips = "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|"
    # 15 cells × 6 convs + stem + 2 residual reductions (3 convs each) + classifier; without cell convs: 8
    assert layers.compute(ProxyInput(nats, nats.parse(convs), info)) == 98.0
    assert layers.compute(ProxyInput(nats, nats.parse(skips), info)) == 8.0
