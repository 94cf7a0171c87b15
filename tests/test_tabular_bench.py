"""Tabular replay and `zeronas bench`: same picks as live scoring, honest simulated clocks, end-to-end run."""

import json
import random
import subprocess
import sys

import pandas as pd
import pytest

from zeronas.bench.tables import export_table
from zeronas.data.datasets import get_dataset
from zeronas.errors import ZeronasError
from zeronas.scoring.scorer import Scores
from zeronas.scoring.tabular import TableScores, TrainingScores
from zeronas.strategies.problem import Budget, SearchProblem, SimulatedClock
from zeronas.study import search

PROXIES = ["naswot", "logsynflow", "skip"]


def test_tabular_and_live_pick_the_same_network(tmp_path, nats):
    live = search(
        dataset="imagenet16-120",
        budget=10,
        seed=5,
        proxies=tuple(PROXIES),
        ground_truth=False,
        store=str(tmp_path / "live.sqlite"),
    )
    # the table holds exactly the scores the live search computed (read back from its store)
    from zeronas.store import open_store

    store = open_store(tmp_path / "live.sqlite")
    scores = store.all_scores("nats-tss", "imagenet16-120", "inits=3,batch=64,seed=5", PROXIES)
    steps = store.trajectory(store.runs()[0]["run_id"])
    rows = pd.DataFrame({"index": range(len(steps)), "arch": [s["arch"] for s in steps]})
    path = export_table(nats, rows, scores, PROXIES, tmp_path / "t.csv.gz")
    assert len(path) == 10
    replayed = search(
        dataset="imagenet16-120",
        budget=10,
        seed=5,
        proxies=tuple(PROXIES),
        ground_truth=False,
        tabular=str(tmp_path / "t.csv.gz"),
        store=str(tmp_path / "live.sqlite"),
    )
    assert replayed.arch == live.arch and replayed.scores == pytest.approx(live.scores)
    second = store.trajectory(store.runs()[1]["run_id"])
    assert [s["arch"] for s in second] == [s["arch"] for s in steps]  # same proposals, same order
    # the simulated clock advanced by exactly the recorded seconds
    total = sum(scores[nats.canonical_key(nats.parse(s["arch"]))].total_seconds for s in steps)
    assert second[-1]["clock"] == pytest.approx(total)


def _synthetic(nats, seconds):
    archs = nats.all()
    return pd.DataFrame(
        {
            "index": range(len(archs)),
            "arch": [nats.format(a) for a in archs],
            "naswot": [float((i * 7919) % 10007) for i in range(len(archs))],
            "naswot_s": seconds,
        }
    )


def test_time_budget_on_the_simulated_clock(nats):
    frame = _synthetic(nats, 2.0)
    problem = SearchProblem(
        nats, TableScores(nats, frame, ["naswot"]), ["naswot"], Budget(None, 21.0), clock=SimulatedClock()
    )
    from zeronas.strategies import get_strategy

    get_strategy("random").run(problem, random.Random(0))
    assert problem.clock.now() >= 21.0 and problem.scored <= 12  # stops once 21 s of 2 s networks are spent
    assert problem.clock.now() == 22.0 and problem.scored == 11  # the first network past the budget is the last
    freerea = SearchProblem(
        nats, TableScores(nats, frame, ["naswot"]), ["naswot"], Budget(None, 21.0), clock=SimulatedClock()
    )
    get_strategy("freerea").run(freerea, random.Random(0))  # its first population is 25 networks at once
    assert freerea.clock.now() == 22.0 and freerea.scored == 11
    with pytest.raises(ZeronasError, match="no column for proxy 'synflow'"):
        TableScores(nats, frame, ["synflow"])


def test_training_reference_costs_twelve_epochs_and_cifar100_borrows_cifar10_time(nats, nats_table):
    arch = nats.parse(nats_table.frame["arch"].iloc[7])
    row = nats_table.frame.iloc[7]
    (c100,) = TrainingScores(nats, nats_table.frame, get_dataset("cifar100")).score_many([arch])
    assert c100.values["valid_acc_12ep"] == row["valid_acc_12ep_cifar100"]
    assert c100.total_seconds == pytest.approx(12 * row["train_s_per_epoch_cifar10"])


def test_naswot_rank_returns_the_best_naswot_seen(nats):
    from zeronas.strategies.naswot_rank import NaswotRank

    problem = SearchProblem(
        nats, TableScores(nats, _synthetic(nats, 1.0), ["naswot"]), ["naswot"], Budget(500), clock=SimulatedClock()
    )
    best = NaswotRank(samples=60).run(problem, random.Random(3))
    assert problem.scored <= 60 and problem.clock.now() == problem.scored
    assert best.scores.values["naswot"] == max(e.scores.values["naswot"] for e in problem.history)
    # the strategy's own signal is always computed, beside the proxies asked for
    result = search(strategy="naswot-rank", proxies=("skip",), tabular=True, budget=5)
    assert set(result.scores) == {"skip", "naswot"}


def test_export_refuses_an_incomplete_store(nats, tmp_path):
    a, b = nats.smallest(), nats.all()[-1]
    assert nats.canonical_key(a) != nats.canonical_key(b)
    rows = pd.DataFrame({"index": [0, 1], "arch": [nats.format(a), nats.format(b)]})
    one = {nats.canonical_key(a): Scores({"skip": 0.0}, {"skip": 0.0})}
    with pytest.raises(ZeronasError, match="not scored yet"):
        export_table(nats, rows, one, ["skip"], tmp_path / "x.csv.gz")


