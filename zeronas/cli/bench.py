"""`zeronas bench`: FreeREA's Table 3 and Table 5, replayed on the precomputed score tables."""

from __future__ import annotations

import shlex
import sys
from typing import Optional

import typer
from rich.console import Console

from zeronas.errors import ZeronasError


ALL_DATASETS = "cifar10,cifar100,imagenet16-120"


def _limits(text: str) -> list[tuple[float, float]]:
    from zeronas.search.constraints import parse_amount

    pairs = []
    for item in filter(None, (t.strip() for t in text.split(","))):
        flops, sep, params = item.partition(":")
        if not sep:
            raise ZeronasError(f"cannot read constraint {item!r}: use MAXFLOPS:MAXPARAMS, e.g. 1e8:8e5")
        pairs.append((parse_amount(flops, "FLOPs"), parse_amount(params, "params")))
    return pairs


def bench(
    out_dir: Optional[str] = typer.Option(None, "--out", help="Results folder, rerun to resume "
                                          "(default results/bench, or results/bench-<space> for a live space)."),
    space: str = typer.Option("nats-tss", help="nats-tss: replay the score tables. nasbench101: live searches "
                                               "that score every cell (too many cells to precompute)."),
    datasets: str = typer.Option(ALL_DATASETS, help="Comma-separated datasets (a live space: one)."),
    runs: Optional[int] = typer.Option(None, help="Seeded searches per method and setting "
                                                  "(default 30; 5 for a live space)."),
    strategies: str = typer.Option("freerea,rea,random", help="Live space: strategies compared."),
    device: str = typer.Option("cpu", help="Live space: torch device that scores the networks (cpu | cuda)."),
    budget: int = typer.Option(300, help="Architectures scored per search (FreeREA, REA, random, training REA)."),
    naswot_samples: int = typer.Option(1000, help="Networks NASWOT's sample-and-rank draws."),
    constraints: str = typer.Option("1e8:8e5,7e7:5e5,4e7:3e5",
                                    help="Table 5 limits MAXFLOPS:MAXPARAMS, comma-separated."),
    table3: bool = typer.Option(True, "--table3/--no-table3", help="Unconstrained comparison."),
    table5: bool = typer.Option(True, "--table5/--no-table5", help="Constrained comparison."),
    seed: int = typer.Option(0, help="First seed; runs use seed, seed+1, ..."),
    fitness: str = typer.Option("naswot,logsynflow,skip", help="Proxies FreeREA, FreeREA⁻ and random combine."),
    workers: int = typer.Option(2, help="Processes replaying searches (live space: scoring), one core each."),
    tables: Optional[str] = typer.Option(None, "--tables", help="Folder of score tables (default benchmarks/tables)."),
    table: Optional[str] = typer.Option(None, "--table", help="NATS-Bench CSV (default: shared data or $ZERONAS_NATS_TABLE)."),
    data_root: Optional[str] = typer.Option(None, "--data-root", envvar="ZERONAS_DATA", help="Shared data folder."),
):
    """Replay R seeded searches per method on the score tables (FreeREA's Tables 3 and 5) and write Markdown,
    CSV and PNG figures; on NAS-Bench-101, run R live searches per strategy and write a Markdown table."""
    from zeronas.proxies import get_proxies
    from zeronas.spaces import get_space

    space_obj = get_space(space)
    live = not hasattr(space_obj, "all")  # too large to tabulate (as precompute and --tabular decide)
    runs = runs if runs is not None else (5 if live else 30)
    if runs < 1 or budget < 1 or naswot_samples < 1:
        raise ZeronasError("--runs, --budget and --naswot-samples must be at least 1")
    if workers < 1:
        raise ZeronasError(f"--workers must be at least 1, got {workers}")
    proxies = tuple(p.name for p in get_proxies(fitness))
    if live:
        path = _live(space_obj, out_dir or f"results/bench-{space_obj.name}", datasets, strategies, runs, budget,
                     seed, workers, device, proxies)
    else:
        from zeronas.bench.bench import run_bench
        from zeronas.bench.run import Sources

        command = "zeronas " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        names = [d.strip() for d in datasets.split(",") if d.strip()]
        path = run_bench(out_dir or "results/bench", names, runs, budget, seed, table3, table5, _limits(constraints),
                         naswot_samples, workers, Sources(tables, table, data_root), command,
                         console=Console(stderr=True), fitness=proxies)
    Console().print(f"wrote {path}", soft_wrap=True)


def _live(space, out_dir, datasets, strategies, runs, budget, seed, workers, device, proxies):
    from zeronas.bench.live import run_live_bench
    from zeronas.data.datasets import get_dataset
    from zeronas.search import get_strategy

    supported = list(getattr(space, "datasets", ALL_DATASETS.split(",")))
    # left at the NATS-Bench default, the option means the space's first dataset
    chosen = [supported[0]] if datasets == ALL_DATASETS else [get_dataset(d.strip()).name
                                                               for d in datasets.split(",") if d.strip()]
    if len(chosen) != 1 or chosen[0] not in supported:
        raise ZeronasError(f"a live bench on {space.name} runs one dataset, one of: {', '.join(supported)}")
    names = [s.strip() for s in strategies.split(",") if s.strip()]
    for name in names:
        get_strategy(name)  # an unknown name fails here, before any run
    return run_live_bench(out_dir, space.name, chosen[0], names, list(range(seed, seed + runs)), budget, workers,
                          device, proxies, console=Console(stderr=True))


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)
