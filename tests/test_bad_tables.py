"""Bad benchmark and score tables are refused at load, in one line naming the file, before any scoring."""

import gzip
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from zeronas.bench.tables import read_table
from zeronas.errors import ZeronasError
from zeronas.groundtruth import hwnas, nasbench101_table, nats_table
from zeronas.paths import read_csv_table


@pytest.fixture(scope="module")
def nats_csv(shared):
    return shared / "benchmarks" / "nats-tss.csv"


@pytest.fixture(scope="module")
def nats_frame(nats_csv):
    return pd.read_csv(nats_csv)


@pytest.fixture(scope="module")
def hw_frame(shared):
    return pd.read_csv(shared / "benchmarks" / "hw-nas-bench.csv")


@pytest.fixture(scope="module")
def nb101_arrays(shared):
    with np.load(shared / "benchmarks" / "nasbench101.npz") as f:
        return {k: f[k][:50] for k in nasbench101_table.REQUIRED}


def one_line(call, *args) -> str:
    """The ZeronasError message of call(*args), checked to be one line."""
    with pytest.raises(ZeronasError) as info:
        call(*args)
    message = str(info.value)
    assert "\n" not in message and message.strip() == message
    return message


def cli_error(*args) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "zeronas.cli.main", "search", *args, "--budget", "5"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("zeronas: error: ") and not r.stdout.strip(), (r.stdout, r.stderr)
    return lines[0]


def edited(frame: pd.DataFrame, row: int, col: str, value) -> pd.DataFrame:
    out = frame.copy()
    out[col] = out[col].astype(object)
    out.loc[row, col] = value
    return out


# -- through the CLI: exit 2, one stderr line, nothing searched ---------------------------------------------


def test_truncated_nats_table_is_refused_by_the_cli(nats_csv, tmp_path):
    short = tmp_path / "nats-tss.csv"
    short.write_text("".join(nats_csv.read_text().splitlines(keepends=True)[:1001]))  # header + 1,000 rows
    line = cli_error("--table", str(short), "--tabular", "default")
    assert str(short) in line and "the table has 1,000 of 15,625 rows" in line


def test_non_numeric_accuracy_is_refused_by_the_cli(nats_frame, tmp_path):
    bad = tmp_path / "acc.csv"
    edited(nats_frame, 17, "test_acc_cifar10", "93.1x").to_csv(bad, index=False)
    line = cli_error("--table", str(bad), "--tabular", "default")
    assert str(bad) in line and "test_acc_cifar10" in line and "index 17" in line and "'93.1x'" in line


def test_binary_file_as_csv_is_refused_by_the_cli(tmp_path):
    bad = tmp_path / "random.csv"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    line = cli_error("--table", str(bad), "--tabular", "default")
    assert str(bad) in line and "is not a CSV text file" in line and "codec" not in line


def test_nasbench101_given_a_csv_is_refused_by_the_cli(nats_csv, tmp_path):
    bad = tmp_path / "table.csv"
    bad.write_text("".join(nats_csv.read_text().splitlines(keepends=True)[:20]))
    line = cli_error("--space", "nasbench101", "--table", str(bad), "--proxies", "skip")
    assert f"{bad} is not a NAS-Bench-101 table (.npz expected)" in line and "pickle" not in line


# -- NATS-Bench ----------------------------------------------------------------------------------------------


def test_truncated_nats_table_fails_before_any_scoring(nats_frame, tmp_path, monkeypatch):
    import zeronas.scoring.scorer as scorer
    import zeronas.scoring.tabular as tabular
    from zeronas.study import search

    def never(*args, **kwargs):
        raise AssertionError("scoring started before the table was checked")

    monkeypatch.setattr(scorer.Scorer, "create", never)
    monkeypatch.setattr(tabular, "open_table", never)
    short = tmp_path / "short.csv"
    nats_frame.head(1000).to_csv(short, index=False)
    with pytest.raises(ZeronasError, match="the table has 1,000 of 15,625 rows"):
        search(space="nats-tss", dataset="cifar10", table=str(short), budget=5, proxies=("skip",))


