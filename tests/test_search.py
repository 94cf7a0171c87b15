import random

import numpy as np
import pytest

from zeronas.errors import ZeronasError
from zeronas.scoring.scorer import Scorer, ScoringSettings
from zeronas.strategies import get_strategy
from zeronas.strategies.constraints import CostModel, cost_constraints, parse_amount
from zeronas.strategies.problem import Budget, SearchProblem

FREEREA = ["naswot", "logsynflow", "skip"]


def make_problem(nats, images, budget, constraints=None, inits=1):
    info, x, y = images
    scorer = Scorer.create(nats, info, FREEREA, x, y, ScoringSettings(inits=inits))
    return SearchProblem(nats, scorer, FREEREA, Budget(budget), constraints or [])


def test_freerea_beats_the_median_random_architecture(nats, cifar10_images, nats_table):
    problem = make_problem(nats, cifar10_images, 100)
    best = get_strategy("freerea").run(problem, random.Random(0))
    info = cifar10_images[0]
    acc = nats_table.test_acc(nats.format(best.arch), info)
    median = float(np.median(nats_table.frame["test_acc_cifar10"]))
    assert problem.scored == 100
    assert acc > median + 1.0, (acc, median)


@pytest.mark.parametrize("strategy", ["freerea", "rea", "random"])
def test_strategies_are_reproducible_and_respect_limits(nats, cifar10_images, strategy):
    info = cifar10_images[0]
    costs = CostModel(nats, info)
    limits = cost_constraints(costs, max_flops="4e7", max_params="3e5")
    picks = []
    for _ in range(2):
        problem = make_problem(nats, cifar10_images, 30, limits)
        get_strategy(strategy).run(problem, random.Random(3))
        assert all(costs.flops(e.arch) <= 4e7 and costs.params(e.arch) <= 3e5 for e in problem.history)
        assert problem.scored == 30
        picks.append([e.key for e in problem.history])
    assert picks[0] == picks[1]


def test_impossible_constraint_fails_before_searching(nats, cifar10_images):
    costs = CostModel(nats, cifar10_images[0])
    with pytest.raises(ZeronasError, match="smallest cell already needs"):
        make_problem(nats, cifar10_images, 10, cost_constraints(costs, max_params="1k"))


def test_constraint_amounts_parse_and_reject_garbage():
    assert parse_amount("1e8", "FLOPs") == 1e8
    assert parse_amount("0.8M", "params") == 8e5
    assert parse_amount("800k", "params") == 8e5
    for bad in ("ten", "-5", "0"):
        with pytest.raises(ZeronasError):
            parse_amount(bad, "FLOPs")


def test_budget_must_be_positive():
    with pytest.raises(ZeronasError):
        Budget(0)
    with pytest.raises(ZeronasError):
        Budget(None, None)
