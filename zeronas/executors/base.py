"""Executors: where architectures get scored (this process, a local process pool, a cluster).

An executor computes Scores for a list of architectures, in order, from a picklable ScorerSpec, so a
worker anywhere can rebuild the same scorer. Caching and storage stay with the single caller.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Protocol

from zeronas.scoring.scorer import Scorer, Scores, ScoringSettings, merge_parts


@dataclass(frozen=True)
class ScorerSpec:
    space: str
    dataset: str
    proxies: tuple[str, ...]
    settings: ScoringSettings = field(default_factory=ScoringSettings)
    data_root: str | None = None
    images_dir: str | None = None  # the user's own class-folder images instead of the shared sample
    resolution: int | None = None  # the side the user's images are resized to

    def build(self) -> Scorer:
        from zeronas.data.datasets import folder_dataset, get_dataset, load_sample
        from zeronas.spaces import get_space

        if self.images_dir:
            info, images, labels = folder_dataset(self.images_dir, self.resolution)
        else:
            info = get_dataset(self.dataset)
            images, labels = load_sample(info, self.data_root)
        return Scorer.create(get_space(self.space), info, list(self.proxies), images, labels, self.settings)


def split_parts(spec: ScorerSpec, archs: list[Hashable]) -> list[tuple[Hashable, int]]:
    """(arch, init) work units, arch by arch: 3 children x 3 inits keep 2 workers busier than 3 children."""
    return [(arch, init) for arch in archs for init in range(spec.settings.inits)]


def join_parts(spec: ScorerSpec, parts: list[Scores]) -> list[Scores]:
    """Inverse of split_parts: one Scores per architecture, equal to Scorer.measure's."""
    n = spec.settings.inits
    return [merge_parts(parts[i : i + n], list(spec.proxies)) for i in range(0, len(parts), n)]


class Executor(Protocol):
    workers: int

    def compute(self, archs: list[Hashable]) -> list[Scores]:
        """Scores of each arch (computed from scratch), in the order given."""

    def close(self) -> None: ...


class InProcessExecutor:
    """Scores in the calling process: no start-up cost, one core (plus torch's threads)."""

    workers = 1

    def __init__(self, spec: ScorerSpec, scorer: Scorer | None = None):
        self.scorer = scorer or spec.build()

    def compute(self, archs):
        return [self.scorer.measure(a) for a in archs]

    def close(self):
        pass
