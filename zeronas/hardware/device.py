"""The torch device and thread count a computation runs on, checked and pinned in one place."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from zeronas.errors import ZeronasError


def checked_device(name: str, allowed: tuple[str, ...] = ("cpu", "cuda")):
    """The torch device `name`, or a one-line error when it is unknown, absent or not one of `allowed` types."""
    import torch

    try:
        device = torch.device(name)
    except RuntimeError:
        raise ZeronasError(f"unknown torch device {name!r} (cpu, cuda or cuda:N)") from None
    if device.type not in allowed:
        raise ZeronasError(f"unsupported torch device {name!r} (cpu, cuda or cuda:N)")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ZeronasError(f"--device {name} asked for, but this torch build sees no CUDA GPU (use --device cpu)")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ZeronasError(
                f"--device {name} asked for, but only {torch.cuda.device_count()} CUDA GPU(s) are visible"
            )
    return device


@contextmanager
def intra_op_threads(n: int) -> Iterator[None]:
    """Pin torch's intra-op threads for a block (0: leave as is), restoring the previous count after. Float
    sums (scores at noise level) and timings depend on the thread count."""
    import torch

    before = torch.get_num_threads()
    change = n > 0 and n != before
    if change:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if change:
            torch.set_num_threads(before)


_KEEP_FREED_DONE = False


def keep_freed_memory() -> bool:
    """Ask glibc (once per process) to reuse freed memory instead of mapping and unmapping it for every large
    tensor. A batch of 64 NAS-Bench-101 activations (128 channels × 32 × 32 floats: 33 MB) lies above glibc's
    largest automatic mmap threshold (32 MB), so each such tensor is otherwise a fresh mapping whose pages all
    fault in again. The process then keeps its peak memory instead of returning it. Off with
    ZERONAS_MALLOC=system; a no-op where the C library is not glibc. Returns whether the setting was made."""
    global _KEEP_FREED_DONE
    if _KEEP_FREED_DONE or os.environ.get("ZERONAS_MALLOC", "") == "system" or not sys.platform.startswith("linux"):
        return _KEEP_FREED_DONE
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...)
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's mallopt parameter numbers
    _KEEP_FREED_DONE = bool(mallopt(m_mmap_threshold, 1 << 30)) and bool(mallopt(m_trim_threshold, (1 << 31) - 1))
    return _KEEP_FREED_DONE
