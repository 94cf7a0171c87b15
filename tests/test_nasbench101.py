"""NAS-Bench-101: graph hash, pruning and stored form, exact networks and costs, moves, table, search."""

import json
import math
import random
import re
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
import torch

from zeronas.costs import count_flops, count_params
from zeronas.data.datasets import DATASETS, get_dataset
from zeronas.errors import ZeronasError
from zeronas.groundtruth.nasbench101_table import NasBench101Table
from zeronas.scoring.scorer import Scorer, ScoringSettings
from zeronas.spaces import get_space
from zeronas.spaces.nasbench101 import Cell, canonical
from zeronas.spaces.nasbench101_hash import cell_hash, hash_many, md5_many
from zeronas.spaces.nasbench101_net import network_costs
from zeronas.strategies.constraints import Constraint
from zeronas.study import search

CIFAR10 = DATASETS["cifar10"]


@pytest.fixture(scope="module")
def space():
    return get_space("nasbench101")


@pytest.fixture(scope="module")
def table(shared):
    return NasBench101Table.load()


@pytest.fixture(scope="module")
def arrays(table):
    return table.arrays


@pytest.fixture(scope="module")
def known_hashes(table):
    return set(table.hashes.tolist())


def seeded_rows(table, count, seed):
    return np.random.default_rng(seed).choice(len(table), count, replace=False)


def relabelled(cell: Cell, rng: random.Random) -> tuple[list[list[int]], list[int]]:
    """The same cell with its op vertices renumbered by a random topological order."""
    n = cell.num_vertices
    while True:
        order = [0] + rng.sample(range(1, n - 1), n - 2) + [n - 1]
        position = {old: new for new, old in enumerate(order)}
        if all(position[u] < position[w] for u in range(n) for w in range(n) if cell.matrix[u][w]):
            break
    matrix = [[0] * n for _ in range(n)]
    for u in range(n):
        for w in range(n):
            if cell.matrix[u][w]:
                matrix[position[u]][position[w]] = 1
    return matrix, [cell.ops[order[new] - 1] for new in range(1, n - 1)]


def as_string(matrix, ops) -> str:
    names = ("conv3x3", "conv1x1", "maxpool3x3")
    n = len(matrix)
    return "|".join(
        ("out" if w == n - 1 else names[ops[w - 1]]) + ":" + ",".join(str(u) for u in range(w) if matrix[u][w])
        for w in range(1, n)
    )


# -- the graph hash ------------------------------------------------------------------------------


def test_vectorised_md5_matches_hashlib():
    import hashlib

    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 300, size=500)
    messages = rng.integers(0, 256, size=(500, 320), dtype=np.uint8)
    messages[np.arange(320) >= lengths[:, None]] = 0
    expected = [hashlib.md5(bytes(messages[i, : lengths[i]])).digest() for i in range(500)]
    assert [bytes(d) for d in md5_many(messages.copy(), lengths)] == expected


def test_hash_reproduces_every_row_of_the_table(arrays):
    hashes = hash_many(arrays["adjacency"], arrays["ops"], arrays["num_vertices"])
    assert len(hashes) == 423_624
    assert int((hashes == arrays["hash"]).sum()) == 423_624


def test_single_cell_hash_agrees_and_ignores_vertex_order(table, arrays):
    rng = random.Random(5)
    for row in seeded_rows(table, 300, 1):
        cell = table.cell(int(row))
        assert cell_hash(cell.matrix, cell.labels) == arrays["hash"][row]
        matrix, ops = relabelled(cell, rng)
        assert cell_hash(matrix, [-1, *ops, -2]) == arrays["hash"][row]


# -- pruning, stored form, strings -------------------------------------------------------------


def test_canonical_order_is_the_tables_stored_order(table, arrays):
    rng = random.Random(2)
    for row in seeded_rows(table, 2000, 2):
        cell = table.cell(int(row))
        assert canonical(cell.matrix, cell.ops) == cell
        assert canonical(*relabelled(cell, rng)) == cell


