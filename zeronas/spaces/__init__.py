"""Search-space registry: a new space is one module plus one line here."""

from __future__ import annotations

from zeronas.errors import ZeronasError
from zeronas.spaces.base import SearchSpace
from zeronas.spaces.nasbench101 import NasBench101Space
from zeronas.spaces.nats_tss import NatsTopologySpace

SPACES: dict[str, type] = {
    "nats-tss": NatsTopologySpace,
    "nasbench101": NasBench101Space,
}


def get_space(name: str) -> SearchSpace:
    try:
        return SPACES[name]()
    except KeyError:
        raise ZeronasError(f"unknown search space {name!r}; choose one of: {', '.join(SPACES)}") from None
