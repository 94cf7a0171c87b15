"""`zeronas runs` and `zeronas runs show`: browse the searches a store recorded, with trajectories and plots.

The store is made once by real tabular searches (fast: the packaged score table on a simulated clock) run in
this process, plus rows written the way a still-running search and a live search leave them. Bad input is
checked through `python -m zeronas.cli.main` (one line on stderr, exit code 2, never a traceback)."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from zeronas.cli import main as cli
from zeronas.scoring.scorer import Scores, ScoringSettings
from zeronas.spaces import get_space
from zeronas.store import open_store
from zeronas.strategies.combine import freerea

runner = CliRunner()
cli._register_commands()

LIVE_ARCHS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
    "|skip_connect~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|",
    "|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|none~2|",
]
LIVE_CONFIG = {"budget": 3, "seconds": None, "proxies": ["naswot", "logsynflow", "skip"], "combine": "freerea"}


def invoke(*args: str):
    result = runner.invoke(cli.app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def zeronas(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zeronas.cli.main", *args], capture_output=True, text=True, timeout=120
    )


def _live_run(store, seed: int, with_scores: bool) -> int:
    """Record a live (not tabular) search as the recorder does; its scores are cached in the store or not."""
    space = get_space("nats-tss")
    config = dict(LIVE_CONFIG, space="nats-tss", dataset="cifar10", strategy="random", seed=seed, tabular=None)
    run_id = store.start_run("nats-tss", "cifar10", "random", seed, config)
    tag = ScoringSettings(seed=seed).tag()
    for step, arch in enumerate(LIVE_ARCHS):
        key = space.canonical_key(space.parse(arch))
        if with_scores:
            values = {"naswot": 700.0 + 50 * (step % 2), "logsynflow": 1e6 * (step + 1), "skip": 2.0}
            store.put("nats-tss", "cifar10", tag, key, Scores(values, {p: 0.5 for p in values}))
        store.record_step(run_id, step, key, arch, 1.5 * (step + 1), False)
    return run_id


FAILURE = "ZeronasError: the latency objective needs a device: pass --max-latency DEVICE:MS"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Runs 1, 2: done (seeds 1, 2); 3: failed after scoring 50; 4: still running; 5, 6: live runs whose scores
    are / are not cached in the store."""
    path = tmp_path_factory.mktemp("runs") / "store.sqlite"
    common = ["search", "--tabular", "default", "--budget", "50", "--store", str(path), "--json"]
    for seed in ("1", "2"):
        invoke(*common, "--seed", seed)
    db = open_store(path)
    done = db.runs()[0]  # a run that failed after 50 networks: run 1's trajectory, then an error
    failed = db.start_run("nats-tss", "cifar10", "freerea", 3, dict(done["config"], seed=3))
    for step in db.trajectory(done["run_id"]):
        db.record_step(failed, step["step"], step["arch_key"], step["arch"], step["clock"], step["cached"])
    db.finish_run(failed, {"error": FAILURE, "scored": 50})
    running = db.start_run("nats-tss", "cifar10", "freerea", 4, dict(LIVE_CONFIG, tabular="default", seed=4))
    space = get_space("nats-tss")
    for step, arch in enumerate(LIVE_ARCHS[:2]):
        db.record_step(running, step, space.canonical_key(space.parse(arch)), arch, float(step), False)
    _live_run(db, 5, with_scores=True)
    _live_run(db, 6, with_scores=False)
    runs = db.runs()
    db.close()
    assert [r["run_id"] for r in runs] == [1, 2, 3, 4, 5, 6]
    return path, runs


