"""The search-space protocol: everything a strategy, scorer or benchmark needs from a space."""

from __future__ import annotations

import random
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class SpaceCapabilities:
    """What a space can do, declared once so callers never probe for methods."""

    datasets: tuple[str, ...]  # datasets its networks (and benchmark) are defined for
    enumerable: bool = False  # all() lists every architecture: full score tables, tabular replay
    closed_form_costs: bool = False  # network_costs(arch, num_classes, resolution) without building the network
    skip_score: bool = False  # skip_score(arch) is defined (FreeREA's skip-layer proxy)
    hardware_table: str | None = None  # a benchmark of measured device costs (e.g. 'hw-nas-bench')
    thin_twin: bool = False  # thin_model(arch, num_classes): TE-NAS's narrow twin, for the linear-region count
    categorical: bool = False  # choices() / from_choices(): a fixed list of independent decisions (REINFORCE)
    move_sets: tuple[str, ...] = ()  # moves(name): other mutation/crossover pairs, e.g. a paper's own
    largest_params_m: float | None = None  # trainable params (M) of its largest network: scales size priors


@runtime_checkable
class SearchSpace(Protocol):
    """A space of cell architectures. Architectures are immutable, hashable values."""

    name: str
    capabilities: SpaceCapabilities

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
        """FreeREA's skip-layer score (higher = longer skip connections); capabilities.skip_score."""

    def all(self) -> list[Hashable]:
        """Every architecture of the space; capabilities.enumerable."""

    def thin_model(self, arch: Hashable, num_classes: int) -> nn.Module:
        """A narrow twin of the network (linear-region counting); capabilities.thin_twin."""

    def choices(self) -> tuple[tuple[str, ...], ...]:
        """The options of each independent decision; capabilities.categorical."""

    def from_choices(self, indices: tuple[int, ...]) -> Hashable:
        """The architecture that takes option indices[i] at decision i; capabilities.categorical."""

    def moves(self, name: str) -> tuple:
        """(mutate(arch, rng), crossover(a, b, rng)) of move set `name`; capabilities.move_sets."""

    def network_costs(self, arch: Hashable, num_classes: int, resolution: int) -> tuple[int, int]:
        """(params, multiply-adds for one image) without building the network; capabilities.closed_form_costs."""
