"""The search-space protocol: everything a strategy, scorer or benchmark needs from a space."""

from __future__ import annotations

import random
from typing import Hashable, Protocol, runtime_checkable

from torch import nn


@runtime_checkable
class SearchSpace(Protocol):
    """A space of cell architectures. Architectures are immutable, hashable values."""

    name: str

    def parse(self, text: str) -> Hashable:
        """Architecture from its string form; raises ZeronasError on malformed input."""

    def format(self, arch: Hashable) -> str:
        """The canonical string form (round-trips through parse)."""

    def sample(self, rng: random.Random) -> Hashable:
        """A uniformly random valid architecture."""

    def mutate(self, arch: Hashable, rng: random.Random) -> Hashable:
        """A valid architecture that differs from arch by one small change."""

    def crossover(self, a: Hashable, b: Hashable, rng: random.Random) -> Hashable:
        """A valid child mixing the genes of a and b."""

    def canonical_key(self, arch: Hashable) -> str:
        """Equal for architectures that build the same network function (scores are shared)."""

    def representative(self, arch: Hashable) -> Hashable:
        """One fixed member of arch's equivalence class: the network that is actually scored."""

    def smallest(self) -> Hashable:
        """An architecture with the fewest parameters and FLOPs (to reject impossible limits)."""

    def build_model(self, arch: Hashable, num_classes: int) -> nn.Module:
        """A freshly initialised PyTorch network for arch."""

    def skip_score(self, arch: Hashable) -> float:
        """FreeREA's skip-layer score (higher = longer skip connections)."""