def test_list_shows_every_run_with_its_status(store):
    path, runs = store
    lines = invoke("runs", "--store", str(path)).splitlines()
    assert lines[0].split() == [
        "id", "started", "space", "dataset", "strategy", "seed", "budget", "scored", "test_acc", "arch", "status"
    ]  # fmt: skip
    rows = {int(line.split()[0]): line for line in lines[1:]}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6]
    for run in runs[:2]:  # done: the whole architecture on one line, the test accuracy, the budget and count
        result = run["result"]
        fields = rows[run["run_id"]].split()
        assert fields[3:9] == ["nats-tss", "cifar10", "freerea", str(run["seed"]), "50", "50"]
        assert fields[9] == f"{result['test_acc']:.2f}" and fields[10] == result["arch"] and fields[11] == "done"
    assert rows[3].endswith("failed: ZeronasError: the latency objective needs a device: pass --max-latency DEVICE:MS")
    assert rows[3].split()[8] == "50"  # (started is a date and a time: two fields)
    assert rows[4].endswith("running or killed") and rows[4].split()[8] == "2"  # scored so far: trajectory rows
    started = runs[0]["started"]
    assert time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) in rows[1]  # local time


def test_list_as_json_and_from_the_environment(store, monkeypatch):
    path, runs = store
    monkeypatch.setenv("ZERONAS_STORE", str(path))
    listed = json.loads(invoke("runs", "--json"))
    assert [r["status"] for r in listed] == ["done", "done", "failed", "running or killed", "running or killed"] + [
        "running or killed"
    ]
    assert listed[0]["arch"] == runs[0]["result"]["arch"] and listed[0]["test_acc"] == runs[0]["result"]["test_acc"]
    assert listed[2]["error"].startswith("ZeronasError: the latency objective") and listed[3]["scored"] == 2


def test_an_empty_store_lists_nothing(tmp_path):
    path = tmp_path / "empty.sqlite"
    open_store(path).close()
    assert invoke("runs", "--store", str(path)).strip() == f"no runs in {path}"


def test_show_prints_the_trajectory_and_its_best_so_far(store, tmp_path):
    path, runs = store
    run = runs[0]
    result = run["result"]
    png = tmp_path / "plots" / "one.png"
    shown = json.loads(invoke("runs", "show", "1", "--store", str(path), "--plot", str(png), "--json"))
    steps = shown["trajectory"]
    assert len(steps) == 50 and [s["step"] for s in steps] == list(range(50))
    assert shown["config"]["seed"] == 1 and shown["result"]["arch"] == result["arch"] and shown["notes"] == []
    # the best so far never gets worse, and ends where the search ended: its architecture, score and accuracy
    best = [s["best_score"] for s in steps]
    assert all(b is not None for b in best) and best == sorted(best)
    assert steps[-1]["best_arch"] == result["arch"]
    assert steps[-1]["best_score"] == pytest.approx(result["best"]["combined"])
    assert steps[-1]["best_test_acc"] == pytest.approx(result["test_acc"])
    # each step's own score and accuracy: the best's row holds the best score, the accuracies are the benchmark's
    top = max((s for s in steps if s["score"] is not None), key=lambda s: s["score"])
    assert top["arch"] == result["arch"] and top["test_acc"] == pytest.approx(result["test_acc"])
    assert all(s["test_acc"] is not None and 0 <= s["test_acc"] <= 100 for s in steps)
    assert any(s["score"] is None for s in steps)  # a NaN proxy value (ranked last) has no combined score
    assert shown["plot"] == str(png) and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_as_text_with_the_default_plot_beside_the_store(store):
    path, runs = store
    result = runs[1]["result"]
    text = invoke("runs", "show", "2", "--store", str(path))
    lines = text.splitlines()
    assert lines[0].startswith("run 2: freerea on nats-tss cifar10, seed 2, started ")
    assert "config" in lines and "result" in lines and "trajectory (50 networks)" in lines
    assert f"  architecture     {result['arch']}" in lines
    assert f"  test accuracy    {result['test_acc']:.2f} % (cifar10, {result['benchmark']})" in lines
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["step", "clock_s"])
    rows = [line.split() for line in lines[header + 1 : header + 51]]
    assert [int(r[0]) for r in rows] == list(range(50))
    assert rows[-1][6] == f"{result['test_acc']:.2f}"  # best_acc of the last step: the search's answer
    assert lines[-1] == f"plot: {path.parent / 'run-2.png'}" and (path.parent / "run-2.png").is_file()


