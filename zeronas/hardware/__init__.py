"""Measured hardware costs: the latency of a network on this machine (PyTorch eager or ONNX Runtime), and the
checked torch device and thread count computations run on."""

from zeronas.hardware.device import checked_device, intra_op_threads
from zeronas.hardware.latency import (
    BACKENDS,
    LatencyMeter,
    LatencySettings,
    device_fingerprint,
    device_info,
    measure_latency,
    measure_onnx_latency,
    ort_session,
    to_onnx,
)

__all__ = [
    "BACKENDS",
    "LatencyMeter",
    "LatencySettings",
    "checked_device",
    "device_fingerprint",
    "device_info",
    "intra_op_threads",
    "measure_latency",
    "measure_onnx_latency",
    "ort_session",
    "to_onnx",
]