def test_a_cell_in_any_vertex_order_finds_its_row(space, table):
    rng = random.Random(3)
    for row in seeded_rows(table, 300, 3):
        cell = table.cell(int(row))
        text = as_string(*relabelled(cell, rng))
        assert table.index_of(text) == row
        assert space.format(space.parse(text)) == table.arch_of(int(row))


@pytest.mark.parametrize(
    "redundant, stored",
    [
        ("conv3x3:0|conv1x1:0|out:1", "conv3x3:0|out:1"),  # vertex 2 never reaches the output
        ("conv3x3:|conv1x1:0,1|out:2", "conv1x1:0|out:1"),  # vertex 1 is not reachable from the input
        ("maxpool3x3:0|conv3x3:1|conv1x1:0|out:0,2", "maxpool3x3:0|conv3x3:1|out:0,2"),
        # 11 edges as written, 2 after pruning: valid, as the benchmark checks the pruned cell
        ("conv3x3:0|conv3x3:0,1|conv3x3:0,1,2|conv3x3:0,2,3|conv1x1:0|out:5", "conv1x1:0|out:1"),
        ("maxpool3x3:0|conv3x3:0|out:2,1", "conv3x3:0|maxpool3x3:0|out:1,2"),  # reordered to the stored order
    ],
)
def test_redundant_cells_prune_to_their_stored_form(space, table, redundant, stored):
    assert space.format(space.parse(redundant)) == stored
    assert table.arch_of(table.index_of(redundant)) == stored


def test_stored_rows_round_trip_through_strings(space, table):
    for row in seeded_rows(table, 1000, 4):
        cell = table.cell(int(row))
        text = space.format(cell)
        assert space.parse(text) == cell and space.format(space.parse(text)) == text


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("conv3x3:0|conv1x1:1", "the last group must be the output"),
        ("conv5x5:0|out:1", "unknown op 'conv5x5'"),
        ("conv3x3:1|out:1", "inputs from vertices 0..0"),
        ("conv3x3:0,0|out:1", "listed twice"),
        ("conv3x3:0|out", "has no ':'"),
        ("conv3x3:0|conv3x3:1|out:", "not connected to the output"),
        ("conv3x3:|out:1", "not connected to the output"),
        ("conv3x3:0|conv3x3:1|conv3x3:2|conv3x3:3|conv3x3:4|conv3x3:5|out:6", "8 vertices"),
        ("conv3x3:0|conv3x3:0,1|conv3x3:0,1,2|conv3x3:0,1,2,3|out:1,4", "12 edges after pruning"),
        ("", "group '' has no ':'"),
    ],
)
def test_bad_genotypes_are_rejected_with_one_line(space, text, fragment):
    with pytest.raises(ZeronasError) as info:
        space.parse(text)
    assert fragment in str(info.value) and "\n" not in str(info.value)


# -- exact networks and costs ----------------------------------------------------------------


def test_costs_from_the_cell_equal_table_params_on_every_row(arrays):
    sizes = arrays["num_vertices"]
    matched = 0
    for n in np.unique(sizes):
        rows = np.flatnonzero(sizes == n)
        params, _ = network_costs(arrays["adjacency"][rows, :n, :n], arrays["ops"][rows, :n])
        matched += int((params == arrays["params"][rows]).sum())
    assert matched == 423_624


def test_built_network_params_equal_table_on_500_seeded_rows(space, table, arrays):
    params = arrays["params"]
    rows = [int(np.argmin(params)), int(np.argmax(params)), *map(int, seeded_rows(table, 500, 6))]
    for row in rows:
        with torch.device("meta"):  # structure only: no memory, no initialisation
            model = space.build_model(table.cell(row), 10)
        assert count_params(model) == params[row], table.arch_of(row)


