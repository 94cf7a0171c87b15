"""The one path every search takes — `zeronas search`, `zeronas bench` and the Python API:
a SearchConfig is resolved once into a Study (space, dataset, ground truth, costs, score source), and each
run of a strategy returns a SearchResult with `best` and the Pareto front over the declared objectives.

    from zeronas import SearchConfig, search
    result = search(SearchConfig(dataset="cifar100", budget=100, objectives=("score", "params")))
    result.best.arch, result.best.test_acc, [c.arch for c in result.pareto]
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from zeronas.errors import ZeronasError
from zeronas.recipes import FREEREA_PROXIES
from zeronas.spaces import DEFAULT_SPACE
from zeronas.strategies.objectives import OBJECTIVE_HELP, OBJECTIVES


@dataclass
class SearchConfig:
    """Everything that defines a search. Field names match the CLI options."""

    space: str = DEFAULT_SPACE
    dataset: str = "cifar10"
    strategy: str = "freerea"
    budget: int | None = 300  # unique networks scored
    seconds: float | None = None  # search clock: wall seconds, or simulated seconds for a tabular replay
    seed: int = 0
    inits: int = 3  # initialisations each model proxy is averaged over (live scoring)
    proxies: tuple[str, ...] | None = None  # combined into the score (default: FreeREA's, where the space has them)
    combine: str = "freerea"
    objectives: tuple[str, ...] = ("score",)  # the Pareto front is over these; the first decides `best`
    max_flops: float | str | None = None  # multiply-adds, as NATS-Bench counts FLOPs
    max_params: float | str | None = None
    max_latency: str | None = None  # HW-NAS-Bench DEVICE:MS
    max_latency_ms: float | None = None  # limit on the --latency source (default: measured here with torch)
    latency: str | None = None  # 'torch' | 'onnxruntime' (measured on this machine) | a HW-NAS-Bench device
    latency_batch: int = 1
    latency_threads: int = 1
    latency_runs: int = 20  # timed runs; the median is the latency (after 5 warm-up runs)
    signal: str = "proxies"  # 'proxies', or 'training': the benchmark's 12-epoch results (simulated REA)
    strategy_options: dict[str, Any] = field(default_factory=dict)
    images: str | None = None  # a folder of class folders: its classes, images and statistics define the task
    resolution: int | None = None  # side the --images are resized to (default: the dataset's, e.g. 32)
    top: int = 1  # how many of the best distinct networks the result lists (`top`)
    tabular: str | bool | None = None  # replay a score table (True/'default': the packaged one) on a simulated clock
    store: str | None = None  # SQLite file: reuse scores, record the run and its trajectory
    data_root: str | None = None
    table: str | None = None  # the space's ground-truth table (default: resolved like all data files)
    workers: int = 1
    backend: str = "local"
    address: str | None = None
    device: str = "cpu"
    ground_truth: bool = True  # look the result up in the space's benchmark

    def __post_init__(self):
        self.proxies = tuple(self.proxies) if self.proxies else None
        self.objectives = tuple(self.objectives)
        if self.workers < 1:
            raise ZeronasError(f"--workers must be at least 1, got {self.workers}")
        if self.inits < 1:
            raise ZeronasError(f"--inits must be at least 1, got {self.inits}")
        if not self.objectives:
            raise ZeronasError("give at least one objective: " + OBJECTIVE_HELP)
        if self.signal not in ("proxies", "training"):
            raise ZeronasError(f"unknown signal {self.signal!r}: proxies or training")


@dataclass
class Candidate:
    """One scored network as a result reports it."""

    arch: str
    scores: dict[str, float]
    combined: float  # the combined score, normalised over everything the run scored
    objectives: dict[str, float]
    params_m: float
    flops_m: float  # multiply-adds
    clock: float  # search clock when it was scored
    test_acc: float | None = None
    benchmark_index: int | None = None
    measured: dict[str, float] = field(default_factory=dict)  # its value of every limit (flops, latency:pixel3, ...)


@dataclass
class SearchResult:
    space: str
    dataset: str
    strategy: str
    seed: int
    best: Candidate
    pareto: list[Candidate]  # non-dominated over `objectives`; one objective: a front of one
    top: list[Candidate]  # the `top` best distinct networks by the combined score, best first
    objectives: tuple[str, ...]
    scored: int
    wall_s: float
    clock_s: float  # search clock at the end (simulated for a tabular replay)
    scoring_s_per_arch: float  # mean seconds of the networks computed in this run
    nonfinite: dict[str, int]  # proxy -> networks with a NaN/inf value (ranked last)
    nonfinite_reasons: dict[str, dict[str, int]]  # proxy -> reason -> count
    constraints: dict[str, float]
    images: str | None = None
    benchmark: str | None = None
    optimum_acc: float | None = None
    optimum_arch: str | None = None
    regret: float | None = None
    exported: dict[str, str] = field(default_factory=dict)
    export_check: dict = field(default_factory=dict)  # ONNX Runtime vs PyTorch on real images (`--export`)
    written: dict[str, str] = field(default_factory=dict)  # result.json, front.csv, front.png (`--out`)
    latency_device: str | None = None  # 'torch', 'onnxruntime' (measured here) or a HW-NAS-Bench device
    latency_source: str | None = None  # how it was obtained: 'HW-NAS-Bench' or the measuring machine
    latency_measurements: int = 0  # networks whose latency this study measured (the rest came from the store)
    interrupted: bool = False  # stopped by Ctrl-C: the best of what was scored until then
    problem: Any = field(default=None, repr=False, compare=False)  # the search's history, for curves

    # the best network's fields, for one-line use
    arch = property(lambda self: self.best.arch)
    scores = property(lambda self: self.best.scores)
    test_acc = property(lambda self: self.best.test_acc)
    params_m = property(lambda self: self.best.params_m)
    flops_m = property(lambda self: self.best.flops_m)
    benchmark_index = property(lambda self: self.best.benchmark_index)

    def to_dict(self) -> dict:
        out = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("problem", "best", "pareto", "top")
        }
        best = asdict(self.best)
        out.update({k: best[k] for k in ("arch", "scores", "params_m", "flops_m", "test_acc", "benchmark_index")})
        out["best"], out["pareto"], out["top"] = best, [asdict(c) for c in self.pareto], [asdict(c) for c in self.top]
        return out

    def best_so_far(self, points: int = 40) -> list[tuple[float, str]]:
        """(search clock, architecture the search would return then) at up to `points` log-spaced steps."""
        history = self.problem.history
        n = len(history)
        steps = sorted({int(round(x)) for x in np.geomspace(1, n, min(n, points))} | {n})
        fmt = self.problem.space.format
        return [(history[i - 1].clock, fmt(self.problem.best(history[:i]).arch)) for i in steps]


class Study:
    """A configuration resolved once — space, dataset, ground truth, cost model, score sources — so that
    many runs (seeds, strategies, limits) share them. Close it (or use `with`) to release workers and stores."""

    def __init__(self, config: SearchConfig | None = None, **overrides):
        from zeronas.data.datasets import get_dataset
        from zeronas.groundtruth import get_benchmark
        from zeronas.spaces import check_dataset, get_space
        from zeronas.strategies.constraints import CostModel

        self.config = replace(config or SearchConfig(), **overrides)
        self.space = get_space(self.config.space)
        self.info = get_dataset(self.config.dataset)
        self.images = None
        if self.config.images:  # the user's task: classes, resolution and statistics from their folder
            from zeronas.data.datasets import folder_dataset

            self.config.resolution = self.config.resolution or self.info.resolution
            self.info, *self.images = folder_dataset(self.config.images, self.config.resolution)
        elif self.config.resolution:
            raise ZeronasError("--resolution applies to your own --images; benchmark datasets have a fixed one")
        else:
            check_dataset(self.space, self.info.name)
        self.costs = CostModel(self.space, self.info)
        # custom images are another task: the benchmark's accuracies do not apply to them
        self.ground_truth = (
            get_benchmark(self.space.name, self.config.table, self.config.data_root)
            if self.config.ground_truth and not self.config.images
            else None
        )
        self._sources: dict = {}
        self._constraints: dict = {}
        self._latencies: dict = {}
        self.meters: list = []  # latency meters, for their measurement counts
        self._optima: dict = {}
        self._closers: list[Callable[[], None]] = []
        self.db = None

    # -- components, built once and shared by runs ----------------------------------------------------------
    def constraints(self, config: SearchConfig):
        from zeronas.strategies.constraints import build_constraints

        latency = self.latency(config) if config.max_latency_ms is not None else None
        key = (config.max_flops, config.max_params, config.max_latency, config.max_latency_ms, latency)
        if key not in self._constraints:
            self._constraints[key] = build_constraints(
                self.space,
                self.info,
                self.costs,
                config.max_flops,
                config.max_params,
                config.max_latency,
                config.data_root,
                latency,
                config.max_latency_ms,
            )
        return self._constraints[key]

    def latency(self, config: SearchConfig):
        """The search's LatencySource: measured on this machine (cached in the store by device fingerprint) or a
        HW-NAS-Bench device's table. `--max-latency DEVICE:MS` names the device and the limit at once."""
        from zeronas.strategies.constraints import MEASURED_BACKENDS, parse_latency_limit, table_latency

        device = config.latency
        if config.max_latency:
            if config.max_latency_ms is not None:
                raise ZeronasError("give one latency limit: --max-latency DEVICE:MS or --max-latency-ms MS")
            named, _ = parse_latency_limit(config.max_latency)
            if device and device != named:
                raise ZeronasError(f"--latency {device} and --max-latency {config.max_latency} name two devices")
            device = named
        device = device or "torch"
        key = (device, config.latency_batch, config.latency_threads, config.latency_runs, config.store)
        if key not in self._latencies:
            if device in MEASURED_BACKENDS:
                self._latencies[key] = self._measured_latency(config, device)
            else:
                self._latencies[key] = table_latency(self.space, self.info, device, config.data_root)
        return self._latencies[key]

    def _measured_latency(self, config: SearchConfig, backend: str):
        from zeronas.hardware.latency import LatencyMeter, LatencySettings
        from zeronas.strategies.constraints import LatencySource

        settings = LatencySettings(
            backend=backend, batch=config.latency_batch, runs=config.latency_runs, threads=config.latency_threads
        )
        meter = LatencyMeter(self.space, self.info, settings, cache=self.open_store() if config.store else None)
        self.meters.append(meter)
        d = meter.device()
        described = (
            f"measured on this machine ({d['cpu']}, {d['logical_cores']} cores): {backend}, batch {d['batch']}, "
            f"{d['threads']} thread(s), median of {settings.runs}; device {meter.fingerprint}"
        )
        return LatencySource(backend, meter.ms, described=described, expensive=True)

    def source(self, config: SearchConfig):
        """Where scores come from: the benchmark's training results, a score table, or live scoring."""
        if not config.proxies:
            config = replace(config, proxies=self.proxies(config))
        key = (
            ("training",)
            if config.signal == "training"
            else (
                ("table", str(config.tabular), config.proxies)
                if config.tabular
                else ("live", config.proxies, config.seed, config.inits, config.device, config.store)
            )
        )  # a live scorer's scores depend on the seed and inits: another run with other ones needs its own
        if key not in self._sources:
            self._sources[key] = self._open_source(config)
        return self._sources[key]

    def _open_source(self, config: SearchConfig):
        if config.signal == "training":
            from zeronas.scoring.tabular import TrainingScores

            if self.ground_truth is None or not self.ground_truth.capabilities.training_results:
                raise ZeronasError(f"{self.space.name} has no recorded training results to search on")
            return TrainingScores(self.space, self.ground_truth.frame, self.info)
        if config.tabular:
            from zeronas.scoring.tabular import open_table

            if config.images:
                raise ZeronasError(
                    "--tabular replays scores computed on the benchmark's sample images; "
                    "drop --images, or score your images live without --tabular"
                )
            return open_table(self.space, self.info.name, config.tabular, list(config.proxies))
        return self._live_scorer(config)

    def _live_scorer(self, config: SearchConfig):
        from zeronas.data.datasets import load_sample
        from zeronas.executors import ScorerSpec, make_executor
        from zeronas.scoring.scorer import Scorer, ScoringSettings

        images, labels = self.images or load_sample(self.info, config.data_root)
        settings = ScoringSettings(
            inits=config.inits,
            seed=config.seed,
            device=config.device,
            images=_fingerprint(images) if config.images else "sample",
        )
        cache = None
        if config.store:
            cache = self.open_store().scores_cache(
                self.space.name, self.info.name, settings.tag(), list(config.proxies)
            )
        scorer = Scorer.create(self.space, self.info, list(config.proxies), images, labels, settings, cache)
        spec = ScorerSpec(
            self.space.name,
            self.info.name,
            tuple(config.proxies),
            settings,
            str(config.data_root) if config.data_root else None,
            str(config.images) if config.images else None,
            self.info.resolution if config.images else None,
        )
        scorer.executor = make_executor(spec, config.backend, config.workers, scorer=scorer, address=config.address)
        self._closers.append(scorer.executor.close)
        return scorer

    def open_store(self):
        if self.db is None:
            from zeronas.store import default_store_path, open_store

            self.db = open_store(default_store_path(self.config.store))
            self._closers.append(self.db.close)
        return self.db

    def optimum(self, constraints) -> tuple[str, float]:
        """The benchmark's best (feasible) architecture and its test accuracy, computed once per limits."""
        key = tuple((c.name, c.limit) for c in constraints)
        if key not in self._optima:
            self._optima[key] = self.ground_truth.optimum(self.info, constraints)
        return self._optima[key]

    # -- runs ---------------------------------------------------------------------------------------------------
    def run(self, config: SearchConfig | None = None, on_progress: Callable | None = None, **overrides) -> SearchResult:
        """One seeded search; `config`/overrides may change per-run fields (seed, strategy, budget, limits...)."""
        from zeronas.strategies import get_strategy
        from zeronas.strategies.problem import Budget, SearchProblem, SimulatedClock, WallClock

        config = replace(config or self.config, **overrides)
        strategy = get_strategy(config.strategy, **config.strategy_options)
        config = replace(
            config,
            proxies=self.proxies(config, strategy),
            objectives=tuple(dict.fromkeys([*config.objectives, *getattr(strategy, "objectives", ())])),
        )
        fitness = list(strategy.fitness or config.proxies)
        self._check_objectives(config)  # before any work, not after the search
        constraints = self.constraints(config)
        objectives = self.objectives(config)
        source = self.source(config)
        simulated = config.tabular or config.signal == "training"
        problem = SearchProblem(
            self.space,
            source,
            fitness,
            Budget(config.budget, config.seconds),
            constraints,
            config.combine,
            clock=SimulatedClock() if simulated else WallClock(),
            on_progress=on_progress,
            objectives=objectives,
        )
        # recorded only once the problem is valid (limits satisfiable, proxies computed), so no run dangles
        recorder = self._recorder(config, source) if config.store else None
        if recorder:
            problem.on_progress = lambda p: (recorder.sync(p), on_progress and on_progress(p))
        measured_before = sum(m.measured for m in self.meters)
        nonfinite_before = dict(source.nonfinite)
        reasons_before = dict(source.reasons)
        t0 = time.perf_counter()
        interrupted = False
        try:
            try:
                strategy.run(problem, random.Random(config.seed))
            except KeyboardInterrupt:
                if not problem.history:
                    raise
                interrupted = True  # keep what was scored: the best so far is the result
            result = self._result(
                config, problem, constraints, time.perf_counter() - t0, source, nonfinite_before, reasons_before
            )
            result.latency_measurements -= measured_before
            result.interrupted = interrupted
        except BaseException as exc:
            if recorder:
                recorder.fail(problem, f"{type(exc).__name__}: {exc}")
            raise
        if recorder:
            recorder.finish(problem, result.to_dict())
        return result

    def proxies(self, config: SearchConfig, strategy=None) -> tuple[str, ...]:
        """The proxies a run computes: the given ones, or FreeREA's (without the skip score on a space that has
        none), plus any the strategy ranks by."""
        own = tuple(getattr(strategy, "fitness", None) or ())
        if not config.proxies and own:  # a strategy with its own signal computes only that
            return own
        names = config.proxies or tuple(p for p in FREEREA_PROXIES if p != "skip" or self.space.capabilities.skip_score)
        return tuple(dict.fromkeys([*names, *own]))

    def objectives(self, config: SearchConfig):
        from zeronas.strategies.objectives import build_objectives

        latency = self.latency(config) if "latency" in config.objectives else None
        return build_objectives(config.objectives, self.costs, latency)

    def _recorder(self, config: SearchConfig, source):
        from zeronas.scoring.scorer import Scorer
        from zeronas.store.recorder import RunRecorder

        recorded = {k: v for k, v in asdict(config).items() if k not in ("store", "data_root", "address")}
        if isinstance(source, Scorer):  # the key its scores are stored under
            recorded["settings"] = source.settings.tag()
        return RunRecorder(self.open_store(), self.space.name, self.info.name, config.strategy, config.seed, recorded)

    def _result(self, config, problem, constraints, wall, source, nonfinite_before, reasons_before) -> SearchResult:
        history = problem.history
        if not history:
            raise ZeronasError("the search scored no architecture")
        combined = problem.fitness(history)
        maximise = [o.maximise for o in problem.objectives]
        # objective values as reported (natural sign); the strategy saw the same values, minimised
        matrix = problem.objective_matrix(history) * np.where(maximise, -1.0, 1.0)
        front = pareto_front(matrix, maximise)
        costs = [k for k, up in enumerate(maximise) if not up]
        if costs:  # listed from the cheapest, as the trade-off is read
            front.sort(key=lambda i: (matrix[i, costs[0]], i))
        first = matrix[front, 0] * (1 if maximise[0] else -1)
        chosen = front[int(np.argmax(first))]
        ranked = [
            int(i) for i in np.argsort(-np.nan_to_num(combined, nan=-np.inf), kind="stable")[: max(1, config.top)]
        ]
        candidates = {
            i: self._candidate(history[i], combined[i], config.objectives, matrix[i], constraints)
            for i in dict.fromkeys([*front, *ranked])
        }
        computed = [e.scores.total_seconds for e in history if not e.scores.cached]
        counts = source.nonfinite
        reasons: dict[str, dict[str, int]] = {}
        for (proxy, why), n in source.reasons.items():
            if n - reasons_before.get((proxy, why), 0):
                reasons.setdefault(proxy, {})[why] = n - reasons_before.get((proxy, why), 0)
        result = SearchResult(
            space=self.space.name,
            dataset=self.info.name,
            strategy=config.strategy,
            seed=config.seed,
            best=candidates[chosen],
            pareto=[candidates[i] for i in front],
            top=[candidates[i] for i in ranked],
            objectives=config.objectives,
            scored=problem.scored,
            wall_s=wall,
            clock_s=problem.clock.now(),
            scoring_s_per_arch=(sum(computed) / len(computed)) if computed else 0.0,
            nonfinite={p: n - nonfinite_before.get(p, 0) for p, n in counts.items() if n - nonfinite_before.get(p, 0)},
            nonfinite_reasons=reasons,
            constraints={c.name: c.limit for c in constraints},
            images=str(Path(config.images).resolve()) if config.images else None,
            problem=problem,
        )
        if config.latency or "latency" in config.objectives or any(c.name.startswith("latency:") for c in constraints):
            latency = self.latency(config)
            result.latency_device, result.latency_source = latency.device, latency.described
            for c in {id(c): c for c in [result.best, *result.pareto, *result.top]}.values():
                c.measured.setdefault(latency.name, float(latency.measure(self.space.parse(c.arch))))
            result.latency_measurements = sum(m.measured for m in self.meters)
        if self.ground_truth is not None:
            result.benchmark = self.ground_truth.label
            result.optimum_arch, result.optimum_acc = self.optimum(constraints)
            result.regret = result.optimum_acc - result.best.test_acc
        return result

    def _candidate(self, ev, combined: float, objectives, values, constraints) -> Candidate:
        arch = self.space.format(ev.arch)
        cand = Candidate(
            arch,
            dict(ev.scores.values),
            float(combined),
            dict(zip(objectives, map(float, values))),
            self.costs.params(ev.arch) / 1e6,
            self.costs.flops(ev.arch) / 1e6,
            ev.clock,
            measured={c.name: float(c.measure(ev.arch)) for c in constraints},
        )
        if self.ground_truth is not None:
            cand.test_acc = self.ground_truth.test_acc(arch, self.info)
            cand.benchmark_index = self.ground_truth.index_of(arch)
        return cand

    @staticmethod
    def _check_objectives(config: SearchConfig) -> None:
        if config.top < 1:
            raise ZeronasError(f"--top must be at least 1, got {config.top}")
        for name in config.objectives:
            if name not in OBJECTIVES:
                raise ZeronasError(f"unknown objective {name!r}; choose from: {OBJECTIVE_HELP}")

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> Study:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def pareto_front(values: np.ndarray, maximise: list[bool]) -> list[int]:
    """Indices of the non-dominated rows (pymoo's non-dominated sorting), in history order. A row with a
    non-finite value (a NaN score ranks last) joins the front only if no row is finite."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    f = np.where(np.array(maximise), -values, values).astype(np.float64)
    ok = np.flatnonzero(np.isfinite(f).all(axis=1))
    rows = ok if len(ok) else np.arange(len(f))
    if f.shape[1] == 1:  # one objective: the single best (first of ties), as a front of one
        return [int(rows[np.argmin(np.nan_to_num(f[rows, 0], nan=np.inf))])]
    front = NonDominatedSorting().do(np.nan_to_num(f[rows], nan=np.inf), only_non_dominated_front=True)
    return sorted(int(rows[i]) for i in front)


def _fingerprint(images) -> str:
    """Content hash of the user's images: scores on other images are stored under another key."""
    return "folder-" + hashlib.sha1(images.numpy().tobytes()).hexdigest()[:12]


def search(config: SearchConfig | None = None, on_progress: Callable | None = None, **fields) -> SearchResult:
    """Run one search: `search(SearchConfig(...))` or `search(dataset="cifar100", budget=100)`."""
    with Study(config, **fields) as study:
        return study.run(on_progress=on_progress)


__all__ = ["Candidate", "SearchConfig", "SearchResult", "Study", "pareto_front", "search"]