@pytest.mark.parametrize(
    "row, col, value, words",
    [
        (17, "test_acc_cifar100", "n/a?", ["test_acc_cifar100", "index 17", "'n/a?'", "not a finite number"]),
        (30, "test_acc_imagenet16", "inf", ["test_acc_imagenet16", "index 30", "'inf'"]),
        (40, "test_acc_cifar10", None, ["test_acc_cifar10", "index 40", "missing"]),
        (20, "params_m_cifar10", "", ["params_m_cifar10", "index 20", "missing"]),
        (5, "index", 7, ["index 7 appears twice, on lines 7 and 9"]),
        (5, "index", 20000, ["index 20000", "outside 0..15624"]),
        (5, "index", "five", ["index on line 7", "'five'", "not a whole number"]),
        (9, "arch", "|conv~0|+|x|", ["arch of the row with index 9", "malformed"]),
        (9, "arch", "|nor_conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|", ["unknown op 'nor_conv_9x9'"]),
        (9, "arch", " |none~0|+|none~0|none~1|+|none~0|none~1|none~2|", ["not in the table's form"]),
    ],
)
def test_bad_nats_rows_are_named(nats_frame, tmp_path, row, col, value, words):
    bad = tmp_path / "bad.csv"
    edited(nats_frame, row, col, value).to_csv(bad, index=False)
    message = one_line(nats_table.NatsTable, bad)
    assert str(bad) in message and all(w in message for w in words), message


def test_duplicate_arch_is_refused(nats_frame, tmp_path):
    bad = tmp_path / "dup.csv"
    edited(nats_frame, 9, "arch", nats_frame.loc[3, "arch"]).to_csv(bad, index=False)
    assert "appears twice, on lines 5 and 11" in one_line(nats_table.NatsTable, bad)


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\n\n  \n", "is empty"),
        ("nats.csv", "gzip", "gzip-compressed data: name it .csv.gz"),
        ("table.csv", "npz", "a zip archive such as an .npz"),
        ("nul.csv", b"index,arch\n0,\x00\x01\n", "is not a CSV text file"),
        ("latin1.csv", "index,arch\n0,caf\xe9\n".encode("latin-1"), "is not a CSV text file"),
        ("plain.csv.gz", b"index,arch\n0,a\n", "named .gz but is not gzip-compressed"),
    ],
)
def test_files_that_are_not_csv_text_are_one_line(tmp_path, name, content, words):
    path = tmp_path / name
    if content == "gzip":
        content = gzip.compress(b"index,arch\n0,a\n")
    elif content == "npz":
        np.savez(tmp_path / "x.npz", a=np.arange(3))
        content = (tmp_path / "x.npz").read_bytes()
    path.write_bytes(content)
    message = one_line(read_csv_table, path, "NATS-Bench")
    assert str(path) in message and words in message and "codec" not in message
    assert words in one_line(nats_table.NatsTable, path)


def test_gzipped_and_plain_real_tables_still_load(nats_csv, tmp_path):
    copy = tmp_path / "nats-tss.csv.gz"
    copy.write_bytes(gzip.compress(nats_csv.read_bytes()))
    table = nats_table.NatsTable(copy)
    assert len(table) == 15_625 and table.frame["index"].dtype == np.int64
    assert table.arch_of(6111) == nats_table.NatsTable(nats_csv).arch_of(6111)


# -- HW-NAS-Bench --------------------------------------------------------------------------------------------


