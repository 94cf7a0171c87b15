"""Rank correlation of proxies with benchmark accuracy on a seeded, uniform sample of architectures.

Kendall τ (tau-b) and Spearman ρ, from scipy. A NaN score (a proxy that failed or overflowed on a
degenerate cell) is ranked below every finite score, as the search ranks it, so failures cost τ.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from scipy.stats import kendalltau, rankdata, spearmanr

from zeronas.data.datasets import get_dataset
from zeronas.errors import ZeronasError
from zeronas.groundtruth import get_benchmark
from zeronas.proxies import get_proxies
from zeronas.scoring.bulk import BulkJob, score_archs
from zeronas.scoring.scorer import ScoringSettings
from zeronas.spaces import DEFAULT_SPACE, get_space
from zeronas.strategies.combine import get_combiner
from zeronas.strategies.constraints import Constraint
from zeronas.study import SearchConfig, Study


@dataclass
class CorrelateJob:
    space: str = DEFAULT_SPACE
    dataset: str = "cifar10"
    sample: int = 1000
    seed: int = 0
    proxies: tuple[str, ...] = ("params", "flops", "naswot", "logsynflow", "synflow")
    combine: tuple[str, ...] = ()  # 'rank', 'freerea:naswot+logsynflow+skip', ...
    settings: ScoringSettings = field(default_factory=lambda: ScoringSettings(inits=1))
    workers: int = 1
    store: str | Path | None = None
    max_flops: str | None = None
    max_params: str | None = None
    max_latency: str | None = None  # DEVICE:MS
    data_root: str | None = None
    table: str | None = None


@dataclass
class CorrelateResult:
    summary: pd.DataFrame  # one row per proxy / combination
    scores: pd.DataFrame  # one row per sampled architecture
    population: int  # architectures that satisfy the limits (the sampling frame)
    unique: int  # distinct networks actually scored
    constraints: list[Constraint]


def parse_combinations(specs, proxies) -> list[tuple[str, str, list[str]]]:
    """'rank' or 'freerea:naswot+logsynflow+skip' -> (label, combiner, proxies); every proxy must be scored."""
    out = []
    for spec in specs:
        name, _, members = spec.partition(":")
        get_combiner(name.strip())
        used = [m.strip() for m in members.split("+") if m.strip()] if members else list(proxies)
        missing = [m for m in used if m not in proxies]
        if missing:
            raise ZeronasError(f"combination {spec!r} uses {missing[0]!r}, which is not in --proxies")
        out.append((f"{name.strip()}({'+'.join(used)})", name.strip(), used))
    return out


def rank_correlation(values, accuracy) -> tuple[float, float]:
    """(Kendall τ-b, Spearman ρ) with NaN scores ranked last."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) < 2:
        return math.nan, math.nan
    ranks = rankdata(np.where(np.isnan(v), -np.inf, v))
    tau = kendalltau(ranks, accuracy).statistic
    rho = spearmanr(ranks, accuracy).statistic
    return float(tau), float(rho)


def _population(job: CorrelateJob, space, info, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Constraint]]:
    study = Study(
        SearchConfig(
            space=job.space,
            dataset=job.dataset,
            max_flops=job.max_flops,
            max_params=job.max_params,
            max_latency=job.max_latency,
            data_root=job.data_root,
            ground_truth=False,
        )
    )
    constraints = study.constraints(study.config)
    if not constraints:
        return frame, constraints
    archs = [space.parse(a) for a in frame["arch"]]
    keep = [all(c.ok(a) for c in constraints) for a in archs]
    feasible = frame[keep]
    if feasible.empty:
        limits = ", ".join(f"{c.name} <= {c.limit:g}" for c in constraints)
        raise ZeronasError(f"no architecture in {space.name} satisfies {limits}")
    return feasible, constraints


