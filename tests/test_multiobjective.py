"""NSGA-II and TF-MOENAS: the front is non-dominated, feasible and reproducible; it is written as CSV and PNG."""

import random
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from zeronas.errors import ZeronasError
from zeronas.strategies.nsga2 import rank_and_crowding
from zeronas.study import SearchConfig, Study, search


def _dominates(a: dict, b: dict, maximise: dict) -> bool:
    better_or_equal = all((a[k] >= b[k]) if maximise[k] else (a[k] <= b[k]) for k in a)
    return better_or_equal and any(a[k] != b[k] for k in a)


def test_rank_and_crowding_follow_pymoo_sorting():
    f = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0], [2.0, 2.0]])
    rank, crowding = rank_and_crowding(f)
    assert rank.tolist() == [0, 0, 0, 1, 2]
    assert np.isinf(crowding[[0, 1]]).all() and np.isfinite(crowding[2])


@pytest.mark.parametrize("objectives", [("score", "flops"), ("score", "latency", "params")])
def test_nsga2_front_is_non_dominated_feasible_and_reproducible(objectives):
    config = SearchConfig(
        strategy="nsga2", tabular=True, budget=200, objectives=objectives, latency="pixel3", max_flops="150M"
    )
    with Study(config) as study:
        first, again = study.run(seed=3), study.run(seed=3)
        other = study.run(seed=4)
    assert [c.arch for c in first.pareto] == [c.arch for c in again.pareto]
    assert [c.arch for c in first.pareto] != [c.arch for c in other.pareto]
    assert first.scored == 200 and len(first.pareto) >= 3
    maximise = {k: k == "score" for k in objectives}
    for c in first.pareto:
        assert c.measured["flops"] <= 150e6
        assert set(c.objectives) == set(objectives)
        assert not any(_dominates(d.objectives, c.objectives, maximise) for d in first.pareto if d is not c)
    # nothing the search scored dominates a front member (the front is over everything scored)
    problem = first.problem
    signs = np.array([-1.0 if k == "score" else 1.0 for k in objectives])
    values = problem.objective_matrix(problem.history) * signs
    front = {c.arch for c in first.pareto}
    for c in first.pareto:
        mine = np.array([c.objectives[k] for k in objectives]) * signs
        assert not any((row <= mine).all() and (row < mine).any() for row in values * signs)
    assert len(front) == len(first.pareto)


def test_nsga2_front_beats_random_search_on_the_same_budget():
    hv = {}
    for strategy in ("nsga2", "random"):
        r = search(strategy=strategy, tabular=True, budget=300, objectives=("score", "flops"), seed=0)
        # area under the front's best score as FLOPs grow: larger = better trade-offs
        points = sorted((c.objectives["flops"], c.objectives["score"]) for c in r.pareto)
        hv[strategy] = sum(s for _, s in points)
        assert r.best.combined == max(c.combined for c in r.pareto)
    assert hv["nsga2"] > hv["random"]


def test_tf_moenas_breeds_on_ntk_and_linear_regions_separately_plus_flops(nats):
    from zeronas.data.datasets import get_dataset
    from zeronas.scoring.tabular import TableScores
    from zeronas.strategies.constraints import CostModel
    from zeronas.strategies.nsga2 import TFMoenas
    from zeronas.strategies.objectives import build_objectives
    from zeronas.strategies.problem import Budget, SearchProblem, SimulatedClock

    archs = nats.all()  # a synthetic table: ntk and nregions pull in different directions
    frame = pd.DataFrame(
        {
            "index": range(len(archs)),
            "arch": [nats.format(a) for a in archs],
            "ntk": [-float((i * 7919) % 10007) for i in range(len(archs))],
            "nregions": [float((i * 104729) % 9973) for i in range(len(archs))],
            "ntk_s": 1.0,
            "nregions_s": 1.0,
        }
    )
    costs = CostModel(nats, get_dataset("cifar10"))
    strategy = TFMoenas(population=10)
    assert strategy.fitness == ("ntk", "nregions") and strategy.objectives == ("score", "flops")

    def run(seed):
        problem = SearchProblem(
            nats,
            TableScores(nats, frame, ["ntk", "nregions"]),
            ["ntk", "nregions"],
            Budget(120),
            clock=SimulatedClock(),
            objectives=build_objectives(("score", "flops"), costs),
        )
        strategy.run(problem, random.Random(seed))
        return problem

    problem = run(0)
    assert problem.scored == 120 and [e.key for e in run(0).history] == [e.key for e in problem.history]
    f = problem.objective_matrix(problem.history, split_score=True)  # ntk, nregions, flops: all minimised
    assert f.shape == (120, 3)
    last = problem.history[-40:]  # the survivors of a generation are never all dominated by the first samples
    rank, _ = rank_and_crowding(problem.objective_matrix(last, split_score=True))
    assert (rank == 0).sum() >= 2


