"""Score store: round trip, run recording, concurrent writers, kill -9 mid-precompute, bad files."""

import math
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from zeronas.errors import ZeronasError
from zeronas.scoring.scorer import Scores
from zeronas.store import default_store_path, open_store

SETTINGS = "inits=3,batch=64,seed=0"


def test_round_trip_keeps_values_seconds_and_nan(tmp_path):
    store = open_store(tmp_path / "s.sqlite")
    scores = Scores({"naswot": 1.5, "skip": math.nan}, {"naswot": 0.2, "skip": 0.0})
    store.put("nats-tss", "cifar10", SETTINGS, "k1", scores)
    store.close()
    store = open_store(tmp_path / "s.sqlite")  # reopened: it was committed
    got = store.get("nats-tss", "cifar10", SETTINGS, "k1", ["naswot", "skip"])
    assert got.values["naswot"] == 1.5 and math.isnan(got.values["skip"]) and got.seconds["naswot"] == 0.2
    assert store.get("nats-tss", "cifar10", SETTINGS, "k1", ["naswot", "synflow"]) is None  # incomplete
    assert store.get("nats-tss", "cifar100", SETTINGS, "k1", ["naswot"]) is None  # other dataset
    assert set(store.all_scores("nats-tss", "cifar10", SETTINGS, ["naswot"])) == {"k1"}


def test_default_path_env_and_override(tmp_path, monkeypatch):
    monkeypatch.delenv("ZERONAS_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_store_path() == tmp_path / "runs" / "zeronas.sqlite"
    monkeypatch.setenv("ZERONAS_STORE", str(tmp_path / "env.sqlite"))
    assert default_store_path() == tmp_path / "env.sqlite"
    assert str(default_store_path("x.sqlite")) == "x.sqlite"


def test_search_run_and_trajectory_are_recorded(tmp_path):
    from zeronas.study import search

    path = tmp_path / "runs.sqlite"
    report = search(dataset="imagenet16-120", budget=30, seed=2, tabular=True, store=str(path))
    store = open_store(path)
    (run,) = store.runs()
    steps = store.trajectory(run["run_id"])
    assert run["strategy"] == "freerea" and run["seed"] == 2 and run["result"]["arch"] == report.arch
    assert len(steps) == report.scored == 30 and [s["step"] for s in steps] == list(range(30))
    clocks = [s["clock"] for s in steps]
    assert clocks == sorted(clocks) and clocks[0] > 0  # simulated clock, in scoring order
    assert report.arch in {s["arch"] for s in steps}


def _writer(path, name, n):
    store = open_store(path)
    for i in range(n):
        store.put("nats-tss", "cifar10", SETTINGS, f"{name}-{i}", Scores({"naswot": float(i)}, {"naswot": 0.1}))
        store.put("nats-tss", "cifar10", SETTINGS, f"shared-{i}", Scores({"naswot": float(i)}, {"naswot": 0.1}))
    store.close()


def test_two_processes_write_one_store(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    open_store(path).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, name, 150)) for name in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    rows = open_store(path).all_scores("nats-tss", "cifar10", SETTINGS, ["naswot"])
    assert len(rows) == 450 and rows["b-149"].values["naswot"] == 149.0


def _count(path):
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=30)
    try:
        return db.execute("SELECT COUNT(DISTINCT arch_key) FROM scores").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        db.close()


def test_precompute_killed_mid_run_resumes_without_recomputing(tmp_path):
    path = tmp_path / "pre.sqlite"
    args = [
        sys.executable,
        "-m",
        "zeronas.cli.main",
        "precompute",
        "--dataset",
        "imagenet16-120",
        "--proxies",
        "naswot,skip",
        "--workers",
        "1",
        "--store",
        str(path),
    ]
    proc = subprocess.Popen(args + ["--limit", "200"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while _count(path) == 0 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = _count(path)
    assert 0 < done < 200  # killed mid-run, with finished networks committed
    r = subprocess.run(args + ["--limit", str(done + 2)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"{done + 2} networks" in r.stdout and "(2 computed now" in r.stdout
    assert _count(path) == done + 2


def test_corrupted_and_foreign_files_are_one_line_errors(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(ZeronasError, match="not a usable zeronas score store"):
        open_store(junk)
    foreign = tmp_path / "foreign.sqlite"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE users (name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(ZeronasError, match="something else"):
        open_store(foreign)
    r = subprocess.run(
        [sys.executable, "-m", "zeronas.cli.main", "precompute", "--limit", "1", "--store", str(junk)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr
