"""Scoring engine: architecture -> proxy values, each network scored once per canonical key."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Hashable, Iterable, MutableMapping

import torch

from zeronas.data.datasets import DatasetInfo, scoring_batches
from zeronas.proxies import Proxy, ProxyInput, get_proxies, init_weights
from zeronas.spaces.base import SearchSpace


@dataclass
class Scores:
    values: dict[str, float]  # NaN marks a proxy that produced NaN/inf or failed
    seconds: dict[str, float]  # per proxy, summed over initialisations
    cached: bool = False

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def finite(self) -> bool:
        return all(math.isfinite(v) for v in self.values.values())


@dataclass
class ScoringSettings:
    """Everything that changes a score; part of the cache key of a persistent store."""

    inits: int = 3
    batch_size: int = 64
    seed: int = 0

    def tag(self) -> str:
        return f"inits={self.inits},batch={self.batch_size},seed={self.seed}"


def init_seed(seed: int, init: int) -> int:
    return 1_000_003 * seed + init


@dataclass
class Scorer:
    space: SearchSpace
    dataset: DatasetInfo
    proxies: list[Proxy]
    images: torch.Tensor
    labels: torch.Tensor
    settings: ScoringSettings = field(default_factory=ScoringSettings)
    cache: MutableMapping[str, Scores] = field(default_factory=dict)
    nonfinite: Counter = field(default_factory=Counter)  # proxy name -> number of NaN/inf results
    executor: object | None = None  # computes cache misses elsewhere (zeronas.executors); None = here

    @classmethod
    def create(cls, space, dataset, proxy_names, images, labels, settings=None, cache=None) -> "Scorer":
        return cls(space, dataset, get_proxies(proxy_names), images, labels,
                   settings or ScoringSettings(), cache if cache is not None else {})

    def __post_init__(self):
        self.batches = scoring_batches(self.images, self.labels, self.settings.batch_size,
                                       self.settings.inits, self.settings.seed)

    @property
    def proxy_names(self) -> list[str]:
        return [p.name for p in self.proxies]

    def score(self, arch: Hashable) -> Scores:
        return self.score_many([arch])[0]

    def score_many(self, archs: Iterable[Hashable]) -> list[Scores]:
        """Scores for archs in order; each new network is computed once (by the executor, if any)."""
        archs = list(archs)
        keys = [self.space.canonical_key(a) for a in archs]
        hits = {k for k in keys if k in self.cache}
        missing: dict[str, Hashable] = {}
        for arch, key in zip(archs, keys):
            if key not in hits and key not in missing:
                missing[key] = self.space.representative(arch)
        if missing:
            reps = list(missing.values())
            computed = self.executor.compute(reps) if self.executor else [self.compute(r) for r in reps]
            for key, result in zip(missing, computed):
                self.nonfinite.update(n for n, v in result.values.items() if math.isnan(v))
                self.cache[key] = result
        out, fresh = [], set(missing)
        for key in keys:
            result = self.cache[key]
            out.append(Scores(result.values, result.seconds, cached=key not in fresh))
            fresh.discard(key)
        return out

    def compute(self, arch: Hashable) -> Scores:
        """Score one architecture from scratch (no cache)."""
        values: dict[str, float] = {}
        seconds: dict[str, float] = {}
        model_proxies = [p for p in self.proxies if p.kind == "model"]
        for proxy in self.proxies:
            if proxy.kind == "arch":
                t0 = time.perf_counter()
                values[proxy.name] = self._run(proxy, ProxyInput(self.space, arch, self.dataset))
                seconds[proxy.name] = time.perf_counter() - t0
        if model_proxies:
            t0 = time.perf_counter()
            model = self.space.build_model(arch, self.dataset.num_classes).train()
            build = time.perf_counter() - t0
            trials: dict[str, list[float]] = {p.name: [] for p in model_proxies}
            for p in model_proxies:
                seconds[p.name] = build / len(model_proxies)
            for i, (images, labels) in enumerate(self.batches):
                t0 = time.perf_counter()
                init_weights(model, torch.Generator().manual_seed(init_seed(self.settings.seed, i)))
                share = (time.perf_counter() - t0) / len(model_proxies)
                for p in model_proxies:
                    t1 = time.perf_counter()
                    trials[p.name].append(self._run(p, ProxyInput(self.space, arch, self.dataset, model, images, labels)))
                    seconds[p.name] += time.perf_counter() - t1 + share
            for p in model_proxies:
                vals = trials[p.name]
                values[p.name] = float(sum(vals) / len(vals)) if all(map(math.isfinite, vals)) else math.nan
        values = {k: (v if math.isfinite(v) else math.nan) for k, v in values.items()}
        return Scores({p.name: values[p.name] for p in self.proxies}, seconds)

    @staticmethod
    def _run(proxy: Proxy, inp: ProxyInput) -> float:
        try:
            return float(proxy.compute(inp))
        except (RuntimeError, ValueError, FloatingPointError, torch.linalg.LinAlgError):
            return math.nan  # counted as non-finite and ranked last, never silently averaged