def test_hwnas_truncated_and_non_numeric_latency(hw_frame, tmp_path):
    short = tmp_path / "short.csv"
    hw_frame.head(100).to_csv(short, index=False)
    assert "the table has 100 of 15,625 rows" in one_line(hwnas.HwNasTable, short)
    bad = tmp_path / "bad.csv"
    edited(hw_frame, 12, "pixel3_latency_cifar100", "fast").to_csv(bad, index=False)
    message = one_line(hwnas.HwNasTable, bad)
    assert str(bad) in message and "pixel3_latency_cifar100" in message and "index 12" in message
    assert "'fast'" in message
    binary = tmp_path / "hw.csv"
    binary.write_bytes(gzip.compress(b"x" * 100))
    assert "is not a CSV text file" in one_line(hwnas.HwNasTable, binary)


# -- NAS-Bench-101 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"index,arch\n0,a\n", b"\x00\x01\x02garbage" * 50, b"", b"\x93NUMPY\x01\x00"])
def test_nasbench101_non_npz_files(tmp_path, content):
    path = tmp_path / "nb101.npz"
    path.write_bytes(content)
    message = one_line(nasbench101_table.NasBench101Table, path)
    assert message == f"{path} is not a NAS-Bench-101 table (.npz expected)"


def test_nasbench101_object_arrays_and_short_arrays(nb101_arrays, tmp_path):
    objects = tmp_path / "objects.npz"
    np.savez(objects, **{**nb101_arrays, "ops": np.array([[1, 2]] * 49 + [["a"]], dtype=object)})
    message = one_line(nasbench101_table.NasBench101Table, objects)
    assert "array 'ops' holds Python objects" in message and "pickle" not in message
    short = tmp_path / "short.npz"
    np.savez(short, **{**nb101_arrays, "params": nb101_arrays["params"][:10]})
    assert "array 'params' has 10 rows, 'hash' has 50" in one_line(nasbench101_table.NasBench101Table, short)
    nan = tmp_path / "nan.npz"
    np.savez(nan, **{**nb101_arrays, "test_acc": np.where(np.arange(50) == 7, np.nan, nb101_arrays["test_acc"])})
    assert "test_acc of row 7 is nan" in one_line(nasbench101_table.NasBench101Table, nan)


def test_nasbench101_small_table_only_as_an_explicit_file(nb101_arrays, tmp_path, monkeypatch):
    monkeypatch.delenv(nasbench101_table.TABLE_ENV, raising=False)
    (tmp_path / "benchmarks").mkdir()
    small = tmp_path / "benchmarks" / "nasbench101.npz"
    np.savez(small, **nb101_arrays)
    assert len(nasbench101_table.NasBench101Table.load(small)) == 50  # --table: a test or subset table
    message = one_line(nasbench101_table.NasBench101Table.load, None, tmp_path)  # the data folder's copy
    assert str(small) in message and "the table has 50 of 423,624 rows" in message
    compressed = tmp_path / "nb101.npz.gz"
    compressed.write_bytes(gzip.compress(small.read_bytes()))
    assert len(nasbench101_table.NasBench101Table.load(compressed)) == 50


# -- score tables --------------------------------------------------------------------------------------------


def test_score_tables_bad_content(tmp_path):
    good = pd.DataFrame({"index": [0, 1], "arch": ["a", "b"], "skip": [0.5, np.nan], "skip_s": [0.1, 0.2]})
    ok = tmp_path / "ok.csv.gz"
    good.to_csv(ok, index=False)
    frame = read_table(ok)
    assert np.isnan(frame["skip"][1]) and frame["skip_s"].dtype == np.float64  # a NaN score is kept
    text = tmp_path / "text.csv.gz"
    edited(good, 1, "skip_s", "slow").to_csv(text, index=False)
    message = one_line(read_table, text)
    assert str(text) in message and "skip_s" in message and "index 1" in message and "'slow'" in message
    binary = tmp_path / "bin.csv"
    binary.write_bytes(gzip.compress(b"index,arch\n"))
    assert "is not a CSV text file" in one_line(read_table, binary)
    empty = tmp_path / "empty.csv.gz"
    empty.write_bytes(gzip.compress(b""))
    assert "is empty" in one_line(read_table, empty)
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(ok.read_bytes()[:-12])
    assert "truncated" in one_line(read_table, truncated)