@pytest.mark.parametrize("which", ["smallest", "largest", "best"])
def test_real_network_runs_and_flops_match_the_cell_count(space, table, arrays, which):
    row = {
        "smallest": np.argmin(arrays["params"]),
        "largest": np.argmax(arrays["params"]),
        "best": np.argmax(arrays["test_acc"]),
    }[which]
    cell = table.cell(int(row))
    model = space.build_model(cell, 10)
    assert count_params(model) == arrays["params"][row]
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    n = cell.num_vertices
    expected_flops = network_costs(arrays["adjacency"][[row], :n, :n], arrays["ops"][[row], :n])[1][0]
    assert count_flops(model, 32) == expected_flops
    assert table.flops()[row] == expected_flops


def test_channel_split_gives_extra_channels_to_the_first_output_feeders(space, table, arrays):
    # vertices 2, 3, 4 share the output: 128 = 43 + 43 + 42, the first ones taking the extra channel;
    # vertex 1 feeds 2 and 4 and takes the wider (43), sliced to 42 on its way into vertex 4
    cell = space.parse("conv3x3:0|conv3x3:1|conv1x1:0|conv3x3:1|out:2,3,4")
    model = space.build_model(cell, 10)
    assert model.cells[0].channels == [0, 43, 43, 43, 42, 0]
    assert [c.channels[1:-1] for c in model.cells if hasattr(c, "channels")][-1] == [171, 171, 171, 170]
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 10)
    assert count_params(model) == arrays["params"][table.index_of(space.format(cell))]


def test_smallest_cell_has_the_fewest_params_and_flops_in_the_table(space, table, arrays):
    row = table.index_of(space.format(space.smallest()))
    assert arrays["params"][row] == arrays["params"].min() == 227_274
    assert table.flops()[row] == table.flops().min()


# -- sampling, mutation, crossover ----------------------------------------------------------


def test_sampling_is_seeded_and_uniform_over_unique_cells(space, arrays, known_hashes):
    assert space.sample(random.Random(9)) == space.sample(random.Random(9))
    rng = random.Random(0)
    draws = [space.sample(rng) for _ in range(3000)]
    assert all(space.canonical_key(c) in known_hashes for c in draws)
    share_7 = sum(c.num_vertices == 7 for c in draws) / len(draws)
    share_6 = sum(c.num_vertices == 6 for c in draws) / len(draws)
    table_7 = float(np.mean(arrays["num_vertices"] == 7))  # 0.848
    table_6 = float(np.mean(arrays["num_vertices"] == 6))  # 0.146
    assert abs(share_7 - table_7) < 0.03 and abs(share_6 - table_6) < 0.03
    assert len(set(draws)) > 2950  # 423,624 cells: almost no repeats


def test_mutation_keeps_validity_and_changes_the_network(space, known_hashes):
    rng = random.Random(11)
    grew = shrank = 0
    parent = space.sample(rng)
    for i in range(3000):
        child = space.mutate(parent, rng)
        assert space.canonical_key(child) in known_hashes
        assert space.canonical_key(child) != space.canonical_key(parent)
        assert canonical(child.matrix, child.ops) == child and child.num_edges <= 9
        grew += child.num_vertices > parent.num_vertices
        shrank += child.num_vertices < parent.num_vertices
        parent = child if i % 2 else space.sample(rng)  # walks as well as fresh parents
    assert grew > 10 and shrank > 50  # most cells have 7 vertices already
    cell, sizes = space.parse("out:0"), set()
    for _ in range(200):
        cell = space.mutate(cell, rng)
        sizes.add(cell.num_vertices)
    assert max(sizes) >= 6  # even the input-to-output cell grows back


def test_crossover_keeps_validity_and_mixes(space, known_hashes):
    rng = random.Random(12)
    mixed = 0
    for _ in range(2000):
        a, b = space.sample(rng), space.sample(rng)
        child = space.crossover(a, b, rng)
        assert space.canonical_key(child) in known_hashes and child.num_edges <= 9
        mixed += child not in (a, b)
    assert mixed > 1000
    same = space.sample(rng)
    assert space.crossover(same, same, rng) == same  # nothing to mix: the parent itself


# -- proxies and skip score --------------------------------------------------------------------


