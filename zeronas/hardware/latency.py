"""Latency measured on the user's own machine, for search constraints and objectives and for `zeronas export`.

A measurement is the median of `runs` timed forward passes (after `warmup` untimed ones) of a network in eval
mode, on a fixed number of threads, either in PyTorch eager mode or in ONNX Runtime (the network exported to
ONNX in memory). Timings depend on the machine and the software, so each is keyed by a device fingerprint
(CPU model, logical cores, OS, backend, library versions, threads, batch): a store holds the measurements of
several machines side by side and never reuses one measured elsewhere.

torch and onnxruntime are imported only when something is measured.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import statistics
import time
import warnings
from collections.abc import Hashable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from zeronas.errors import ZeronasError
from zeronas.hardware.device import intra_op_threads

if TYPE_CHECKING:
    from torch import nn

    from zeronas.data.datasets import DatasetInfo
    from zeronas.spaces.base import SearchSpace

BACKENDS = ("torch", "onnxruntime")  # PyTorch eager; ONNX Runtime's CPU execution provider


@dataclass(frozen=True)
class LatencySettings:
    """How a latency is measured. `threads` is fixed (intra-op threads; ONNX Runtime runs its graph sequentially)
    so measurements are comparable between runs and with other work on the machine."""

    backend: str = "torch"
    batch: int = 1
    warmup: int = 5
    runs: int = 20
    threads: int = 1

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ZeronasError(f"unknown latency backend {self.backend!r}; choose one of: {', '.join(BACKENDS)}")
        for name, least in (("batch", 1), ("runs", 1), ("threads", 1), ("warmup", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ZeronasError(f"latency {name} must be an integer of at least {least}, got {value!r}")


# -- the machine --------------------------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    return " ".join(value.split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def device_info(settings: LatencySettings) -> dict[str, str | int]:
    """The readable form of device_fingerprint(settings): everything a measurement depends on, for reports."""
    import torch

    info: dict[str, str | int] = {
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count() or 0,
        "os": f"{platform.system()} {platform.machine()}",
        "backend": settings.backend,
        "torch": torch.__version__,
    }
    if settings.backend == "onnxruntime":
        info["onnxruntime"] = _onnxruntime().__version__
    info["threads"] = settings.threads
    info["batch"] = settings.batch
    return info


def device_fingerprint(settings: LatencySettings) -> str:
    """A short stable string that changes whenever a measurement would (another CPU, core count, OS, backend,
    torch or ONNX Runtime version, threads or batch), e.g. 'torch-t1-b1-3f2a9c0d11e4'. warmup and runs are left
    out: they change the noise of a measurement, not what it measures."""
    info = device_info(settings)
    digest = hashlib.sha1(json.dumps(info, sort_keys=True).encode()).hexdigest()[:12]
    return f"{settings.backend}-t{settings.threads}-b{settings.batch}-{digest}"


# -- ONNX ---------------------------------------------------------------------------------------------------
def _onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise ZeronasError(
            "measuring with ONNX Runtime needs the onnxruntime package: pip install onnxruntime"
        ) from None
    return onnxruntime


def to_onnx(model: nn.Module, resolution: int, target: str | Path | BinaryIO) -> str | Path | BinaryIO:
    """Write model (in eval mode; its mode is restored after) as ONNX to a file or a binary buffer: input
    'images' (N×3×resolution×resolution, dynamic batch), output 'logits'. The one exporter of zeronas."""
    import torch

    try:
        import onnx  # noqa: F401  (the exporter needs it)
    except ImportError:
        raise ZeronasError("ONNX export needs the onnx package: pip install onnx") from None
    training = model.training
    dummy = torch.zeros(1, 3, resolution, resolution)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
            torch.onnx.export(
                model.eval(),
                (dummy,),
                str(target) if isinstance(target, (str, Path)) else target,
                dynamo=False,
                input_names=["images"],
                output_names=["logits"],
                dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
            )
    finally:
        model.train(training)
    return target


def ort_session(onnx_model: bytes | str | Path, threads: int = 1):
    """An ONNX Runtime CPU session on a fixed number of intra-op threads, its graph run sequentially."""
    ort = _onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1  # used only by the parallel executor; fixed anyway
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # errors only
    source = str(onnx_model) if isinstance(onnx_model, Path) else onnx_model
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])


# -- measuring ------------------------------------------------------------------------------------------------
def _median_ms(call, warmup: int, runs: int) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000.0


def _input(batch: int, resolution: int):
    import torch

    return torch.randn(batch, 3, resolution, resolution, generator=torch.Generator().manual_seed(0))


def measure_onnx_latency(
    onnx_model: bytes | str | Path, resolution: int, settings: LatencySettings | None = None
) -> float:
    """measure_latency for a network already in ONNX (bytes or a file with input 'images'), in ONNX Runtime;
    settings.backend is not consulted."""
    settings = settings or LatencySettings(backend="onnxruntime")
    session = ort_session(onnx_model, settings.threads)
    feed = {"images": _input(settings.batch, resolution).numpy()}
    return _median_ms(lambda: session.run(None, feed), settings.warmup, settings.runs)


def measure_latency(model: nn.Module, resolution: int, settings: LatencySettings | None = None) -> float:
    """Milliseconds per forward pass of a batch of `settings.batch` images of resolution×resolution pixels: the
    median of `runs` timed passes after `warmup` untimed ones, in eval mode (the model's mode is restored)."""
    import torch

    settings = settings or LatencySettings()
    if resolution < 1:
        raise ZeronasError(f"latency resolution must be at least 1 pixel, got {resolution}")
    if settings.backend == "onnxruntime":
        _onnxruntime()  # a missing package is one line before any export work
        buffer = io.BytesIO()
        to_onnx(model, resolution, buffer)
        return measure_onnx_latency(buffer.getvalue(), resolution, settings)
    x = _input(settings.batch, resolution)
    training = model.training
    try:
        with intra_op_threads(settings.threads), torch.inference_mode():
            model.eval()
            return _median_ms(lambda: model(x), settings.warmup, settings.runs)
    finally:
        model.train(training)


class LatencyMeter:
    """Measured latency of a space's architectures on this machine: `ms(arch)` builds the network for the
    dataset's classes, measures it at the dataset's resolution and remembers the value under the architecture's
    canonical key (equivalent architectures are measured once, on their representative). With `cache` (a
    ScoreStore, or any mapping of canonical key -> ms) measurements persist, so a rerun on the same device
    measures nothing twice. `measured` counts the real measurements made by this meter."""

    def __init__(
        self,
        space: SearchSpace | str,
        dataset_info: DatasetInfo | str,
        settings: LatencySettings | None = None,
        cache=None,
    ):
        if isinstance(space, str):
            from zeronas.spaces import get_space

            space = get_space(space)
        if isinstance(dataset_info, str):
            from zeronas.data.datasets import get_dataset

            dataset_info = get_dataset(dataset_info)
        self.space, self.info = space, dataset_info
        self.settings = settings or LatencySettings()
        self.fingerprint = device_fingerprint(self.settings)
        self.measured = 0
        self._memory: dict[str, float] = {}
        from zeronas.store.sqlite_store import ScoreStore

        if isinstance(cache, ScoreStore):
            cache = cache.latency_cache(
                self.fingerprint, space.name, dataset_info.name, dataset_info.resolution, dataset_info.num_classes
            )
        self.cache: MutableMapping[str, float] | None = cache

    def device(self) -> dict[str, str | int]:
        """The readable form of the fingerprint (device_info)."""
        return device_info(self.settings)

    def ms(self, arch: Hashable) -> float:
        key = self.space.canonical_key(arch)
        if key in self._memory:
            return self._memory[key]
        if self.cache is not None and key in self.cache:
            value = float(self.cache[key])
        else:
            model = self.space.build_model(self.space.representative(arch), self.info.num_classes)
            value = measure_latency(model, self.info.resolution, self.settings)
            self.measured += 1
            if self.cache is not None:
                self.cache[key] = value
        self._memory[key] = value
        return value

    __call__ = ms

    def __repr__(self) -> str:
        return f"LatencyMeter({self.space.name}, {self.info.name}, {self.fingerprint}, measured={self.measured})"
