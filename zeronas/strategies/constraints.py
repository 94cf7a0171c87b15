"""Hard limits on an architecture's cost (parameters, FLOPs, ...)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache

from zeronas.data.datasets import DatasetInfo
from zeronas.errors import ZeronasError
from zeronas.spaces.base import SearchSpace

_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9}


def parse_amount(text: str | float, what: str) -> float:
    """'1e8', '100M', '0.8m', '800k' -> absolute number."""
    if isinstance(text, (int, float)):
        return float(text)
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmgKMG]?)\s*", str(text))
    if not match:
        raise ZeronasError(f"cannot read {what} limit {text!r}: use a number like 1e8, 100M or 800k")
    value = float(match.group(1)) * _SUFFIX[match.group(2).lower()]
    if value <= 0:
        raise ZeronasError(f"{what} limit must be positive, got {text!r}")
    return value


@dataclass(frozen=True)
class Constraint:
    name: str  # 'flops', 'params', 'latency:edgegpu', ...
    limit: float
    measure: Callable[[Hashable], float]
    unit: str = ""
    least: float | None = None  # the space's minimum where the smallest cell is not it (measured latency)
    expensive: bool = False  # measuring runs the network (latency on this machine): sampling tries fewer draws

    def ok(self, arch) -> bool:
        return self.measure(arch) <= self.limit


class CostModel:
    """Exact params / multiply-adds of an architecture's network for one dataset, memoised. A space with
    closed-form costs (capabilities.closed_form_costs) is priced without building networks."""

    def __init__(self, space: SearchSpace, dataset: DatasetInfo):
        self.space, self.dataset = space, dataset
        self._cached = lru_cache(maxsize=None)(self._compute)

    def _count(self, arch) -> tuple[int, int]:
        from zeronas.costs import count_flops, count_params  # torch: only for spaces without closed forms

        model = self.space.build_model(arch, self.dataset.num_classes)
        return count_params(model), count_flops(model, self.dataset.resolution)

    def _compute(self, arch) -> tuple[int, int]:
        if self.space.capabilities.closed_form_costs:
            return self.space.network_costs(arch, self.dataset.num_classes, self.dataset.resolution)
        return self._count(arch)

    def params(self, arch) -> float:
        return float(self._cached(arch)[0])

    def flops(self, arch) -> float:
        return float(self._cached(arch)[1])


def cost_constraints(costs: CostModel, max_flops=None, max_params=None) -> list[Constraint]:
    out = []
    if max_flops is not None:
        out.append(Constraint("flops", parse_amount(max_flops, "FLOPs"), costs.flops))
    if max_params is not None:
        out.append(Constraint("params", parse_amount(max_params, "params"), costs.params))
    return out


def check_satisfiable(space: SearchSpace, constraints: list[Constraint]) -> None:
    """Reject limits below what the space's smallest cell needs, before any search work."""
    smallest = space.smallest()
    for c in constraints:
        need = c.least if c.least is not None else c.measure(smallest)
        if need > c.limit:
            raise ZeronasError(
                f"no architecture in {space.name} satisfies {c.name} <= {c.limit:g}: "
                f"the smallest cell already needs {need:g}"
            )


MEASURED_BACKENDS = ("torch", "onnxruntime")  # latency measured on this machine; any other name: a HW-NAS-Bench device


@dataclass(frozen=True)
class LatencySource:
    """Where an architecture's latency comes from: measured here ('torch', 'onnxruntime') or a HW-NAS-Bench
    device's table. `measure(arch)` is milliseconds; NaN where the device could not run the cell."""

    device: str
    measure: Callable[[Hashable], float]
    least: float | None = None  # the space's fastest, where the smallest cell is not it (tables)
    described: str = ""  # for reports: 'HW-NAS-Bench' or the measuring machine
    expensive: bool = False  # measured by running each network

    @property
    def name(self) -> str:
        return f"latency:{self.device}"

    def limit(self, ms: float) -> Constraint:
        return Constraint(self.name, ms, self.measure, "ms", least=self.least, expensive=self.expensive)


def parse_latency_limit(spec: str) -> tuple[str, float]:
    """`DEVICE:MS` -> (device, ms)."""
    device, sep, amount = str(spec).partition(":")
    try:
        limit = float(amount) if sep else math.nan
    except ValueError:
        limit = math.nan
    if not device.strip() or not limit > 0 or not math.isfinite(limit):
        raise ZeronasError(f"cannot read latency limit {spec!r}: use DEVICE:MS, e.g. edgegpu:5 or pixel3:10")
    return device.strip(), limit


def check_latency_ms(value) -> float | None:
    if value is None:
        return None
    ms = float(value)
    if not ms > 0 or not math.isfinite(ms):
        raise ZeronasError(f"--max-latency-ms must be a positive number of milliseconds, got {value!r}")
    return ms


def table_latency(space: SearchSpace, dataset: DatasetInfo, device: str, data_root=None, table=None) -> LatencySource:
    """A HW-NAS-Bench device's latencies (NATS-Bench cells only). A cell the benchmark could not measure
    (edgetpu's -1 entries) is NaN: it never satisfies a limit."""
    if space.capabilities.hardware_table != "hw-nas-bench":
        raise ZeronasError(
            f"latency on device {device!r} is looked up in HW-NAS-Bench, which does not cover {space.name}; "
            f"measure it on this machine instead: --latency {' or '.join(MEASURED_BACKENDS)}"
        )
    from zeronas.groundtruth.hwnas import HwNasTable

    ms = {a: v for a, v in HwNasTable.load(table, data_root).latencies(device, dataset).items() if v > 0}
    measure = lambda arch: ms.get(space.format(arch), math.nan)  # noqa: E731
    return LatencySource(device, measure, least=min(ms.values()), described="HW-NAS-Bench")


def latency_constraints(
    space: SearchSpace, dataset: DatasetInfo, spec: str | None, data_root=None, table=None
) -> list[Constraint]:
    """`--max-latency DEVICE:MS` from HW-NAS-Bench."""
    if not spec:
        return []
    device, limit = parse_latency_limit(spec)
    return [table_latency(space, dataset, device, data_root, table).limit(limit)]


def build_constraints(
    space: SearchSpace,
    dataset: DatasetInfo,
    costs: CostModel,
    max_flops=None,
    max_params=None,
    max_latency: str | None = None,
    data_root=None,
    latency: LatencySource | None = None,
    max_latency_ms: float | None = None,
) -> list[Constraint]:
    """Every hard limit of a search or a correlation, built in one place: `max_latency` is a HW-NAS-Bench
    DEVICE:MS; `max_latency_ms` limits the given latency source (measured, or a device's table)."""
    out = cost_constraints(costs, max_flops, max_params)
    if max_latency_ms is not None:
        if latency is None:
            raise ZeronasError("--max-latency-ms needs a latency source")
        return out + [latency.limit(check_latency_ms(max_latency_ms))]
    return out + latency_constraints(space, dataset, max_latency, data_root)
