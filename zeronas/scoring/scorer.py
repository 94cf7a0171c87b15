"""Scoring engine: architecture -> proxy values, each network scored once per canonical key."""

from __future__ import annotations

import copy
import math
import time
from collections import Counter
from collections.abc import Hashable, Iterable, MutableMapping
from dataclasses import dataclass, field

import torch

from zeronas.data.datasets import DatasetInfo, scoring_batches
from zeronas.errors import ZeronasError
from zeronas.hardware.device import checked_device, intra_op_threads, keep_freed_memory
from zeronas.proxies import Proxy, ProxyInput, get_proxies, init_weights
from zeronas.proxies.base import Degenerate
from zeronas.scoring.scores import Scores
from zeronas.spaces.base import SearchSpace


@dataclass
class ScoringSettings:
    """Everything that changes a score; part of the cache key of a persistent store."""

    inits: int = 3
    batch_size: int = 64
    seed: int = 0
    device: str = "cpu"  # torch device the networks run on; weights are always drawn on the CPU
    images: str = "sample"  # the benchmark's sample images, or a fingerprint of the user's own folder

    def tag(self) -> str:
        tag = f"inits={self.inits},batch={self.batch_size},seed={self.seed}"
        if self.images != "sample":
            tag += f",images={self.images}"  # scores on other images are other scores
        return tag if self.device == "cpu" else f"{tag},device={self.device}"  # GPU sums differ at noise level


def init_seed(seed: int, init: int) -> int:
    return 1_000_003 * seed + init


def merge_parts(parts: list[Scores], names: list[str]) -> Scores:
    """One architecture's Scores from its per-initialisation parts, in init order: a model proxy is the mean
    over inits (NaN if any init was not finite), an arch proxy its one value; seconds add up."""
    values, seconds = {}, {}
    for name in names:
        trials = [p.values[name] for p in parts if name in p.values]
        values[name] = float(sum(trials) / len(trials)) if all(map(math.isfinite, trials)) else math.nan
        seconds[name] = sum(p.seconds.get(name, 0.0) for p in parts)
    reasons = {n: r for p in parts for n, r in p.reasons.items()}
    return Scores(values, seconds, reasons=reasons)


def use_device(name: str) -> torch.device:
    """The torch device `name`, checked; on CUDA, convolutions and matmuls in true float32 (no TF32) with
    deterministic kernels, so scores stay close to the CPU's and repeat exactly from run to run."""
    device = checked_device(name)
    if device.type == "cuda":
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    return device


