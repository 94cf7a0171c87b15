"""The torch device and thread count a computation runs on, checked and pinned in one place."""

from __future__ import annotations

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
