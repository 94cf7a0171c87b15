"""Measured hardware costs: the latency of a network on this machine (PyTorch eager or ONNX Runtime)."""

from zeronas.hardware.latency import (
    BACKENDS,
    LatencyMeter,
    LatencySettings,
    device_fingerprint,
    device_info,
    measure_latency,
    to_onnx,
)

__all__ = [
    "BACKENDS",
    "LatencyMeter",
    "LatencySettings",
    "device_fingerprint",
    "device_info",
    "measure_latency",
    "to_onnx",
]
