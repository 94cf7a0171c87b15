"""`zeronas train`: a real NATS-Bench cell trained on real CIFAR-10 JPEGs (200 of them at 16 px, so it is fast),
checkpoints that survive kill -9 and resume to exactly the weights of an uninterrupted run, and one-line errors
for a foreign or truncated checkpoint and for bad input."""

import csv
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch

from zeronas.errors import ZeronasError
from zeronas.export import build, export, load
from zeronas.training import TrainConfig, augment, load_data, read_checkpoint, stratified_split, train_network

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
EPOCHS, PER_CLASS = 3, 20
SMALL = ("--resolution", "16", "--batch-size", "32", "--epochs", str(EPOCHS), "--checkpoint-every", "1")
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}  # the same thread count in every run: bitwise-equal float sums


def zeronas(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "zeronas.cli.main", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=300)


def one_line_error(r: subprocess.CompletedProcess, *fragments: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zeronas: error: "), r.stderr
    assert "Traceback" not in r.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def state_dict(path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


@pytest.fixture(scope="module")
def images(shared, tmp_path_factory):
    """20 training JPEGs of each CIFAR-10 class from the shared folder (class folders, as users keep them)."""
    source = shared / "datasets" / "cifar10-jpeg-small" / "train"
    folder = tmp_path_factory.mktemp("images")
    for class_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        (folder / class_dir.name).mkdir()
        for jpg in sorted(class_dir.glob("*.jpg"))[:PER_CLASS]:
            shutil.copy(jpg, folder / class_dir.name / jpg.name)
    return folder


@pytest.fixture(scope="module")
def uninterrupted(images, tmp_path_factory):
    out = tmp_path_factory.mktemp("train") / "run"
    r = zeronas("train", ARCH, "--images", str(images), *SMALL, "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out, r


def test_training_writes_history_and_a_reloadable_trained_model(uninterrupted, nats_table):
    out, r = uninterrupted
    with open(out / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(row["epoch"]) for row in rows] == list(range(1, EPOCHS + 1))
    assert set(rows[0]) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"}
    assert all(0 <= float(row["val_acc"]) <= 100 and float(row["train_loss"]) > 0 for row in rows)
    assert float(rows[0]["lr"]) > float(rows[-1]["lr"]) > 0  # cosine, per step, to 0 after the last step

    model, meta = load(out / "model.pt")  # the export format: zeronas.export.load rebuilds the trained network
    assert meta["arch"] == ARCH and meta["num_classes"] == 10 and meta["resolution"] == 16
    assert meta["trained"]["val_acc"] == pytest.approx(float(rows[-1]["val_acc"]))
    assert meta["trained"]["train_images"] + meta["trained"]["val_images"] == 10 * PER_CLASS
    final = read_checkpoint(out / "checkpoint.pt")["model"]
    assert all(torch.equal(final[k], v) for k, v in model.state_dict().items())
    torch.manual_seed(0)
    fresh, _ = build("nats-tss", ARCH, "cifar10")
    assert not torch.equal(fresh.state_dict()["stem.0.weight"], model.state_dict()["stem.0.weight"])
    assert model.eval()(torch.randn(2, 3, 16, 16)).shape == (2, 10)

    val_line = next(line for line in r.stdout.splitlines() if line.startswith("val accuracy"))
    assert f" {float(rows[-1]['val_acc']):.2f} % " in val_line
    bench = nats_table.row(ARCH)["valid_acc_12ep_cifar10"]
    benchmark_line = next(line for line in r.stdout.splitlines() if line.startswith("benchmark 12ep"))
    assert f"{bench:.2f} % NATS-Bench" in benchmark_line and "full cifar10 training set" in benchmark_line
    assert f"epoch {EPOCHS}/{EPOCHS}" in r.stderr  # one line per epoch on stderr when not a terminal


def test_kill_9_mid_run_then_resume_gives_exactly_the_uninterrupted_weights(uninterrupted, images, tmp_path):
    reference, _ = uninterrupted
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "zeronas.cli.main", "train", ARCH, "--images", str(images), *SMALL, "--out", str(out)]
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.pt").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and not (out / "model.pt").exists(), "the run ended before the kill"
    killed_at = read_checkpoint(out / "checkpoint.pt")
    assert 0 < killed_at["step"] < EPOCHS * 6

    r = zeronas("train", ARCH, "--images", str(images), *SMALL, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "zeronas: resuming from" in r.stderr and "step" in r.stderr
    resumed, expected = state_dict(out / "model.pt"), state_dict(reference / "model.pt")
    assert resumed.keys() == expected.keys() and all(torch.equal(resumed[k], expected[k]) for k in expected)
    columns = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr")
    with open(out / "history.csv") as a, open(reference / "history.csv") as b:
        assert [[row[c] for c in columns] for row in csv.DictReader(a)] == [
            [row[c] for c in columns] for row in csv.DictReader(b)
        ]


def test_a_checkpoint_of_other_settings_or_a_truncated_one_is_one_line(uninterrupted, images, tmp_path):
    reference, _ = uninterrupted
    out = tmp_path / "copy"
    shutil.copytree(reference, out)
    r = zeronas("train", ARCH, "--images", str(images), *SMALL, "--lr", "0.05", "--out", str(out))
    one_line_error(r, "belongs to another training run", "config.lr 0.1 -> 0.05", "--restart", "--out")

    data = (out / "checkpoint.pt").read_bytes()
    (out / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    r = zeronas("train", ARCH, "--images", str(images), *SMALL, "--out", str(out))
    one_line_error(r, "checkpoint.pt is corrupted or truncated", "--restart")


@pytest.mark.parametrize(
    "args, message",
    [
        (["|nor_conv_3x3~0|+|bogus~0|"], "malformed nats-tss architecture '|nor_conv_3x3~0|+|bogus~0|'"),
        ([ARCH, "--images", "/nonexistent/images"], "--images folder not found: /nonexistent/images"),
        ([], "give an architecture string or --model PATH"),
        ([ARCH, "--device", "cuda"], "sees no CUDA GPU"),
        ([ARCH, "--epochs", "0"], "--epochs must be at least 1"),
    ],
)
def test_bad_input_is_one_line(args, message, tmp_path):
    if "cuda" in args and torch.cuda.is_available():
        pytest.skip("a GPU is visible here")
    r = zeronas("train", *args, "--out", str(tmp_path / "out"))
    one_line_error(r)
    assert message in r.stderr, r.stderr


def test_augmentation_is_seeded_crop_with_zero_padding_and_flip():
    x = torch.randint(1, 256, (64, 3, 32, 32), dtype=torch.uint8)
    a = augment(x, torch.Generator().manual_seed(1))
    assert a.shape == x.shape and a.dtype == torch.uint8
    assert torch.equal(a, augment(x, torch.Generator().manual_seed(1)))
    assert not torch.equal(a, augment(x, torch.Generator().manual_seed(2)))
    assert (a == 0).any() and int((a == 0).flatten(1).sum(1).max()) <= 3 * (32 * 32 - 28 * 28)  # ≤ 4 px of zeros
    for i in range(64):  # every output is a shifted (and maybe mirrored) window of its input
        inner = a[i, :, 4:28, 4:28]
        found = any(
            torch.equal(inner, img[:, dy : dy + 24, dx : dx + 24])
            for img in (x[i], x[i].flip(2))
            for dy in range(9)
            for dx in range(9)
        )
        assert found


def test_the_validation_split_is_stratified_and_seeded():
    labels = torch.arange(10).repeat_interleave(20)
    train, val = stratified_split(labels, 0.1, seed=0)
    assert len(val) == 20 and torch.bincount(labels[val]).tolist() == [2] * 10
    assert set(train.tolist()).isdisjoint(val.tolist()) and len(train) + len(val) == 200
    assert torch.equal(val, stratified_split(labels, 0.1, seed=0)[1])
    assert not torch.equal(val, stratified_split(labels, 0.1, seed=1)[1])


def test_training_continues_from_an_exported_model(images, tmp_path):
    exported = export("nats-tss", ARCH, "cifar10", tmp_path / "found", onnx=False)["pytorch"]
    data = load_data("cifar10", images=images, resolution=16, val_fraction=0.1)
    assert data.mean != (0.4914, 0.4822, 0.4465)  # the training split's own statistics
    config = TrainConfig(epochs=1, batch_size=64)
    result = train_network(data, config, tmp_path / "run", space="nats-tss", init_model=exported, checkpoint_every=0)
    assert result.meta["arch"] == ARCH and result.meta["trained"]["init"] == str(exported)
    assert result.meta["mean"] == list(data.mean)
    with pytest.raises(ZeronasError, match="another training run.*init differs"):
        train_network(data, config, tmp_path / "run", space="nats-tss", arch=ARCH)
