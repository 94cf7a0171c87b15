"""The `zeronas` command line."""

from __future__ import annotations

import json
import math
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zeronas.errors import ZeronasError
from zeronas.proxies import FREEREA_PROXIES

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Training-free neural architecture search: score, search, and check against benchmarks.")
err = Console(stderr=True)
out = Console()

DataRoot = typer.Option(None, "--data-root", envvar="ZERONAS_DATA",
                        help="Shared data folder (default: ../shared beside the checkout).")
TablePath = typer.Option(None, "--table", help="The space's ground-truth table (default: the shared data's "
                         "nats-tss.csv or nasbench101.npz; env ZERONAS_NATS_TABLE / ZERONAS_NB101_TABLE).")


def _progress_bar(total: Optional[int]):
    return Progress(TextColumn("[bold]scoring"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("best {task.fields[best]}"), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal and False)


@app.command()
def search(
    space: str = typer.Option("nats-tss", help="Search space."),
    dataset: str = typer.Option("cifar10", help="cifar10 | cifar100 | imagenet16-120."),
    budget: Optional[int] = typer.Option(300, help="Architectures to score (unique networks)."),
    time_budget: Optional[float] = typer.Option(None, "--time-budget", help="Wall-clock seconds of search."),
    strategy: str = typer.Option("freerea", help="freerea | rea | random | naswot-rank."),
    seed: int = typer.Option(0, help="Seed for sampling, initialisation and image batches."),
    max_flops: Optional[str] = typer.Option(None, help="Limit on multiply-adds ('FLOPs' as NATS-Bench counts), e.g. 1e8 or 100M."),
    max_params: Optional[str] = typer.Option(None, help="Limit on parameters, e.g. 8e5 or 0.8M."),
    max_latency: Optional[str] = typer.Option(None, help="HW-NAS-Bench latency limit DEVICE:MS, e.g. edgegpu:5."),
    proxies: str = typer.Option(",".join(FREEREA_PROXIES), help="Proxies combined into the fitness."),
    combine: str = typer.Option("freerea", help="Score combination: freerea | rank."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    images: Optional[str] = typer.Option(None, "--images", help="Score on your own images: a folder of class folders."),
    export_dir: Optional[str] = typer.Option(None, "--export", help="Write the found network here (model.pt, model.onnx)."),
    workers: int = typer.Option(1, help="Scoring processes, one core each (1 = in this process)."),
    device: str = typer.Option("cpu", help="Torch device that scores the networks: cpu | cuda | cuda:N."),
    backend: str = typer.Option("local", help="Where scoring runs: local | ray."),
    address: Optional[str] = typer.Option(None, help="Ray cluster to join (host:port or 'auto'; --backend ray)."),
    data_root: Optional[str] = DataRoot,
    table: Optional[str] = TablePath,
    store: Optional[str] = typer.Option(None, "--store", envvar="ZERONAS_STORE",
                                        help="SQLite store: reuse scores, record the run and its trajectory."),
    tabular: Optional[str] = typer.Option(None, "--tabular", help="Replay a precomputed score table ('default' = "
                                          "benchmarks/tables) on a simulated clock; --time-budget is then simulated."),
):
    """Search for an architecture with training-free proxies, then report its benchmark accuracy."""
    from zeronas.runner import run_search

    proxy_list = [p.strip() for p in proxies.split(",") if p.strip()]
    total = budget
    with _progress_bar(total) as bar:
        task = bar.add_task("search", total=total, best="-")

        def on_progress(problem):
            best = problem.best()
            bar.update(task, completed=problem.scored,
                       best=f"{problem.space.format(best.arch)[:40]}…" if not math.isinf(problem.fitness([best])[0]) else "-")

        report = run_search(space, dataset, budget, time_budget, strategy, seed, max_flops, max_params,
                            proxy_list, combine, data_root, table, on_progress=on_progress,
                            workers=workers, backend=backend, images_dir=images, address=address,
                            max_latency=max_latency, store=store, tabular=tabular, device=device)
    if export_dir:
        from zeronas.export import export

        onnx_ok = True
        try:
            import onnx  # noqa: F401
        except ImportError:
            onnx_ok = False
        report.exported = {k: str(v) for k, v in export(space, report.arch, dataset, export_dir, onnx_ok).items()}
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
        return
    _print_report(report)


def _print_report(r) -> None:
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(no_wrap=True)
    t.add_column(overflow="fold")
    t.add_row("architecture", r.arch)
    if r.benchmark_index is not None:
        t.add_row("benchmark index", str(r.benchmark_index))
    t.add_row("proxy scores", ", ".join(f"{k}={v:.6g}" for k, v in r.scores.items()))
    t.add_row("params", f"{r.params_m:.6f} M")
    t.add_row("flops", f"{r.flops_m:.2f} M multiply-adds (the benchmarks' 'FLOPs')")
    t.add_row("scored", f"{r.scored} architectures, {r.scoring_s_per_arch:.2f} s each")
    t.add_row("wall time", f"{r.wall_s:.1f} s")
    if r.nonfinite:
        t.add_row("non-finite", ", ".join(f"{k}: {v}" for k, v in r.nonfinite.items()) + " (ranked last)")
    if r.test_acc is not None:
        t.add_row("test accuracy", f"{r.test_acc:.2f} % ({r.dataset}, {r.benchmark})")
        scope = "feasible optimum" if r.constraints else "optimum"
        t.add_row(scope, f"{r.optimum_acc:.2f} %  regret {r.regret:.2f}")
    for kind, path in r.exported.items():
        t.add_row(f"{kind} model", path)
    out.print(t)


@app.callback()
def _root() -> None:
    """Training-free neural architecture search."""


# Further commands live in their own modules, each with register(app); one line each.
COMMAND_MODULES: tuple[str, ...] = (
    "zeronas.cli.correlate",
    "zeronas.cli.export",
    "zeronas.cli.precompute",
    "zeronas.cli.bench",
)


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


def main() -> None:
    try:
        _register_commands()
        app()
    except ZeronasError as exc:
        err.print(f"zeronas: error: {exc}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
