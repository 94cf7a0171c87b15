"""`zeronas bench`: FreeREA's Table 3 and Table 5, replayed on the precomputed score tables."""

from __future__ import annotations

import shlex
import sys
from typing import Optional

import typer
from rich.console import Console

from zeronas.errors import ZeronasError
from zeronas.paths import writable_folder
from zeronas.spaces import DEFAULT_SPACE
from zeronas.strategies.combine import COMBINERS


def _limits(items: list[str]) -> list[tuple[float, float]]:
    from zeronas.strategies.constraints import parse_amount

    pairs = []
    for item in items:
        flops, sep, params = item.partition(":")
        if not sep:
            raise ZeronasError(f"cannot read constraint {item!r}: use MAXFLOPS:MAXPARAMS, e.g. 1e8:8e5")
        pairs.append((parse_amount(flops, "FLOPs"), parse_amount(params, "params")))
    return pairs


def bench(
    out_dir: Optional[str] = typer.Option(
        None,
        "--out",
        help="Results folder, rerun to resume (default results/bench, or results/bench-<space> for a live space).",
    ),
    space: str = typer.Option(
        DEFAULT_SPACE,
        help="An enumerable space (nats-tss) replays its score tables; a larger one (nasbench101) runs live searches.",
    ),
    datasets: list[str] = typer.Option(
        [],
        "--dataset",
        "--datasets",
        help="Datasets (repeat or comma-separate; default: all of the space's, a live space: its first).",
    ),
    runs: Optional[int] = typer.Option(
        None, help="Seeded searches per method and setting (default 30; 5 for a live space)."
    ),
    strategies: list[str] = typer.Option(
        ["freerea", "rea", "random"], "--strategy", "--strategies", help="Live space: strategies compared."
    ),
    device: str = typer.Option("cpu", help="Live space: torch device that scores the networks (cpu | cuda)."),
    budget: int = typer.Option(300, help="Architectures scored per search (FreeREA, REA, random, training REA)."),
    naswot_samples: int = typer.Option(1000, help="Networks NASWOT's sample-and-rank draws."),
    constraints: list[str] = typer.Option(
        ["1e8:8e5", "7e7:5e5", "4e7:3e5"],
        "--constraint",
        "--constraints",
        help="Table 5 limits MAXFLOPS:MAXPARAMS (repeat or comma-separate).",
    ),
    table3: bool = typer.Option(True, "--table3/--no-table3", help="Unconstrained comparison."),
    table5: bool = typer.Option(True, "--table5/--no-table5", help="Constrained comparison."),
    seed: int = typer.Option(0, help="First seed; runs use seed, seed+1, ..."),
    fitness: list[str] = typer.Option(
        ["naswot", "logsynflow", "skip"],
        "--fitness",
        help="Proxies FreeREA, FreeREA⁻ and random combine (repeat or comma-separate).",
    ),
    combine: str = typer.Option(
        "freerea", help="How --fitness proxies become one score: " + " | ".join(COMBINERS.names()) + "."
    ),
    workers: int = typer.Option(2, help="Processes replaying searches (live space: scoring), one core each."),
    inits: Optional[int] = typer.Option(
        None, help="Live space: initialisations each model proxy is averaged over (default 3); tables keep their own."
    ),
    tables: Optional[str] = typer.Option(None, "--tables", help="Folder of score tables (default: the packaged ones)."),
    table: Optional[str] = typer.Option(None, "--table", help="Ground-truth table (default: resolved like all data)."),
    data_root: Optional[str] = typer.Option(None, "--data-root", envvar="ZERONAS_DATA", help="Shared data folder."),
):
    """Replay R seeded searches per method on the score tables (FreeREA's Tables 3 and 5) and write Markdown,
    CSV and PNG figures; on NAS-Bench-101, run R live searches per strategy and write a Markdown table."""
    from zeronas.cli.main import split_list
    from zeronas.data.datasets import get_dataset
    from zeronas.proxies import get_proxies
    from zeronas.spaces import get_space
    from zeronas.strategies.combine import get_combiner

    space_obj = get_space(space)
    live = not space_obj.capabilities.enumerable  # too large to tabulate: searches score live
    runs = runs if runs is not None else (5 if live else 30)
    if runs < 1 or budget < 1 or naswot_samples < 1:
        raise ZeronasError("--runs, --budget and --naswot-samples must be at least 1")
    if workers < 1:
        raise ZeronasError(f"--workers must be at least 1, got {workers}")
    if inits is not None and not live:
        raise ZeronasError(f"--inits applies to live searches; {space_obj.name}'s score tables have their own")
    if inits is not None and inits < 1:
        raise ZeronasError(f"--inits must be at least 1, got {inits}")
    proxies = tuple(p.name for p in get_proxies(split_list(fitness)))
    get_combiner(combine)  # an unknown rule fails here, before any run
    supported = list(space_obj.capabilities.datasets)
    names = [get_dataset(d).name for d in split_list(datasets)] or (supported[:1] if live else supported)
    unsupported = [d for d in names if d not in supported]
    if unsupported:
        raise ZeronasError(
            f"{space_obj.name} has no benchmark results for {unsupported[0]}; choose from: {', '.join(supported)}"
        )
    out_dir = str(writable_folder(out_dir or (f"results/bench-{space_obj.name}" if live else "results/bench")))
    if live:
        path = _live(
            space_obj,
            out_dir or f"results/bench-{space_obj.name}",
            names,
            split_list(strategies),
            runs,
            budget,
            seed,
            workers,
            device,
            proxies,
            combine,
            inits,
        )
    else:
        from zeronas.bench.bench import run_bench
        from zeronas.bench.run import Sources

        command = "zeronas " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        path = run_bench(
            out_dir or "results/bench",
            names,
            runs,
            budget,
            seed,
            table3,
            table5,
            _limits(split_list(constraints)),
            naswot_samples,
            workers,
            Sources(tables, table, data_root, space_obj.name),
            command,
            console=Console(stderr=True),
            fitness=proxies,
            combine=combine,
        )
    Console().print(f"wrote {path}", soft_wrap=True)


def _live(space, out_dir, datasets, strategies, runs, budget, seed, workers, device, proxies, combine, inits):
    from zeronas.bench.live import run_live_bench
    from zeronas.strategies import get_strategy

    if len(datasets) != 1:
        raise ZeronasError(f"a live bench on {space.name} runs one dataset at a time")
    for name in strategies:
        get_strategy(name)  # an unknown name fails here, before any run
    from zeronas.bench.live import DEFAULT_INITS

    return run_live_bench(
        out_dir,
        space.name,
        datasets[0],
        strategies,
        list(range(seed, seed + runs)),
        budget,
        workers,
        device,
        proxies,
        console=Console(stderr=True),
        combine=combine,
        inits=DEFAULT_INITS if inits is None else inits,
    )


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)
