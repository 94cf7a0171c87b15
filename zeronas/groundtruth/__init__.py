"""Ground-truth benchmark registry: per search space, a table of trained accuracies.

A benchmark declares its `capabilities` and answers test_acc(arch_string, dataset), index_of(arch_string),
arch_of(index), len() and optimum(dataset, constraints) -> (arch_string, accuracy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zeronas.registry import Registry


@dataclass(frozen=True)
class BenchmarkCapabilities:
    datasets: tuple[str, ...]
    lists_every_cell: bool = False  # `frame` has one row (index, arch) per cell: full tables, exports, replays
    training_results: bool = False  # 12-epoch validation accuracy and training time (simulated training search)


def _nats(override, root):
    from zeronas.groundtruth.nats_table import NatsTable

    return NatsTable.load(override, root)


def _nasbench101(override, root):
    from zeronas.groundtruth.nasbench101_table import NasBench101Table

    return NasBench101Table.load(override, root)


BENCHMARKS: Registry[Callable] = Registry("benchmark")  # space name -> loader(override path, data root)
BENCHMARKS.add("nats-tss", _nats, summary="NATS-Bench topology, 200 epochs (MIT)")
BENCHMARKS.add("nasbench101", _nasbench101, summary="NAS-Bench-101, 108 epochs (Apache-2.0)")


def get_benchmark(space: str, override=None, root=None):
    """The ground truth for a space, or None if the space has no benchmark."""
    return BENCHMARKS.get(space)(override, root) if space in BENCHMARKS else None