def test_skip_score_counts_vertices_jumped_by_edges_into_ops(space):
    assert space.skip_score(space.parse("conv3x3:0|conv3x3:1|out:2")) == 0.0  # a chain
    # edges into ops: 0->1 (0), 1->2 (0), 0->3 (jumps 2), 1->3 (jumps 1); edges into the output do not count
    assert space.skip_score(space.parse("conv3x3:0|conv1x1:1|maxpool3x3:0,1,2|out:0,3")) == 1.5


def test_registry_proxies_score_nasbench101_networks(space, cifar10_images):
    info, images, labels = cifar10_images
    scorer = Scorer.create(
        space,
        info,
        ["naswot", "logsynflow", "synflow", "skip"],
        images,
        labels,
        ScoringSettings(inits=1, batch_size=16),
    )
    small = scorer.score(space.smallest()).values
    wider = scorer.score(space.parse("conv3x3:0|conv3x3:1|maxpool3x3:0|out:2,3")).values
    assert all(math.isfinite(v) for v in (*small.values(), *wider.values()))
    assert wider["logsynflow"] > small["logsynflow"] > 0 and wider["synflow"] > small["synflow"] > 0
    assert small["naswot"] > 0
    first = scorer.score(space.parse("conv3x3:0|maxpool3x3:0|out:1,2"))
    again = scorer.score(space.parse("maxpool3x3:0|conv3x3:0|out:2,1"))  # the same cell, other vertex order
    assert not first.cached and again.cached and again.values == first.values


# -- table and search --------------------------------------------------------------------------


def test_table_optimum_and_feasible_optimum(table, arrays):
    arch, acc = table.optimum(CIFAR10)
    assert acc == pytest.approx(94.3176, abs=1e-3) and table.test_acc(arch, CIFAR10) == acc
    limit_params, limit_flops = 2e6, 3e8
    arch, acc = table.optimum(
        CIFAR10, [Constraint("params", limit_params, None), Constraint("flops", limit_flops, None)]
    )
    ok = (arrays["params"] <= limit_params) & (table.flops() <= limit_flops)
    assert acc == pytest.approx(float(arrays["test_acc"][ok].max()) * 100)
    row = table.index_of(arch)
    assert arrays["params"][row] <= limit_params and table.flops()[row] <= limit_flops
    assert table.optimum(CIFAR10, [Constraint("params", 5e6, None)])[1] == pytest.approx(
        float(arrays["test_acc"][arrays["params"] <= 5e6].max()) * 100
    )
    with pytest.raises(ZeronasError, match="no 'latency:x' column"):
        table.optimum(CIFAR10, [Constraint("latency:x", 5, None)])
    with pytest.raises(ZeronasError, match="cifar10 only"):
        table.test_acc(arch, get_dataset("cifar100"))


def test_corrupted_table_is_a_clear_error(tmp_path):
    bad = tmp_path / "nb101.npz"
    np.savez(bad, hash=np.array(["a"]))
    with pytest.raises(ZeronasError, match="not a NAS-Bench-101 table"):
        NasBench101Table.load(bad)
    with pytest.raises(ZeronasError, match="NAS-Bench-101 table not found"):
        NasBench101Table.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("strategy", ["freerea", "rea", "random"])
def test_search_reports_ground_truth(strategy):
    report = search(space="nasbench101", dataset="cifar10", budget=40, strategy=strategy, seed=0, proxies=("skip",))
    assert report.scored == 40 and report.benchmark_index is not None
    assert 0 < report.test_acc <= report.optimum_acc == pytest.approx(94.3176, abs=1e-3)
    assert report.regret == pytest.approx(report.optimum_acc - report.test_acc)


def test_constrained_search_stays_feasible_and_reports_the_feasible_optimum(arrays):
    report = search(
        space="nasbench101", dataset="cifar10", budget=3, strategy="random", seed=1, proxies=("skip",), max_params="3M"
    )
    assert report.params_m <= 3 and report.test_acc <= report.optimum_acc
    assert report.optimum_acc == pytest.approx(float(arrays["test_acc"][arrays["params"] <= 3e6].max()) * 100)