@dataclass
class Scorer:
    space: SearchSpace
    dataset: DatasetInfo
    proxies: list[Proxy]
    images: torch.Tensor
    labels: torch.Tensor
    settings: ScoringSettings = field(default_factory=ScoringSettings)
    cache: MutableMapping[str, Scores] = field(default_factory=dict)
    nonfinite: Counter = field(default_factory=Counter)  # proxy name -> number of networks with a NaN score
    reasons: Counter = field(default_factory=Counter)  # (proxy, reason) -> NaN/inf results computed here
    executor: object | None = None  # computes cache misses elsewhere (zeronas.executors); None = here
    threads: int = 1  # torch threads while scoring: 1 gives the same scores in-process and in any worker

    @classmethod
    def create(cls, space, dataset, proxy_names, images, labels, settings=None, cache=None) -> Scorer:
        return cls(
            space,
            dataset,
            get_proxies(proxy_names),
            images,
            labels,
            settings or ScoringSettings(),
            cache if cache is not None else {},
        )

    def __post_init__(self):
        keep_freed_memory()  # large activations reuse freed memory instead of faulting in fresh pages
        self.device = use_device(self.settings.device)
        self.batches = [
            (x.to(self.device), y.to(self.device))
            for x, y in scoring_batches(
                self.images, self.labels, self.settings.batch_size, self.settings.inits, self.settings.seed
            )
        ]

    @property
    def parallelism(self) -> int:
        """Networks computed at once: the executor's workers (1 in this process)."""
        return self.executor.workers if self.executor is not None else 1

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
            computed = self.executor.compute(reps) if self.executor else [self.measure(r) for r in reps]
            for key, result in zip(missing, computed):
                self._count_nonfinite(result)
                self.cache[key] = result
        out, fresh = [], set(missing)
        for key in keys:
            result = self.cache[key]
            out.append(Scores(result.values, result.seconds, cached=key not in fresh))
            fresh.discard(key)
        return out

    def compute(self, arch: Hashable) -> Scores:
        """Score one architecture from scratch (no cache); non-finite results are counted."""
        return self._count_nonfinite(self.measure(arch))

    def _count_nonfinite(self, result: Scores) -> Scores:
        nan = [n for n, v in result.values.items() if math.isnan(v)]
        self.nonfinite.update(nan)
        self.reasons.update((n, result.reasons.get(n, "NaN in the store")) for n in nan)
        return result

    def measure(self, arch: Hashable) -> Scores:
        """Score one architecture from scratch, with no cache and no bookkeeping."""
        return merge_parts([self.measure_part(arch, i) for i in range(self.settings.inits)], self.proxy_names)

    def measure_part(self, arch: Hashable, init: int) -> Scores:
        """Initialisation `init` alone (with init 0, the arch-only proxies too): the unit of work executors
        spread over workers. Parts merged by merge_parts equal measure(), wherever each part ran."""
        with intra_op_threads(self.threads):
            return self._measure_part(arch, init)

    def _measure_part(self, arch: Hashable, init: int) -> Scores:
        self._notes: dict[str, str] = {}  # proxy -> why its value is NaN, for this part
        values: dict[str, float] = {}
        seconds: dict[str, float] = {}
        model_proxies = [p for p in self.proxies if p.kind == "model"]
        for proxy in self.proxies:
            if proxy.kind == "arch" and init == 0:
                t0 = time.perf_counter()
                values[proxy.name] = self._run(proxy, ProxyInput(self.space, arch, self.dataset))
                seconds[proxy.name] = time.perf_counter() - t0
        if model_proxies:
            t0 = time.perf_counter()
            model = self._model(arch, init)
            share = (time.perf_counter() - t0) / len(model_proxies)
            images, labels = self.batches[init]
            for p in model_proxies:
                t1 = time.perf_counter()
                values[p.name] = self._run(p, ProxyInput(self.space, arch, self.dataset, model, images, labels))
                seconds[p.name] = time.perf_counter() - t1 + share
        return Scores(values, seconds, reasons=self._notes)

    def _model(self, arch: Hashable, init: int) -> torch.nn.Module:
        """The network of arch with initialisation `init`: built once and re-initialised in place for the next
        init of the same architecture (cheaper than building, same network). Weights are drawn on the CPU and
        copied to the device, so every device starts from the same weights."""
        last = getattr(self, "_last_model", None)
        if last is None or last[0] != arch:
            self._last_model = None  # free the previous network before building the next
            host = self.space.build_model(arch, self.dataset.num_classes)
            last = self._last_model = (
                arch,
                host,
                host if self.device.type == "cpu" else copy.deepcopy(host).to(self.device),
            )
        _, host, model = last
        init_weights(host, torch.Generator().manual_seed(init_seed(self.settings.seed, init)))
        if model is not host:
            with torch.no_grad():
                for dst, src in zip(model.state_dict().values(), host.state_dict().values()):
                    dst.copy_(src)
        model.train()
        model.zero_grad(set_to_none=True)  # nothing left over from the previous init's proxies
        return model

    def _run(self, proxy: Proxy, inp: ProxyInput) -> float:
        """A proxy's value. A declared degeneracy is NaN with its reason counted; an exception is a bug and
        fails the run with one line naming the architecture and the proxy (CUDA out of memory: one retry on
        half the batch first)."""
        try:
            return self._value(proxy, proxy.compute(inp))
        except Degenerate as exc:
            return self._degenerate(proxy, str(exc))
        except ZeronasError:
            raise
        except torch.cuda.OutOfMemoryError:
            if inp.images is None or len(inp.images) < 2:
                raise self._failure(proxy, inp, "CUDA out of memory") from None
            torch.cuda.empty_cache()
            half = len(inp.images) // 2
            smaller = ProxyInput(inp.space, inp.arch, inp.dataset, inp.model, inp.images[:half], inp.labels[:half])
            try:
                return self._value(proxy, proxy.compute(smaller))
            except Exception as exc:
                raise self._failure(proxy, inp, f"CUDA out of memory, then on {half} images: {exc}") from None
        except Exception as exc:
            raise self._failure(proxy, inp, f"{type(exc).__name__}: {exc}") from None

    def _value(self, proxy: Proxy, value) -> float:
        value = float(value)
        return value if math.isfinite(value) else self._degenerate(proxy, f"returned {value}")

    def _degenerate(self, proxy: Proxy, reason: str) -> float:
        self._notes[proxy.name] = reason.strip().splitlines()[0] if reason.strip() else "degenerate"
        return math.nan

    def _failure(self, proxy: Proxy, inp: ProxyInput, what: str) -> ZeronasError:
        first = what.strip().splitlines()[0] if what.strip() else "error"
        return ZeronasError(f"proxy {proxy.name} failed on {inp.space.name} {inp.space.format(inp.arch)}: {first}")
