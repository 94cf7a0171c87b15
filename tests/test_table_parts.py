"""Score-table parts: proxies added later, with their own settings, are read together with the main table."""

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from zeronas.bench.tables import TABLES_DIR, read_tables, table_file, table_parts
from zeronas.errors import ZeronasError
from zeronas.scoring.scorer import Scores
from zeronas.study import SearchConfig, Study


@pytest.fixture(scope="module")
def with_part(tmp_path_factory, nats):
    """A copy of the packaged CIFAR-10 table plus a part 'extra' with a 'layers' column exported from a store
    scored at inits=1 (values: the number of conv edges, a cheap stand-in computed from each class key)."""
    from zeronas.store import open_store

    folder = tmp_path_factory.mktemp("tables")
    main = table_file("nats-tss", "cifar10", folder)
    shutil.copy(table_file("nats-tss", "cifar10"), main)
    shutil.copy(TABLES_DIR / "nats-tss-cifar10.json", folder / "nats-tss-cifar10.json")
    store = open_store(folder / "s.sqlite")
    conv = {}
    for arch in nats.all():
        key = nats.canonical_key(arch)
        if key not in conv:
            conv[key] = float(nats.format(nats.representative(arch)).count("conv"))
            store.put(
                "nats-tss", "cifar10", "inits=1,batch=64,seed=0", key, Scores({"layers": conv[key]}, {"layers": 0.5})
            )
    store.close()
    args = ["export-table", "--dataset", "cifar10", "--proxies", "layers", "--inits", "1", "--part", "extra"]
    r = subprocess.run(
        [sys.executable, "-m", "zeronas.cli.main", *args, "--store", str(folder / "s.sqlite"), "--out", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return main


def test_a_part_adds_columns_with_its_own_settings(with_part):
    part = with_part.with_name("nats-tss-cifar10.extra.csv.gz")
    assert table_parts(with_part) == [with_part, part]
    frame, owner = read_tables(with_part)
    assert owner["naswot"] == with_part and owner["layers"] == part
    assert len(frame) == 15625 and {"naswot", "layers", "layers_s"} <= set(frame.columns)
    best = frame.loc[frame["arch"].str.count("conv").idxmax()]
    assert best["layers"] == 6 and best["layers_s"] == 0.5
    meta = json.loads(with_part.with_name("nats-tss-cifar10.extra.json").read_text())
    assert meta["settings"] == "inits=1,batch=64,seed=0" and meta["proxies"] == ["layers"]
    # cifar100's table is not a part of cifar10's, though its name starts the same
    assert [p.name for p in table_parts(table_file("nats-tss", "cifar10"))] == [
        "nats-tss-cifar10.csv.gz",
        "nats-tss-cifar10.az.csv.gz",
        "nats-tss-cifar10.zoo.csv.gz",
    ]


def test_a_search_combines_main_and_part_proxies(with_part):
    config = SearchConfig(
        dataset="cifar10", tabular=str(with_part), proxies=("naswot", "layers"), combine="log-rank", budget=40
    )
    with Study(config) as study:
        first, again = study.run(seed=3), study.run(seed=3)
    assert first.scored == 40 and first.arch == again.arch
    assert first.scores["layers"] == first.arch.count("conv") and first.test_acc > 80


def test_a_part_that_lists_other_cells_is_one_line(with_part, tmp_path):
    folder = tmp_path / "t"
    shutil.copytree(with_part.parent, folder, ignore=shutil.ignore_patterns("*.sqlite*"))
    part = folder / "nats-tss-cifar10.extra.csv.gz"
    frame = pd.read_csv(part)
    frame.iloc[::-1].to_csv(part, index=False, compression="gzip")
    with pytest.raises(ZeronasError, match="does not list the same cells"):
        read_tables(folder / "nats-tss-cifar10.csv.gz")
    r = subprocess.run(
        [sys.executable, "-m", "zeronas.cli.main", "export-table", "--part", "../x", "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "--part" in lines[0], r.stderr


PACKAGED_PARTS = {
    "zoo": ("meco", "swap_reg", "layers"),
    "az": ("az_expressivity", "az_progressivity", "az_trainability"),
}


@pytest.mark.parametrize("name", sorted(PACKAGED_PARTS))
def test_packaged_part_equals_live_scores_at_one_init(nats, cifar10_images, name):
    """The packaged part's values are what a live search with --inits 1 computes (same images, seed 0)."""
    from zeronas.scoring.scorer import Scorer, ScoringSettings

    proxies = PACKAGED_PARTS[name]
    frame, owner = read_tables(table_file("nats-tss", "cifar10"))
    part = owner[proxies[0]]
    assert part.name == f"nats-tss-cifar10.{name}.csv.gz" and all(owner[p] == part for p in proxies)
    meta = json.loads(part.with_name(f"nats-tss-cifar10.{name}.json").read_text())
    assert meta["settings"] == "inits=1,batch=64,seed=0" and meta["rows"] == 15625
    info, images, labels = cifar10_images
    scorer = Scorer.create(nats, info, list(proxies), images, labels, ScoringSettings(inits=1))
    for index in (0, 9930, 15624):
        row = frame[frame["index"] == index].iloc[0]
        live = scorer.score(nats.parse(row["arch"])).values
        for proxy in proxies:
            assert live[proxy] == pytest.approx(row[proxy], rel=1e-6, nan_ok=True), (index, proxy)


def test_search_inits_is_checked_and_keys_the_store(tmp_path):
    args = [sys.executable, "-m", "zeronas.cli.main", "search", "--inits", "0"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=300)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "--inits must be at least 1" in lines[0], r.stderr
    from zeronas.store import open_store
    from zeronas.study import search

    search(dataset="cifar10", proxies=("meco",), budget=3, inits=1, store=str(tmp_path / "s.sqlite"))
    store = open_store(tmp_path / "s.sqlite")
    assert len(store.all_scores("nats-tss", "cifar10", "inits=1,batch=64,seed=0", ["meco"])) == 3