def test_other_datasets_are_rejected_in_one_line():
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "zeronas.cli.main",
            "search",
            "--space",
            "nasbench101",
            "--dataset",
            "cifar100",
            "--budget",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "cifar10 only" in lines[0]


def test_cost_model_prices_cells_in_closed_form_equal_to_built_networks(space):
    from zeronas.strategies.constraints import CostModel

    costs, rng = CostModel(space, CIFAR10), random.Random(7)
    for _ in range(3):
        cell = space.sample(rng)
        model = space.build_model(cell, 10)
        assert costs.params(cell) == count_params(model)
        assert costs.flops(cell) == count_flops(model, 32)


def test_report_names_the_benchmark_its_accuracy_comes_from():
    report = search(space="nasbench101", dataset="cifar10", budget=2, strategy="random", seed=0, proxies=("skip",))
    assert report.benchmark == "NAS-Bench-101, 108 epochs"


def test_precompute_scores_a_seeded_sample_and_needs_one(tmp_path):
    from zeronas.store import open_store

    store = tmp_path / "nb101.sqlite"
    base = [
        sys.executable,
        "-m",
        "zeronas.cli.main",
        "precompute",
        "--space",
        "nasbench101",
        "--proxies",
        "skip,params",
        "--workers",
        "1",
        "--store",
        str(store),
    ]
    r = subprocess.run(base, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "--sample" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run(base + ["--sample", "5"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "5 networks" in r.stdout
    scores = open_store(store).all_scores("nasbench101", "cifar10", ScoringSettings().tag(), ["skip", "params"])
    assert len(scores) == 5 and all(s.values["params"] > 0 for s in scores.values())


def test_tabular_replay_is_refused_for_a_space_too_large_to_tabulate():
    with pytest.raises(ZeronasError, match="too large"):
        search(space="nasbench101", dataset="cifar10", budget=2, proxies=("skip",), tabular="default")


def test_live_bench_runs_each_strategy_per_seed_reuses_cells_and_resumes(tmp_path):
    out = tmp_path / "bench101"
    args = [
        sys.executable,
        "-m",
        "zeronas.cli.main",
        "bench",
        "--space",
        "nasbench101",
        "--runs",
        "1",
        "--budget",
        "3",
        "--strategies",
        "random,freerea",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    rows = (out / "runs.jsonl").read_text().splitlines()
    assert [json.loads(x)["strategy"] for x in rows] == ["random", "freerea"]
    assert all(0 < json.loads(x)["test_acc"] <= 94.32 for x in rows)
    report = (out / "nasbench101.md").read_text()
    assert "optimum 94.32 %" in report
    # the same seed draws the same first cells, so FreeREA's come from the store random search filled
    report = re.sub(r" +", " ", report)  # Markdown cells are padded to the column width
    assert "| random | 0 |" in report and "| 3 of 3 |" in report and "| 0 of 3 |" in report
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)  # resume: nothing runs again
    assert r.returncode == 0 and (out / "runs.jsonl").read_text().splitlines() == rows
    # other initialisations are another run, labelled in the report
    once = [*args[:-5], "random", "--workers", "1", "--inits", "1", "--out", str(out)]
    r = subprocess.run(once, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    logged = [json.loads(x) for x in (out / "runs.jsonl").read_text().splitlines()]
    assert [(x["strategy"], x.get("inits")) for x in logged[2:]] == [("random", 1)]
    report = re.sub(r" +", " ", (out / "nasbench101.md").read_text())
    assert "| random (1 init) | 0 |" in report and "| 3 of 3 |" in report.split("random (1 init)")[1]
    db = sqlite3.connect(out / "scores.sqlite")  # the scorer itself averaged over one initialisation
    settings = {row[0] for row in db.execute("SELECT DISTINCT settings FROM scores")}
    db.close()
    assert {ScoringSettings(inits=1).tag(), ScoringSettings(inits=3).tag()} <= settings


def test_live_bench_runs_one_dataset_the_space_has(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "zeronas.cli.main",
            "bench",
            "--space",
            "nasbench101",
            "--datasets",
            "cifar100",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "choose from: cifar10" in lines[0], r.stderr
