"""The proxy protocol: a named function from (architecture, initialised network, real batch) to a float.

Convention: higher is better for every proxy. A `model` proxy is evaluated on a freshly initialised
network once per initialisation seed and averaged; an `arch` proxy depends on the genotype only.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from zeronas.data.datasets import DatasetInfo
from zeronas.spaces.base import SearchSpace

if TYPE_CHECKING:  # torch is imported when a proxy first runs, not when the registry is read
    import torch
    from torch import nn


class Degenerate(Exception):
    """A declared numerical degeneracy (a singular kernel, a network whose output does not depend on its
    input): the proxy's value is NaN and the message is counted as the reason. Any other exception in a
    proxy is a bug and fails the run."""


@dataclass
class ProxyInput:
    space: SearchSpace
    arch: Hashable
    dataset: DatasetInfo
    model: nn.Module | None = None  # initialised network, train mode (model proxies only)
    images: torch.Tensor | None = None  # normalised real batch, N×3×H×W
    labels: torch.Tensor | None = None


@dataclass(frozen=True)
class Proxy:
    name: str
    compute: Callable[[ProxyInput], float]
    kind: Literal["model", "arch"]
    summary: str  # one line: what it measures and where it comes from
    version: int = 1  # from the registry; part of the store key (zeronas.store.sqlite_store.versioned)


def init_weights(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """FreeREA's initialisation, in place: Kaiming-normal (fan_out, ReLU) convs/linears, zero biases, BN 1/0."""
    import torch
    from torch import nn

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=generator)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                if m.weight is not None:
                    m.weight.fill_(1.0)
                    m.bias.zero_()
                if m.running_mean is not None:
                    m.reset_running_stats()
    return model


def deferred(module: str, function: str) -> Callable[[ProxyInput], float]:
    """zeronas.proxies.<module>.<function>, imported on its first call: reading the registry (names,
    versions) needs no torch."""
    target = None

    def compute(inp: ProxyInput) -> float:
        nonlocal target
        if target is None:
            target = getattr(importlib.import_module(f"zeronas.proxies.{module}"), function)
        return target(inp)

    compute.__name__ = compute.__qualname__ = function
    compute.__module__ = f"zeronas.proxies.{module}"
    return compute
