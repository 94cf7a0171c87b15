"""`zeronas correlate`: how well does each proxy rank a seeded sample of benchmark architectures?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from zeronas.paths import writable_folder
from zeronas.spaces import DEFAULT_SPACE
from zeronas.strategies.combine import COMBINERS


def correlate(
    space: str = typer.Option(DEFAULT_SPACE, help="Search space with a benchmark table."),
    dataset: str = typer.Option("cifar10", help="cifar10 | cifar100 | imagenet16-120."),
    sample: int = typer.Option(1000, help="Architectures drawn uniformly (without replacement) from the table."),
    seed: int = typer.Option(0, help="Seed for the sample, the initialisations and the image batches."),
    proxies: list[str] = typer.Option(
        ["all"], "--proxy", "--proxies", help="Proxies (repeat or comma-separate), or 'all'."
    ),
    combine: list[str] = typer.Option(
        [],
        help=f"Extra rows combining proxies: a rule ({', '.join(COMBINERS.names())}), or NAME:p1+p2+...; "
        "repeat or comma-separate (default members: all --proxies).",
    ),
    inits: int = typer.Option(1, help="Initialisations averaged per model proxy."),
    batch_size: int = typer.Option(64, "--batch-size", help="Real images per scoring batch."),
    workers: int = typer.Option(2, help="Scoring processes, one core each (1 = in this process)."),
    device: str = typer.Option(
        "cpu", help="Torch device that scores the networks: cpu | cuda | cuda:N (with cuda, --workers 1)."
    ),
    store: Optional[str] = typer.Option(
        None,
        help="SQLite score store, for resume (default $ZERONAS_STORE or runs/zeronas.sqlite); 'none' to keep nothing.",
    ),
    out: Optional[str] = typer.Option(None, help="Output folder for CSV/PNG (default runs/correlate/<run>)."),
    plot: bool = typer.Option(False, help="Write one accuracy-vs-proxy scatter PNG per proxy."),
    max_flops: Optional[str] = typer.Option(None, help="Only architectures under this many multiply-adds."),
    max_params: Optional[str] = typer.Option(None, help="Only architectures under this many parameters."),
    max_latency: Optional[str] = typer.Option(None, help="Only architectures under a HW-NAS-Bench latency, DEVICE:MS."),
    data_root: Optional[str] = typer.Option(None, "--data-root", envvar="ZERONAS_DATA", help="Shared data folder."),
    table: Optional[str] = typer.Option(None, "--table", help="The space's ground-truth table (default: shared data)."),
):
    """Kendall τ / Spearman ρ of each proxy against benchmark test accuracy, as Markdown and CSV."""
    from zeronas.analysis.correlate import CorrelateJob, default_out_dir, markdown_table, run_correlate, write_outputs
    from zeronas.cli.main import split_list
    from zeronas.proxies import PROXIES
    from zeronas.scoring.scorer import ScoringSettings

    names = list(PROXIES) if split_list(proxies) == ["all"] else split_list(proxies)
    from zeronas.store import default_store_path

    store_path = None if (store or "").lower() == "none" else default_store_path(store)
    job = CorrelateJob(
        space,
        dataset,
        sample,
        seed,
        tuple(names),
        tuple(split_list(combine)),
        ScoringSettings(inits, batch_size, seed, device),
        workers,
        store_path,
        max_flops,
        max_params,
        max_latency,
        data_root,
        table,
    )
    if out:
        writable_folder(out)  # before scoring, so finished work is never lost to a bad folder
    result = run_correlate(job, console=Console(stderr=True))
    out_dir = Path(out) if out else default_out_dir(job, result.constraints)
    paths = write_outputs(result, out_dir)
    if plot:
        from zeronas.analysis.plots import scatter_plots

        paths += scatter_plots(result.scores, result.summary, names, out_dir, f"{space} {dataset}")
    limits = ", ".join(f"{c.name} <= {c.limit:g}{c.unit}" for c in result.constraints) or "none"
    print(
        f"{space} {dataset}: {len(result.scores)} of {result.population} architectures "
        f"({result.unique} distinct networks), seed {seed}, {job.settings.tag()}, limits: {limits}\n"
    )
    print(markdown_table(result.summary))
    print(f"\nwrote {len(paths)} files to {out_dir}")


def register(app: typer.Typer) -> None:
    app.command("correlate", help=correlate.__doc__)(correlate)
