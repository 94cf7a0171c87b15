import json
import subprocess
import sys

import pytest


def zeronas(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "zeronas.cli.main", *args], capture_output=True, text=True, env=env, timeout=600
    )


def test_search_json_reports_ground_truth():
    r = zeronas("search", "--budget", "8", "--seed", "1", "--dataset", "imagenet16-120", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["scored"] == 8 and report["dataset"] == "imagenet16-120"
    assert 0 < report["test_acc"] <= report["optimum_acc"] == pytest.approx(47.3111, abs=1e-3)
    assert report["regret"] == pytest.approx(report["optimum_acc"] - report["test_acc"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "--dataset", "mnist"], "unknown dataset 'mnist'"),
        (["search", "--space", "darts"], "unknown search space 'darts'"),
        (["search", "--strategy", "bayes"], "unknown strategy 'bayes'"),
        (["search", "--max-flops", "1e6"], "no architecture in nats-tss satisfies flops"),
        (["search", "--max-params", "lots"], "cannot read params limit"),
        (["search", "--table", "/nonexistent/nats.csv"], "NATS-Bench table not found"),
        (["search", "--proxies", "naswot,magic"], "unknown proxy 'magic'"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, message):
    r = zeronas(*args, "--budget", "2")
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr


def test_missing_data_root_is_a_clear_error(tmp_path):
    r = zeronas("search", "--budget", "2", "--data-root", str(tmp_path))
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


def test_corrupted_table_is_a_clear_error(tmp_path):
    bad = tmp_path / "nats.csv"
    bad.write_text("index,foo\n1,2\n")
    r = zeronas("search", "--budget", "2", "--table", str(bad))
    assert r.returncode == 2 and "not a NATS-Bench table" in r.stderr