def run_correlate(job: CorrelateJob, progress: bool = True, console=None) -> CorrelateResult:
    if job.sample < 2:
        raise ZeronasError(f"--sample must be at least 2 to correlate, got {job.sample}")
    space, info = get_space(job.space), get_dataset(job.dataset)
    proxies = [p.name for p in get_proxies(list(job.proxies))]
    combos = parse_combinations(job.combine, proxies)
    bench = get_benchmark(job.space, job.table, job.data_root)
    if bench is None:
        raise ZeronasError(f"correlate needs a benchmark table of {job.space}; it has none")
    if bench.capabilities.lists_every_cell:
        population, constraints = _population(job, space, info, bench.frame)
        size = len(population)
        # a prefix of one seeded permutation: a smaller K is a subset of a larger one (and reuses its stored scores)
        order = np.random.default_rng(job.seed).permutation(size)
        picked = population.iloc[order[: job.sample]]
        accuracy = picked[bench.column("test_acc", info)].to_numpy(dtype=np.float64)
    else:  # too large to list (NAS-Bench-101): the rows `precompute --sample` draws, so their scores are shared
        if job.max_flops or job.max_params or job.max_latency:
            raise ZeronasError(f"limits on correlate need a benchmark that lists every cell; {job.space}'s does not")
        size, constraints = len(bench), []
        rows = np.random.default_rng(job.seed).permutation(size)[: job.sample]
        picked = pd.DataFrame({"index": rows, "arch": [bench.arch_of(int(r)) for r in rows]})
        accuracy = np.array([bench.test_acc(a, info) for a in picked["arch"]], dtype=np.float64)
    if job.sample > size:  # say so: the table is smaller than asked
        (console or Console(stderr=True)).print(
            f"note: --sample {job.sample} is more than the {size} architectures available; all of them are used",
            highlight=False,
            soft_wrap=True,
        )
    archs = [space.parse(a) for a in picked["arch"]]
    bulk = BulkJob(
        job.space, job.dataset, tuple(proxies), job.settings, job.store, job.workers, data_root=job.data_root
    )
    results, _ = score_archs(bulk, archs, progress=progress, console=console)

    scores = pd.DataFrame(
        {"index": picked["index"].to_numpy(), "arch": picked["arch"].to_numpy(), "test_acc": accuracy}
    )
    for p in proxies:
        scores[p] = [r.values[p] for r in results]
    keys = [space.canonical_key(a) for a in archs]
    first = sorted({k: i for i, k in reversed(list(enumerate(keys)))}.values())  # one row per network
    seconds = {p: float(np.mean([results[i].seconds.get(p, 0.0) for i in first])) for p in proxies}
    published = bench.published_tau.get(job.dataset, {}) if not constraints else {}
    summary = _summary(scores, proxies, combos, seconds, published)
    return CorrelateResult(summary, scores, size, len(first), constraints)


def _summary(scores: pd.DataFrame, proxies, combos, seconds, published) -> pd.DataFrame:
    """One row per proxy, then per combination (its cost is the sum of its members')."""
    accuracy = scores["test_acc"].to_numpy()
    columns = [(p, scores[p].to_numpy(), [p]) for p in proxies]
    for label, combiner, members in combos:
        combined = get_combiner(combiner)(scores[members].to_numpy())
        columns.append((label, np.where(np.isinf(combined), np.nan, combined), members))
    rows = []
    for label, values, members in columns:
        tau, rho = rank_correlation(values, accuracy)
        rows.append(
            {
                "proxy": label,
                "kendall_tau": tau,
                "spearman_rho": rho,
                "seconds_per_arch": sum(seconds[m] for m in members),
                "nan": int(np.isnan(values).sum()),
                "published_tau": published.get(label, math.nan),
            }
        )
    return pd.DataFrame(rows)


def markdown_table(summary: pd.DataFrame) -> str:
    """The summary as a GitHub Markdown table."""
    fmt = lambda x, spec: "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)  # noqa: E731
    table = pd.DataFrame(
        {
            "proxy": summary["proxy"],
            "Kendall τ": [fmt(x, ".3f") for x in summary["kendall_tau"]],
            "Spearman ρ": [fmt(x, ".3f") for x in summary["spearman_rho"]],
            "s/arch": [fmt(x, ".3f") for x in summary["seconds_per_arch"]],
            "NaN": summary["nan"],
            "FreeREA τ": [fmt(x, ".2f") for x in summary["published_tau"]],
        }
    )
    return table.to_markdown(index=False, colalign=("left",) + ("right",) * 5)


def default_out_dir(job: CorrelateJob, constraints: list[Constraint]) -> Path:
    tag = "".join(f"-{re.sub(r'[^A-Za-z0-9.]+', '_', c.name)}{c.limit:g}" for c in constraints)
    return Path("runs") / "correlate" / f"{job.space}-{job.dataset}-k{job.sample}-seed{job.seed}{tag}"


def write_outputs(result: CorrelateResult, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "correlations.csv", out_dir / "scores.csv", out_dir / "correlations.md"]
    result.summary.to_csv(paths[0], index=False)
    result.scores.to_csv(paths[1], index=False)
    paths[2].write_text(markdown_table(result.summary) + "\n")
    return paths
