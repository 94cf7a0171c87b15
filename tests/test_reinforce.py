"""REINFORCE, the training-based baseline of NATS-Bench, on the benchmark's 12-epoch results and on proxies."""

import pytest

from zeronas.errors import ZeronasError
from zeronas.study import SearchConfig, search

TRAINING = dict(strategy="reinforce", tabular=True, signal="training", proxies=("valid_acc_12ep",))


def test_reinforce_is_valid_feasible_and_seeded():
    a = search(SearchConfig(**TRAINING, budget=40, seed=3, dataset="cifar10", max_params="0.5M"))
    b = search(SearchConfig(**TRAINING, budget=40, seed=3, dataset="cifar10", max_params="0.5M"))
    history = a.problem.history
    assert a.scored == 40 and all(a.problem.feasible(e.arch) for e in history)
    assert [e.arch for e in history] == [e.arch for e in b.problem.history] and a.arch == b.arch
    other = search(SearchConfig(**TRAINING, budget=40, seed=4, dataset="cifar10", max_params="0.5M"))
    assert [e.arch for e in other.problem.history] != [e.arch for e in history]
    assert a.params_m <= 0.5 and a.test_acc <= a.optimum_acc


def test_reinforce_learns_on_the_training_signal():
    result = search(SearchConfig(**TRAINING, budget=200, seed=0, dataset="cifar10"))
    first, last = result.problem.history[:50], result.problem.history[-50:]
    mean = lambda evs: sum(e.scores.values["valid_acc_12ep"] for e in evs) / len(evs)  # noqa: E731
    assert mean(last) > mean(first)  # the policy moves towards better cells


def test_reinforce_runs_on_proxies_and_refuses_a_space_without_independent_decisions():
    assert search(SearchConfig(strategy="reinforce", tabular=True, budget=30, seed=1)).scored == 30
    with pytest.raises(ZeronasError, match="reinforce needs a space of independent decisions"):
        search(SearchConfig(space="nasbench101", strategy="reinforce", budget=2, proxies=("skip",)))