def test_show_a_failed_and_a_running_run(store):
    path, _ = store
    failed = invoke("runs", "show", "3", "--store", str(path), "--no-plot")
    assert "  status           failed" in failed
    assert "  error            ZeronasError: the latency objective needs a device" in failed
    assert "trajectory (50 networks)" in failed and "plot:" not in failed
    running = json.loads(invoke("runs", "show", "4", "--store", str(path), "--no-plot", "--json"))
    assert running["status"] == "running or killed" and running["result"] is None
    assert [s["arch"] for s in running["trajectory"]] == LIVE_ARCHS[:2]
    assert running["trajectory"][1]["best_score"] is not None and running["trajectory"][1]["test_acc"] is not None
    text = invoke("runs", "show", "4", "--store", str(path), "--no-plot")
    assert "  status           running or killed: no result recorded yet" in text


def test_a_live_run_reads_its_scores_from_the_store_and_never_rescores(store, tmp_path, monkeypatch):
    from zeronas.scoring import scorer

    def no_scoring(*args, **kwargs):
        raise AssertionError("runs show scored a network")

    monkeypatch.setattr(scorer.Scorer, "create", no_scoring)
    monkeypatch.setattr(scorer.Scorer, "compute", no_scoring)
    path, _ = store
    cached = json.loads(invoke("runs", "show", "5", "--store", str(path), "--plot", str(tmp_path / "5.png"), "--json"))
    steps = cached["trajectory"]
    assert cached["notes"] == [] and all(s["score"] is not None for s in steps)
    # the values stored under the run's settings, combined as the search combines them (freerea, over the run)
    matrix = [[700.0 + 50 * (i % 2), 1e6 * (i + 1), 2.0] for i in range(3)]
    assert [s["score"] for s in steps] == pytest.approx(list(freerea(np.array(matrix))))
    assert [s["best_arch"] for s in steps] == LIVE_ARCHS  # each network beats the ones before it
    assert steps[-1]["best_score"] == max(s["score"] for s in steps)
    missing = json.loads(invoke("runs", "show", "6", "--store", str(path), "--plot", str(tmp_path / "6.png"), "--json"))
    assert all(s["score"] is None and s["best_score"] is None for s in missing["trajectory"])
    assert all(s["test_acc"] is not None for s in missing["trajectory"])  # accuracy is still known, and plotted
    assert len(missing["notes"]) == 1 and "3 of 3 scored networks have no complete" in missing["notes"][0]
    assert missing["plot"] == str(tmp_path / "6.png") and (tmp_path / "6.png").is_file()


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "no store at"),
        ("corrupted", "is not a usable zeronas score store"),
        ("unknown id", "no run 99 in"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(store, tmp_path, case, message):
    path, _ = store
    args = {
        "missing": ["runs", "--store", str(tmp_path / "absent.sqlite")],
        "corrupted": ["runs", "show", "1", "--store", str(tmp_path / "bad.sqlite")],
        "unknown id": ["runs", "show", "99", "--store", str(path)],
    }[case]
    (tmp_path / "bad.sqlite").write_bytes(b"SQLite format 2\0" + bytes(range(256)) * 16)
    r = zeronas(*args)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("zeronas: error: ") and message in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert not (tmp_path / "absent.sqlite").exists()  # browsing never creates a store
    if case == "unknown id":
        assert "its runs: 1-6" in lines[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["runs", "show", "first"], "a run id is a number"),
        (["runs", "show", "1"], "run 1 in"),  # a damaged row: its config is not JSON
        (["runs"], "has an unreadable config"),
    ],
)
def test_more_bad_input_in_process(tmp_path, monkeypatch, capsys, args, message):
    damaged = tmp_path / "damaged.sqlite"
    db = open_store(damaged)
    db.db.execute(
        "INSERT INTO runs (started, space, dataset, strategy, seed, config) VALUES (0, 's', 'd', 'x', 0, '{')"
    )
    db.close()
    monkeypatch.setattr(sys, "argv", ["zeronas", *args, "--store", str(damaged)])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert exit_.value.code == 2 and len(lines) == 1 and message in lines[0] and "Traceback" not in err
