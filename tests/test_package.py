"""The package's seams: data resolution, registries, declared capabilities, the result object, versioned scores."""

import json
import math
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import zeronas
from zeronas.errors import ZeronasError
from zeronas.paths import EMBEDDED, data_file, data_roots
from zeronas.registry import Registry
from zeronas.scoring.scorer import Scores
from zeronas.store import open_store
from zeronas.study import SearchConfig, Study, pareto_front, search

PACKAGE = Path(zeronas.__file__).resolve().parent


# -- data resolution ----------------------------------------------------------------------------------------
def test_every_shared_data_file_is_embedded_and_loads():
    from zeronas.data.datasets import DATASETS, load_sample
    from zeronas.groundtruth.hwnas import HwNasTable
    from zeronas.groundtruth.nasbench101_table import NasBench101Table
    from zeronas.groundtruth.nats_table import NatsTable

    assert len(NatsTable(data_file("benchmarks/nats-tss.csv", "x", EMBEDDED)).frame) == 15625
    assert len(NasBench101Table(data_file("benchmarks/nasbench101.npz", "x", EMBEDDED))) == 423624
    assert "pixel3" in HwNasTable(data_file("benchmarks/hw-nas-bench.csv", "x", EMBEDDED)).devices()
    for info in DATASETS.values():
        images, labels = load_sample(info, EMBEDDED)
        assert images.shape == (640, 3, info.resolution, info.resolution) and len(labels) == 640
    assert (PACKAGE.parent / "DATA_LICENSES").read_text().count("License") >= 3


def test_an_explicit_root_is_the_only_place_looked_and_the_error_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ZERONAS_DATA", str(tmp_path))
    assert data_roots() == [tmp_path]
    with pytest.raises(
        ZeronasError, match=f"NATS-Bench table not found: looked for {tmp_path}/benchmarks/nats-tss.csv"
    ):
        data_file("benchmarks/nats-tss.csv", "NATS-Bench table")
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "nats-tss.csv.gz").write_bytes(b"")  # a compressed copy counts
    assert data_file("benchmarks/nats-tss.csv", "x").name == "nats-tss.csv.gz"
    monkeypatch.delenv("ZERONAS_DATA")
    assert data_roots()[-1] == EMBEDDED  # without one: ../shared (in a checkout), then the embedded copy


def test_an_explicit_file_that_is_missing_is_named_with_its_source(tmp_path, monkeypatch):
    from zeronas.groundtruth.nats_table import NatsTable

    monkeypatch.setenv("ZERONAS_NATS_TABLE", str(tmp_path / "gone.csv"))
    with pytest.raises(ZeronasError, match=r"gone.csv \(given by \$ZERONAS_NATS_TABLE\)"):
        NatsTable.load()


# -- registries and capabilities -----------------------------------------------------------------------------
def test_registry_refuses_a_second_name_and_names_the_choices():
    reg = Registry("widget")
    reg.add("a", 1, version=2, summary="first", colour="red")
    with pytest.raises(ValueError, match="registered twice"):
        reg.add("a", 3)
    assert reg.entry("a").version == 2 and reg.entry("a").meta == {"colour": "red"} and reg["a"] == 1
    with pytest.raises(ZeronasError, match="unknown widget 'b'; choose one of: a"):
        reg.get("b")


def test_no_module_outside_the_nats_ones_names_the_nats_space():
    allowed = {"spaces/nats_tss.py", "spaces/nats_tss_net.py", "groundtruth/nats_table.py", "groundtruth/__init__.py"}
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if str(p.relative_to(PACKAGE)) not in allowed and '"nats-tss"' in p.read_text()
    ]
    assert not offenders
    probing = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if re.search(r"hasattr\(", p.read_text())]
    assert not probing  # spaces and benchmarks declare capabilities instead


def test_spaces_and_benchmarks_declare_what_they_can_do():
    from zeronas.groundtruth import BENCHMARKS, get_benchmark
    from zeronas.spaces import SPACES, get_space

    for name in SPACES:
        caps = get_space(name).capabilities
        assert caps.datasets and isinstance(caps.enumerable, bool)
    assert get_space("nats-tss").capabilities.enumerable and not get_space("nasbench101").capabilities.enumerable
    for name in BENCHMARKS:
        assert set(get_benchmark(name).capabilities.datasets) <= set(get_space(name).capabilities.datasets)


# -- the result object -------------------------------------------------------------------------------------
def test_pareto_front_is_non_dominated_and_one_objective_is_a_front_of_one():
    values = np.array([[1.0, 5.0], [2.0, 6.0], [2.0, 4.0], [0.5, 1.0], [np.nan, 0.1]])
    front = pareto_front(values, [True, False])  # maximise column 0, minimise column 1
    assert front == [2, 3]
    assert pareto_front(values[:, :1], [True]) == [1]  # the first of the tied best


