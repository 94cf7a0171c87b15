"""Measured latency (zeronas.hardware): both backends on a real NATS-Bench network, the device fingerprint, and the
store cache that keeps a rerun from measuring again. Only one timing assertion: an ordering with a wide margin."""

import math
import sqlite3
import sys

import pytest
import torch

from zeronas.data.datasets import get_dataset
from zeronas.errors import ZeronasError
from zeronas.hardware import latency
from zeronas.hardware.device import intra_op_threads
from zeronas.hardware.latency import (
    LatencyMeter,
    LatencySettings,
    device_fingerprint,
    device_info,
    measure_latency,
)
from zeronas.spaces import get_space
from zeronas.store import open_store

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
TINY = "|none~0|+|skip_connect~0|none~1|+|none~0|skip_connect~1|none~2|"
BIG = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
QUICK = dict(warmup=1, runs=3)


@pytest.fixture(scope="module")
def space():
    return get_space("nats-tss")


@pytest.fixture(scope="module")
def cifar10():
    return get_dataset("cifar10")


@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_both_backends_measure_a_real_cell(space, backend):
    model = space.build_model(space.parse(ARCH), 10).train()
    ms = measure_latency(model, 32, LatencySettings(backend=backend, **QUICK))
    assert math.isfinite(ms) and ms > 0
    assert model.training  # the model's mode is restored


def test_a_bigger_cell_is_slower_by_a_wide_margin(space):
    # the cell of skips and zeros is ~5-10x faster than six 3x3 convolutions; a factor 2 leaves room for noise
    for backend in ("torch", "onnxruntime"):
        settings = LatencySettings(backend=backend, warmup=2, runs=7)
        tiny = measure_latency(space.build_model(space.parse(TINY), 10), 32, settings)
        big = measure_latency(space.build_model(space.parse(BIG), 10), 32, settings)
        assert big > 2 * tiny, (backend, tiny, big)


def test_torch_thread_count_is_fixed_inside_and_restored_after(space):
    before = torch.get_num_threads()
    with intra_op_threads(before + 1):
        assert torch.get_num_threads() == before + 1
    assert torch.get_num_threads() == before
    measure_latency(space.build_model(space.parse(TINY), 10), 32, LatencySettings(threads=2, **QUICK))
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    "bad",
    [dict(backend="tensorrt"), dict(batch=0), dict(runs=0), dict(threads=0), dict(warmup=-1), dict(runs=2.5)],
)
def test_bad_settings_are_one_line_errors(bad):
    with pytest.raises(ZeronasError) as exc:
        LatencySettings(**bad)
    assert "\n" not in str(exc.value)


def test_missing_onnxruntime_is_one_line_naming_the_install(space, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` raises ImportError
    model = space.build_model(space.parse(TINY), 10)
    with pytest.raises(ZeronasError, match="pip install onnxruntime") as exc:
        measure_latency(model, 32, LatencySettings(backend="onnxruntime", **QUICK))
    assert "\n" not in str(exc.value)


def test_fingerprint_is_stable_and_changes_with_what_the_measurement_depends_on():
    base = LatencySettings()
    assert device_fingerprint(base) == device_fingerprint(LatencySettings())
    assert device_fingerprint(base) == device_fingerprint(LatencySettings(warmup=0, runs=99))  # noise, not what
    others = [LatencySettings(threads=2), LatencySettings(batch=8), LatencySettings(backend="onnxruntime")]
    prints = {device_fingerprint(s) for s in [base, *others]}
    assert len(prints) == 4 and all(len(p) < 40 for p in prints)
    info = device_info(LatencySettings(backend="onnxruntime"))
    assert {"cpu", "logical_cores", "os", "backend", "torch", "onnxruntime", "threads", "batch"} <= set(info)
    assert "onnxruntime" not in device_info(base) and info["cpu"]


@pytest.fixture
def fake_measure(monkeypatch):
    """measure_latency replaced by a counter: the value is the number of parameters (deterministic, instant)."""
    calls = []

    def fake(model, resolution, settings):
        calls.append((resolution, settings))
        return float(sum(p.numel() for p in model.parameters())) / 1e6 + settings.threads

    monkeypatch.setattr(latency, "measure_latency", fake)
    return calls


def test_meter_memoises_by_canonical_key(space, cifar10, fake_measure):
    meter = LatencyMeter(space, cifar10, LatencySettings(**QUICK))
    # node 1 feeds nothing, so its input edge does not change the network: one key, one measurement
    a = space.parse("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|none~2|")
    twin = space.parse("|avg_pool_3x3~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|none~2|")
    assert meter.ms(a) == meter.ms(twin) == meter(a)
    assert meter.measured == 1 and len(fake_measure) == 1 and fake_measure[0][0] == 32


def test_a_rerun_on_the_same_store_measures_nothing(tmp_path, space, cifar10, fake_measure):
    path = tmp_path / "store.sqlite"
    archs = [space.parse(ARCH), space.parse(TINY), space.parse(BIG)]
    store = open_store(path)
    first = LatencyMeter(space, cifar10, LatencySettings(**QUICK), cache=store)
    values = [first.ms(a) for a in archs]
    assert first.measured == 3
    store.close()

    store = open_store(path)  # a new process would see the same file
    again = LatencyMeter(space, cifar10, LatencySettings(**QUICK), cache=store)
    assert [again.ms(a) for a in archs] == values and again.measured == 0
    assert len(fake_measure) == 3 and again.fingerprint == first.fingerprint

    other = LatencyMeter(space, cifar10, LatencySettings(threads=2, **QUICK), cache=store)  # another fingerprint
    assert other.ms(archs[0]) != values[0] and other.measured == 1
    ort = LatencyMeter(space, cifar10, LatencySettings(backend="onnxruntime", **QUICK), cache=store)
    ort.ms(archs[0])
    cifar100 = LatencyMeter(space, "cifar100", LatencySettings(**QUICK), cache=store)  # another classifier
    cifar100.ms(archs[0])
    assert ort.measured == 1 and cifar100.measured == 1 and len(fake_measure) == 6
    rows = store.db.execute("SELECT COUNT(*), COUNT(DISTINCT fingerprint) FROM latencies").fetchone()
    assert rows == (6, 3)
    store.close()


def test_stores_without_the_latency_table_keep_working(tmp_path, space, cifar10, fake_measure):
    path = tmp_path / "old.sqlite"
    open_store(path).close()
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close()
    assert "latencies" not in tables  # created on first use: older zeronas versions still read this store
    store = open_store(path)
    meter = LatencyMeter(space, cifar10, LatencySettings(**QUICK), cache=store)
    meter.ms(space.parse(TINY))
    store.close()
    store = open_store(path)  # a store holding latencies reopens (the table is ours)
    assert LatencyMeter(space, cifar10, LatencySettings(**QUICK), cache=store).ms(space.parse(TINY)) == meter.ms(
        space.parse(TINY)
    )
    store.close()


def test_meter_measures_for_real(space, cifar10):
    meter = LatencyMeter("nats-tss", "cifar10", LatencySettings(**QUICK))
    ms = meter.ms(space.parse(TINY))
    assert ms > 0 and meter.measured == 1 and meter.fingerprint.startswith("torch-t1-b1-")
    assert meter.device()["threads"] == 1