def test_tiny_bench_end_to_end_and_resume(tmp_path):
    out = tmp_path / "bench"
    args = [
        sys.executable,
        "-m",
        "zeronas.cli.main",
        "bench",
        "--datasets",
        "imagenet16-120",
        "--runs",
        "2",
        "--budget",
        "20",
        "--naswot-samples",
        "30",
        "--constraints",
        "1e8:8e5",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    t3 = pd.read_csv(out / "table3.csv")
    assert {"FreeREA", "Random", "NASWOT (N=30)", "Optimum"} <= set(t3["method"])
    optimum = t3.loc[t3["method"] == "Optimum", "imagenet16-120 mean"].item()
    assert optimum == pytest.approx(47.3111, abs=1e-3)
    published = t3[t3["method"].str.contains("published")].set_index("method")["imagenet16-120 mean"]
    assert published.to_dict() == {
        "FreeREA, published (Cavagnero et al. 2023, Table 3)": 46.34,
        "TE-NAS, published (Chen et al. 2021, Table 1)": 42.38,
    }
    found = t3.loc[t3["method"] != "Optimum", "imagenet16-120 mean"]
    assert ((found > 10) & (found <= optimum)).all()
    train = t3[t3["method"].str.contains("training")]
    free_s = t3.loc[t3["method"] == "FreeREA", "imagenet16-120 search s"].item()
    assert (train["imagenet16-120 search s"] > free_s).all()
    t5 = pd.read_csv(out / "table5.csv")
    assert len(t5) == 1 and t5["regret"].item() >= 0 and t5["best index"].item() == 8162
    report = (out / "report.md").read_text()
    assert "Table 3" in report and "Table 5" in report and "zeronas bench" in report
    assert (out / "anytime-imagenet16-120.png").stat().st_size > 10_000
    lines = (out / "runs.jsonl").read_text().splitlines()
    assert len(lines) == 2 * 8 + 2 and all(json.loads(ln)["curve"] for ln in lines)
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)  # resume: nothing runs again
    assert r.returncode == 0 and (out / "runs.jsonl").read_text().splitlines() == lines


@pytest.mark.parametrize(
    "args, message",
    [
        (["bench", "--runs", "0"], "at least 1"),
        (["bench", "--constraints", "1e8"], "MAXFLOPS:MAXPARAMS"),
        (["bench", "--tables", "/nonexistent"], "score table not found"),
        (["bench", "--inits", "1"], "--inits applies to live searches"),
        (["bench", "--space", "nasbench101", "--inits", "0"], "--inits must be at least 1"),
        (["search", "--tabular", "/nonexistent.csv.gz"], "score table not found"),
    ],
)
def test_bench_bad_input_is_one_line(args, message, tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "zeronas.cli.main",
            *args,
            "--out" if args[0] == "bench" else "--seed",
            str(tmp_path) if args[0] == "bench" else "0",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and message in lines[0], r.stderr


def test_export_table_reuses_a_time_model_and_records_provenance(nats, tmp_path):
    """--time-model-json prices every row with an earlier table's coefficients (no refit on the store's
    seconds), and --provenance lands in the table's .json."""
    from zeronas.store import open_store

    store = open_store(tmp_path / "s.sqlite")
    keys = sorted({nats.canonical_key(a) for a in nats.all()})
    for i, key in enumerate(keys):
        store.put(
            "nats-tss",
            "cifar10",
            "inits=3,batch=64,seed=0",
            key,
            Scores({"skip": 0.5, "flops": float(i)}, {"skip": 99.0, "flops": 99.0}),
        )
    store.close()
    earlier = tmp_path / "old.json"
    earlier.write_text(
        json.dumps(
            {
                "time_model": {"skip": [0.25, 0.5], "flops": [1.0, 0.0], "naswot": [2, 3]},
                "time_model_from": "runs/old.sqlite",
                "time_model_networks": 7,
            }
        )
    )
    (tmp_path / "prov.json").write_text(json.dumps({"copied": 1, "computed": 2}))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "zeronas.cli.main",
            "export-table",
            "--dataset",
            "cifar10",
            "--proxies",
            "skip,flops",
            "--store",
            str(tmp_path / "s.sqlite"),
            "--out",
            str(tmp_path),
            "--time-model-json",
            str(earlier),
            "--provenance",
            str(tmp_path / "prov.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(tmp_path / "nats-tss-cifar10.csv.gz")
    assert len(table) == 15625
    assert table["skip_s"].to_numpy() == pytest.approx(0.25 + 0.5 * table["flops"].to_numpy(), rel=1e-6)
    assert (table["flops_s"] == 1.0).all()
    meta = json.loads((tmp_path / "nats-tss-cifar10.json").read_text())
    assert meta["time_model"] == {"skip": [0.25, 0.5], "flops": [1.0, 0.0]} and meta["networks"] == len(keys)
    assert meta["time_model_reused_from"] == str(earlier) and meta["time_model_networks"] == 7
    assert meta["provenance"] == {"copied": 1, "computed": 2}