def test_search_returns_best_and_a_front_over_the_declared_objectives():
    result = search(SearchConfig(dataset="cifar100", budget=120, seed=3, tabular=True, objectives=("score", "params")))
    history = result.problem.history
    combined = result.problem.fitness(history)
    costs = Study(dataset="cifar100", ground_truth=False).costs
    points = [(c, costs.params(e.arch) / 1e6) for c, e in zip(combined, history)]
    assert result.best.arch in {c.arch for c in result.pareto} and result.best.combined == pytest.approx(max(combined))
    for cand in result.pareto:  # nothing scored dominates a member of the front
        for c, params in points:
            dominates = c >= cand.combined and params <= cand.params_m and (c > cand.combined or params < cand.params_m)
            assert not dominates
    assert len(result.pareto) > 1 and result.test_acc == result.best.test_acc and result.regret >= 0
    single = search(SearchConfig(dataset="cifar100", budget=120, seed=3, tabular=True))
    assert [c.arch for c in single.pareto] == [single.best.arch] == [result.best.arch]
    as_dict = json.loads(json.dumps(result.to_dict()))
    assert as_dict["arch"] == result.best.arch and len(as_dict["pareto"]) == len(result.pareto)


def test_a_study_shares_its_components_between_runs():
    with Study(SearchConfig(dataset="imagenet16-120", budget=40, tabular=True)) as study:
        a, b = study.run(seed=1), study.run(seed=2, strategy="random")
        assert study.source(study.config) is study.source(study.config)
    assert a.strategy == "freerea" and b.strategy == "random" and a.seed == 1 and b.scored == 40


def test_unknown_objective_is_one_line():
    with pytest.raises(ZeronasError, match="unknown objective 'speed'"):
        search(SearchConfig(budget=5, tabular=True, objectives=("score", "speed")))


# -- versioned scores ----------------------------------------------------------------------------------------
def test_store_keys_carry_proxy_versions_and_a_schema_1_store_is_never_reused(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('zeronas_schema', '1');
        CREATE TABLE scores (space TEXT NOT NULL, dataset TEXT NOT NULL, arch_key TEXT NOT NULL,
            proxy TEXT NOT NULL, settings TEXT NOT NULL, value REAL, seconds REAL NOT NULL,
            PRIMARY KEY (space, dataset, settings, arch_key, proxy));
        INSERT INTO scores VALUES ('nats-tss', 'cifar10', 'k', 'naswot', 's', 1.0, 0.1);
    """)
    db.commit()
    db.close()
    store = open_store(path)
    assert store.get("nats-tss", "cifar10", "s", "k", ["naswot"]) is None  # kept, marked @v0, not reused
    assert store.db.execute("SELECT proxy FROM scores").fetchall() == [("naswot@v0",)]
    store.put("nats-tss", "cifar10", "s", "k", Scores({"naswot": 2.0}, {"naswot": 0.2}))
    assert store.get("nats-tss", "cifar10", "s", "k", ["naswot"]).values == {"naswot": 2.0}
    assert ("naswot@v1",) in store.db.execute("SELECT proxy FROM scores").fetchall()


def test_a_table_of_another_proxy_version_is_refused(tmp_path):
    from zeronas.bench.tables import table_file

    src = table_file("nats-tss", "cifar10")
    dst = tmp_path / src.name
    dst.write_bytes(src.read_bytes())
    meta = json.loads(src.with_name("nats-tss-cifar10.json").read_text())
    meta["proxy_versions"]["naswot"] = 0
    (tmp_path / "nats-tss-cifar10.json").write_text(json.dumps(meta))
    with pytest.raises(ZeronasError, match="holds naswot version 0, this zeronas computes version 1"):
        search(SearchConfig(budget=5, tabular=str(dst)))
    (tmp_path / "nats-tss-cifar10.json").unlink()
    with pytest.raises(ZeronasError, match="proxy versions .* are unknown"):
        search(SearchConfig(budget=5, tabular=str(dst)))


def test_a_failed_run_is_recorded_with_its_error_and_the_store_closed(tmp_path, monkeypatch):
    from zeronas.scoring import scorer as scorer_module

    def broken(self, proxy, inp):
        raise ZeronasError(f"proxy {proxy.name} failed on nats-tss: boom")

    monkeypatch.setattr(scorer_module.Scorer, "_run", broken)
    path = tmp_path / "runs.sqlite"
    with pytest.raises(ZeronasError, match="boom"):
        search(SearchConfig(budget=3, store=str(path), proxies=("params",)))
    (run,) = open_store(path).runs()
    assert run["result"]["error"].endswith("boom") and run["result"]["scored"] == 0
    assert not math.isnan(run["started"])


@pytest.mark.parametrize(
    "command",
    [
        ["search", "--tabular", "default", "--budget", "5", "--export", "{ro}/model"],
        ["export", "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|none~2|", "--out", "{ro}/m"],
        ["correlate", "--sample", "2", "--proxies", "params", "--store", "none", "--out", "{ro}/c"],
        ["bench", "--runs", "1", "--out", "{ro}/b"],
    ],
)
def test_an_unwritable_output_folder_is_one_line_before_any_work(tmp_path, command):
    import os
    import subprocess
    import sys

    if os.geteuid() == 0:  # root writes anywhere: a file in the way stands in for a read-only folder
        (tmp_path / "ro").write_text("a file, not a folder")
    else:
        (tmp_path / "ro").mkdir(mode=0o500)
    args = [a.replace("{ro}", str(tmp_path / "ro")) for a in command]
    r = subprocess.run([sys.executable, "-m", "zeronas.cli.main", *args], capture_output=True, text=True, timeout=300)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "cannot write to" in lines[0], r.stderr
