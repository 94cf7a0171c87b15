"""`zeronas bench`: FreeREA's Table 3 and Table 5, replayed on the precomputed score tables."""

from __future__ import annotations

import shlex
import sys
from typing import Optional

import typer
from rich.console import Console

from zeronas.errors import ZeronasError


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
    out_dir: str = typer.Option("results/bench", "--out", help="Results folder (rerun to resume)."),
    datasets: str = typer.Option("cifar10,cifar100,imagenet16-120", help="Comma-separated datasets."),
    runs: int = typer.Option(30, help="Seeded searches per method and setting."),
    budget: int = typer.Option(300, help="Architectures scored per search (FreeREA, REA, random, training REA)."),
    naswot_samples: int = typer.Option(1000, help="Networks NASWOT's sample-and-rank draws."),
    constraints: str = typer.Option("1e8:8e5,7e7:5e5,4e7:3e5",
                                    help="Table 5 limits MAXFLOPS:MAXPARAMS, comma-separated."),
    table3: bool = typer.Option(True, "--table3/--no-table3", help="Unconstrained comparison."),
    table5: bool = typer.Option(True, "--table5/--no-table5", help="Constrained comparison."),
    seed: int = typer.Option(0, help="First seed; runs use seed, seed+1, ..."),
    fitness: str = typer.Option("naswot,logsynflow,skip", help="Proxies FreeREA, FreeREA⁻ and random combine."),
    workers: int = typer.Option(2, help="Processes replaying searches, one core each."),
    tables: Optional[str] = typer.Option(None, "--tables", help="Folder of score tables (default benchmarks/tables)."),
    table: Optional[str] = typer.Option(None, "--table", help="NATS-Bench CSV (default: shared data or $ZERONAS_NATS_TABLE)."),
    data_root: Optional[str] = typer.Option(None, "--data-root", envvar="ZERONAS_DATA", help="Shared data folder."),
):
    """Replay R seeded searches per method on the score tables; write Markdown, CSV and PNG figures."""
    from zeronas.bench.bench import run_bench
    from zeronas.bench.run import Sources
    from zeronas.proxies import get_proxies

    if runs < 1 or budget < 1 or naswot_samples < 1:
        raise ZeronasError("--runs, --budget and --naswot-samples must be at least 1")
    if workers < 1:
        raise ZeronasError(f"--workers must be at least 1, got {workers}")
    names = [d.strip() for d in datasets.split(",") if d.strip()]
    command = "zeronas " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    path = run_bench(out_dir, names, runs, budget, seed, table3, table5, _limits(constraints), naswot_samples,
                     workers, Sources(tables, table, data_root), command, console=Console(stderr=True),
                     fitness=tuple(p.name for p in get_proxies(fitness)))
    Console().print(f"wrote {path}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)
