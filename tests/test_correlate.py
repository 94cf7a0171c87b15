"""`zeronas correlate`: sampling, rank correlation, outputs, resume from the store, constrained views."""

import json
import math
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from zeronas.analysis.correlate import CorrelateJob, parse_combinations, rank_correlation, run_correlate
from zeronas.data.datasets import get_dataset
from zeronas.errors import ZeronasError
from zeronas.groundtruth.hwnas import HwNasTable
from zeronas.scoring.scorer import Scorer
from zeronas.strategies.constraints import CostModel

CHEAP = ("params", "flops", "logsynflow", "skip")


def zeronas(*args):
    return subprocess.run(
        [sys.executable, "-m", "zeronas.cli.main", *args], capture_output=True, text=True, timeout=600
    )


def test_rank_correlation_ranks_nan_last():
    acc = [1.0, 2.0, 3.0, 4.0]
    assert rank_correlation([10, 20, 30, 40], acc) == pytest.approx((1.0, 1.0))
    assert rank_correlation([np.nan, 20, 30, 40], acc) == pytest.approx((1.0, 1.0))  # NaN = worst
    assert rank_correlation([20, 30, 40, np.nan], acc)[0] == pytest.approx(0.0)  # best cell scored NaN


def test_combinations_are_checked_against_the_scored_proxies():
    assert parse_combinations(["rank", "freerea:params+skip"], ["params", "skip", "flops"]) == [
        ("rank(params+skip+flops)", "rank", ["params", "skip", "flops"]),
        ("freerea(params+skip)", "freerea", ["params", "skip"]),
    ]
    with pytest.raises(ZeronasError, match="'naswot', which is not in --proxies"):
        parse_combinations(["rank:params+naswot"], ["params"])
    with pytest.raises(ZeronasError, match="unknown score combination"):
        parse_combinations(["median"], ["params"])


def test_correlate_end_to_end_writes_table_csv_and_plots(tmp_path):
    out = tmp_path / "out"
    r = zeronas(
        "correlate",
        "--sample",
        "12",
        "--seed",
        "0",
        "--proxies",
        ",".join(CHEAP),
        "--combine",
        "rank",
        "--store",
        str(tmp_path / "s.sqlite"),
        "--out",
        str(out),
        "--plot",
    )
    assert r.returncode == 0, r.stderr
    squeezed = re.sub(r" +", " ", r.stdout)  # Markdown cells are padded to the column width
    assert "| proxy | Kendall τ |" in squeezed and "| rank(params+flops+logsynflow+skip) |" in squeezed
    summary = pd.read_csv(out / "correlations.csv")
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == 12 and scores["index"].is_unique and list(summary["proxy"][:4]) == list(CHEAP)
    assert summary["kendall_tau"].between(-1, 1).all() and (summary["seconds_per_arch"] >= 0).all()
    tau = dict(zip(summary["proxy"], summary["kendall_tau"]))
    assert tau["params"] == pytest.approx(tau["flops"]) and tau["params"] > 0.3  # bigger is better, on NATS
    for p in CHEAP:
        assert (out / f"scatter_{p}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_scores_only_what_the_store_lacks(tmp_path, monkeypatch):
    calls = []
    measure = Scorer.measure

    def counting(self, arch):
        calls.append(arch)
        return measure(self, arch)

    monkeypatch.setattr(Scorer, "measure", counting)
    job = CorrelateJob(sample=6, seed=3, proxies=CHEAP, store=tmp_path / "s.sqlite")
    first = run_correlate(job, progress=False)
    assert len(calls) == first.unique
    calls.clear()
    job.sample = 10  # an interrupted K=10 run: the first 6 of the same seeded order are already stored
    second = run_correlate(job, progress=False)
    assert list(second.scores["index"][:6]) == list(first.scores["index"])
    assert 0 < len(calls) == second.unique - first.unique
    calls.clear()
    again = run_correlate(job, progress=False)
    assert calls == [] and again.scores.equals(second.scores)


def test_constrained_view_samples_only_feasible_cells(nats):
    info = get_dataset("cifar10")
    job = CorrelateJob(sample=8, seed=1, proxies=("params", "skip"), max_flops="60M", max_latency="edgegpu:4")
    result = run_correlate(job, progress=False)
    costs, latency = CostModel(nats, info), HwNasTable.load().latencies("edgegpu", info)
    assert 0 < result.population < 15625 and [c.name for c in result.constraints] == ["flops", "latency:edgegpu"]
    for arch in result.scores["arch"]:
        assert costs.flops(nats.parse(arch)) <= 60e6 and latency[arch] <= 4.0


@pytest.mark.parametrize(
    "args, message",
    [
        (["correlate", "--max-latency", "pixel3"], "cannot read latency limit 'pixel3'"),
        (["correlate", "--max-latency", "tpu:5"], "unknown latency device 'tpu'; known: edgegpu, raspi4"),
        (["search", "--max-latency", "edgegpu:0.1"], "no architecture in nats-tss satisfies latency:edgegpu"),
        (["correlate", "--proxies", "params", "--combine", "rank:params+zen"], "'zen', which is not in --proxies"),
        (["correlate", "--space", "nasbench101", "--max-params", "1e6"], "need a benchmark that lists every cell"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, message):
    extra = ["--sample", "2", "--store", "none"] if args[0] == "correlate" else ["--budget", "2"]
    r = zeronas(*args, *extra)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and message in lines[0], r.stderr


def test_search_with_latency_limit_and_rank_combination():
    r = zeronas(
        "search",
        "--budget",
        "3",
        "--proxies",
        "naswot,logsynflow,skip",
        "--combine",
        "rank",
        "--max-latency",
        "pixel3:5",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["constraints"] == {"latency:pixel3": 5.0}
    assert HwNasTable.load().latencies("pixel3", get_dataset("cifar10"))[report["arch"]] <= 5.0
    assert math.isfinite(report["regret"]) and report["regret"] >= 0


def test_nasbench101_correlates_the_rows_precompute_samples(tmp_path):
    """Too large to list: correlate takes the seeded rows `precompute --sample` takes, so they share a store."""
    from zeronas.groundtruth import get_benchmark

    store = str(tmp_path / "s.sqlite")
    r = zeronas("precompute", "--space", "nasbench101", "--sample", "4", "--proxies", "skip,params", "--store", store)
    assert r.returncode == 0, r.stderr
    r = zeronas(
        "correlate", "--space", "nasbench101", "--sample", "4", "--proxies", "skip,params",
        "--store", store, "--workers", "1", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    scores = pd.read_csv(tmp_path / "out" / "scores.csv")
    gt = get_benchmark("nasbench101")
    rows = np.random.default_rng(0).permutation(len(gt))[:4]
    assert scores["index"].tolist() == rows.tolist()
    assert scores["test_acc"].tolist() == pytest.approx([100 * gt.arrays["test_acc"][i] for i in rows])
    assert (scores["params"] > 0.2).all()


def test_precompute_refuses_a_dataset_the_space_does_not_define(tmp_path):
    """NAS-Bench-101 networks are CIFAR-10 networks: scores on CIFAR-100 would be stored for no search to use."""
    r = zeronas("precompute", "--space", "nasbench101", "--dataset", "cifar100", "--sample", "2",
                "--store", str(tmp_path / "s.sqlite"))  # fmt: skip
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert "nasbench101 supports dataset(s) cifar10 only, not cifar100" in lines[0]
    assert not (tmp_path / "s.sqlite").exists()
