"""Search-space registry: a new space is one module plus one line here."""

from __future__ import annotations

from zeronas.errors import ZeronasError
from zeronas.registry import Registry
from zeronas.spaces.base import SearchSpace, SpaceCapabilities
from zeronas.spaces.mobilenet_like import MobileNetLikeSpace
from zeronas.spaces.nasbench101 import NasBench101Space
from zeronas.spaces.nats_tss import NatsTopologySpace

SPACES: Registry[type] = Registry("search space")
SPACES.add(NatsTopologySpace.name, NatsTopologySpace, summary="NATS-Bench topology (= NAS-Bench-201), 15,625 cells")
SPACES.add(NasBench101Space.name, NasBench101Space, summary="NAS-Bench-101, 423,624 cells")
SPACES.add(MobileNetLikeSpace.name, MobileNetLikeSpace, summary="MobileNetV2-like macro space (Zen-NAS, ZiCo)")

DEFAULT_SPACE = NatsTopologySpace.name


def get_space(name: str) -> SearchSpace:
    return SPACES.get(name)()


def check_dataset(space: SearchSpace, dataset: str) -> None:
    """One line when a space's networks (and benchmark) are not defined for a dataset."""
    if dataset not in space.capabilities.datasets:
        supported = ", ".join(space.capabilities.datasets)
        raise ZeronasError(f"search space {space.name} supports dataset(s) {supported} only, not {dataset}")


__all__ = ["DEFAULT_SPACE", "SPACES", "SearchSpace", "SpaceCapabilities", "check_dataset", "get_space"]
