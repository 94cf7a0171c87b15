"""Ground-truth benchmark registry: per search space, a table of trained accuracies.

A benchmark answers test_acc(arch_string, dataset), index_of(arch_string) and
optimum(dataset, feasible) -> (arch_string, accuracy).
"""

from __future__ import annotations

from typing import Callable

from zeronas.groundtruth.nasbench101_table import NasBench101Table
from zeronas.groundtruth.nats_table import NatsTable

BENCHMARKS: dict[str, Callable] = {
    "nats-tss": NatsTable.load,  # (override path, data root) -> benchmark
    "nasbench101": NasBench101Table.load,
}


def get_benchmark(space: str, override=None, root=None):
    """The ground truth for a space, or None if the space has no benchmark."""
    loader = BENCHMARKS.get(space)
    return loader(override, root) if loader else None