def test_latency_options_that_disagree_are_one_line_errors():
    with pytest.raises(ZeronasError, match="two devices"):
        search(tabular=True, budget=5, latency="edgegpu", max_latency="pixel3:5")
    with pytest.raises(ZeronasError, match="one latency limit"):
        search(tabular=True, budget=5, max_latency="pixel3:5", max_latency_ms=3)
    with pytest.raises(ZeronasError, match="unknown latency device"):
        search(tabular=True, budget=5, latency="toaster", objectives=("score", "latency"))
    with pytest.raises(ZeronasError, match="no architecture"):
        search(tabular=True, budget=5, latency="pixel3", max_latency_ms=0.001)


def test_cli_writes_the_front_as_csv_and_png(tmp_path):
    out = tmp_path / "front"
    run = subprocess.run(
        [sys.executable, "-m", "zeronas.cli.main", "search", "--tabular", "default", "--strategy", "nsga2"]
        + ["--objectives", "score,latency", "--latency", "edgegpu", "--budget", "150", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    front = pd.read_csv(out / "front.csv")
    assert {"arch", "score", "latency", "test_acc"} <= set(front.columns) and len(front) >= 3
    assert front["latency"].is_monotonic_increasing and front["score"].is_monotonic_increasing
    assert (out / "front.png").read_bytes()[:4] == b"\x89PNG"
    assert "latency:edgegpu" in run.stdout and "HW-NAS-Bench" in run.stdout


def test_measured_latency_search_on_the_macro_space_caches_by_device(tmp_path, shared):
    images = shared / "datasets" / "cifar10-jpeg-small" / "train"
    config = SearchConfig(
        space="mobilenet-like",
        images=str(images),
        strategy="nsga2",
        objectives=("score", "latency"),
        max_latency_ms=60.0,
        latency_runs=3,
        budget=4,
        proxies=("logsynflow",),
        strategy_options={"population": 2},
        store=str(tmp_path / "z.sqlite"),
    )
    first = search(config)
    assert first.latency_device == "torch" and first.latency_measurements >= 4
    assert "measured on this machine" in first.latency_source
    for c in first.pareto:
        assert 0 < c.objectives["latency"] <= 60.0 == first.constraints["latency:torch"]
        assert c.measured["latency:torch"] == c.objectives["latency"]
    again = search(config)  # same device fingerprint: every latency comes from the store
    assert again.latency_measurements == 0
    assert [c.objectives for c in again.pareto] == [c.objectives for c in first.pareto]


def test_impossible_measured_limit_and_bad_strategy_settings_fail_before_searching():
    with pytest.raises(ZeronasError, match="smallest cell already needs"):
        search(space="mobilenet-like", budget=2, max_latency_ms=1e-4, latency_runs=2, proxies=("logsynflow",))
    with pytest.raises(ZeronasError, match="no setting 'pop'"):
        search(tabular=True, budget=5, strategy="nsga2", strategy_options={"pop": 3})
    with pytest.raises(ZeronasError, match="thin twin"):
        search(space="mobilenet-like", budget=2, strategy="tf-moenas", workers=1)
