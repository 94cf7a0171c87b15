"""The paths a practitioner walks: their own images, piped output, progress in logs, Ctrl-C, --top, limits shown."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zeronas.errors import ZeronasError
from zeronas.export import load
from zeronas.study import SearchConfig, search

CLI = [sys.executable, "-m", "zeronas.cli.main"]


def _cli(*args, timeout=600, env=None):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def three_classes(tmp_path_factory, shared):
    """A 3-class folder of 96 px images made from the real CIFAR-10 JPEGs (as a user's own data would be)."""
    root = tmp_path_factory.mktemp("mine")
    source = shared / "datasets" / "cifar10-jpeg-small" / "train"
    for name in ("airplane", "cat", "ship"):
        (root / name).mkdir()
        for path in sorted((source / name).iterdir())[:24]:
            Image.open(path).convert("RGB").resize((96, 96)).save(root / name / path.name)
    return root


def test_own_images_define_the_task(three_classes, tmp_path):
    result = search(
        SearchConfig(images=str(three_classes), resolution=48, budget=4, strategy="random", proxies=("naswot", "skip"))
    )
    assert result.dataset == f"folder:{three_classes.name}" and result.images == str(three_classes)
    assert result.test_acc is None and result.regret is None and result.benchmark is None  # not the benchmark
    study_json = json.loads(json.dumps(result.to_dict()))
    assert study_json["images"] == str(three_classes)
    r = _cli(
        "search",
        "--images",
        str(three_classes),
        "--resolution",
        "48",
        "--budget",
        "3",
        "--strategy",
        "random",
        "--workers",
        "1",
        "--export",
        str(tmp_path / "model"),
        "--json",
    )
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    model, meta = load(tmp_path / "model" / "model.pt")
    assert meta["num_classes"] == 3 and meta["resolution"] == 48 and meta["arch"] == found["arch"]
    means = np.array(meta["mean"])
    assert means.shape == (3,) and not np.allclose(means, [0.4914, 0.4822, 0.4465], atol=1e-3)  # its own statistics
    import torch

    assert model(torch.zeros(2, 3, 48, 48)).shape == (2, 3)


def test_own_images_bad_input_is_one_line(three_classes, tmp_path):
    some_file = next(next(three_classes.iterdir()).iterdir())
    for args, message in [
        (["--images", str(some_file)], "is a file: --images takes a folder of class folders"),
        (["--images", str(three_classes), "--tabular", "default"], "drop --images"),
        (["--resolution", "64"], "--resolution applies to your own --images"),
    ]:
        r = _cli("search", "--budget", "2", *args)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2 and len(lines) == 1 and message in lines[0], r.stderr


def test_piped_output_never_wraps_and_progress_is_logged(tmp_path):
    r = _cli("search", "--tabular", "default", "--budget", "60", "--top", "3", "--max-latency", "pixel3:20")
    assert r.returncode == 0, r.stderr
    arch = next(line.split()[1] for line in r.stdout.splitlines() if line.startswith("architecture"))
    assert re.fullmatch(r"(\|[a-z_0-9]+~\d(\|[a-z_0-9]+~\d)*\|\+?){3}", arch)  # whole, on one line
    tops = [line.split()[2] for line in r.stdout.splitlines() if line.startswith("top ")]
    assert len(tops) == 3 == len(set(tops)) and tops[0] == arch
    latency = next(line for line in r.stdout.splitlines() if line.startswith("latency:pixel3"))
    assert float(latency.split()[1]) <= 20
    assert re.search(r"scored 60/60 in \d+ s \([\d.]+/s, ETA \d+ s\), best so far \|", r.stderr)


def test_ctrl_c_ends_with_the_best_so_far_printed_and_recorded(tmp_path):
    store = tmp_path / "runs.sqlite"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [*CLI, "search", "--budget", "300", "--workers", "1", "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # a suite started in the background by a non-interactive shell inherits an ignored SIGINT, and so would
        # the search (Python then never raises KeyboardInterrupt): give it a terminal's default disposition
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    from zeronas.store import open_store

    deadline = time.time() + 300
    while time.time() < deadline:  # wait until a few networks are scored and recorded
        time.sleep(2)
        if store.exists() and open_store(store).db.execute("SELECT COUNT(*) FROM trajectory").fetchone()[0] >= 3:
            break
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted: the best of the" in stderr
    arch = next(line.split()[1] for line in stdout.splitlines() if line.startswith("architecture"))
    (run,) = open_store(store).runs()
    assert run["result"]["interrupted"] is True and run["result"]["arch"] == arch and run["result"]["scored"] >= 3


def test_correlate_says_when_the_sample_is_larger_than_the_table(tmp_path):
    r = _cli(
        "correlate",
        "--sample",
        "100000",
        "--proxies",
        "params",
        "--max-params",
        "0.1M",
        "--store",
        "none",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
    )
    assert r.returncode == 0, r.stderr
    assert re.search(r"--sample 100000 is more than the \d+ architectures available", r.stderr)


def test_search_defaults_to_both_cores():
    from typer.main import get_command

    from zeronas.cli.main import app

    search_command = get_command(app).commands["search"]
    workers = next(p for p in search_command.params if p.name == "workers")
    assert workers.default == 2  # as correlate, precompute and bench


def test_resolution_without_images_is_refused_in_the_api():
    with pytest.raises(ZeronasError, match="--resolution applies"):
        search(SearchConfig(budget=2, tabular=True, resolution=64))


def test_exported_model_records_its_normalisation(tmp_path):
    r = _cli(
        "export",
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|none~2|",
        "--out",
        str(tmp_path),
        "--no-onnx",
    )
    assert r.returncode == 0, r.stderr
    _, meta = load(Path(tmp_path) / "model.pt")
    assert meta["mean"] == pytest.approx([0.4914, 0.4822, 0.4465]) and meta["num_classes"] == 10


def test_the_command_line_starts_without_torch():
    code = (
        "import sys, zeronas.cli.main as m; m._register_commands(); "
        "import zeronas.spaces, zeronas.recipes; print('torch' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "False", r.stderr  # `zeronas --help` is instant


def test_a_tabular_search_needs_no_torch():
    code = (
        "import sys; from zeronas.study import search; r = search(tabular=True, budget=50); "
        "print(r.scored, 'torch' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.split() == ["50", "False"], r.stderr  # a replay starts in about a second
