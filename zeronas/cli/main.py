"""The `zeronas` command line."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer
from rich.console import Console

from zeronas.errors import ZeronasError
from zeronas.paths import writable_folder
from zeronas.recipes import FREEREA_PROXIES
from zeronas.spaces import DEFAULT_SPACE
from zeronas.strategies import STRATEGIES
from zeronas.strategies.combine import COMBINERS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Training-free neural architecture search: score, search, and check against benchmarks.",
)
err = Console(stderr=True)
out = Console()

DataRoot = typer.Option(
    None,
    "--data-root",
    envvar="ZERONAS_DATA",
    help="Data folder, searched alone (default: ../shared beside a checkout, then the data in the package).",
)
TablePath = typer.Option(
    None,
    "--table",
    help="The space's ground-truth table (default: nats-tss.csv or "
    "nasbench101.npz, found like all data; env ZERONAS_NATS_TABLE / ZERONAS_NB101_TABLE).",
)


@app.command()
def search(
    space: str = typer.Option(DEFAULT_SPACE, help="Search space."),
    dataset: str = typer.Option("cifar10", help="cifar10 | cifar100 | imagenet16-120."),
    budget: Optional[int] = typer.Option(300, help="Architectures to score (unique networks)."),
    time_budget: Optional[float] = typer.Option(
        None, "--time-budget", help="Seconds of search (simulated with --tabular)."
    ),
    strategy: str = typer.Option("freerea", help=" | ".join(STRATEGIES.names()) + "."),
    strategy_option: list[str] = typer.Option(
        [], "--strategy-option", help="A strategy setting KEY=VALUE, e.g. population=30 (repeatable)."
    ),
    seed: int = typer.Option(0, help="Seed for sampling, initialisation and image batches."),
    inits: int = typer.Option(3, help="Initialisations each model proxy is averaged over (live scoring)."),
    max_flops: Optional[str] = typer.Option(
        None, help="Limit on multiply-adds ('FLOPs' as NATS-Bench counts), e.g. 1e8 or 100M."
    ),
    max_params: Optional[str] = typer.Option(None, help="Limit on parameters, e.g. 8e5 or 0.8M."),
    max_latency: Optional[str] = typer.Option(None, help="HW-NAS-Bench latency limit DEVICE:MS, e.g. edgegpu:5."),
    max_latency_ms: Optional[float] = typer.Option(
        None, "--max-latency-ms", help="Latency limit in ms, on the --latency source (measured here by default)."
    ),
    latency: Optional[str] = typer.Option(
        None,
        help="Where latency comes from: torch | onnxruntime (measured on this machine, cached in --store) "
        "or a HW-NAS-Bench device (pixel3, edgegpu, ...; NATS-Bench cells).",
    ),
    latency_batch: int = typer.Option(1, help="Measured latency: images per forward pass."),
    latency_threads: int = typer.Option(1, help="Measured latency: intra-op threads (fixed, for repeatable numbers)."),
    latency_runs: int = typer.Option(20, help="Measured latency: timed runs after 5 warm-up runs; the median counts."),
    proxies: list[str] = typer.Option(
        [],
        "--proxy",
        "--proxies",
        help=f"Proxies combined into the score (repeat the option, or comma-separate; "
        f"default {','.join(FREEREA_PROXIES)}, without skip on spaces that have no skip score).",
    ),
    combine: str = typer.Option("freerea", help="Score combination: " + " | ".join(COMBINERS.names()) + "."),
    objectives: list[str] = typer.Option(
        ["score"],
        "--objective",
        "--objectives",
        help="Objectives of the Pareto front: score, params, flops, latency (what --strategy nsga2 trades off).",
    ),
    out_dir: Optional[str] = typer.Option(
        None, "--out", help="Write result.json, and with two or more objectives front.csv and front.png, here."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    images: Optional[str] = typer.Option(None, "--images", help="Score on your own images: a folder of class folders."),
    export_dir: Optional[str] = typer.Option(
        None, "--export", help="Write the found network here (model.pt, model.onnx)."
    ),
    workers: int = typer.Option(2, help="Scoring processes, one core each (1 = in this process)."),
    resolution: Optional[int] = typer.Option(
        None, help="With --images: the side images are resized to (default: the dataset's, e.g. 32)."
    ),
    top: int = typer.Option(1, help="Also list the K best distinct architectures by the combined score."),
    device: str = typer.Option("cpu", help="Torch device that scores the networks: cpu | cuda | cuda:N."),
    backend: str = typer.Option("local", help="Where scoring runs: local | ray."),
    address: Optional[str] = typer.Option(None, help="Ray cluster to join (host:port or 'auto'; --backend ray)."),
    data_root: Optional[str] = DataRoot,
    table: Optional[str] = TablePath,
    store: Optional[str] = typer.Option(
        None, "--store", envvar="ZERONAS_STORE", help="SQLite store: reuse scores, record the run and its trajectory."
    ),
    tabular: Optional[str] = typer.Option(
        None,
        "--tabular",
        help="Replay a precomputed score table ('default' = "
        "the packaged one) on a simulated clock; --time-budget is then simulated.",
    ),
):
    """Search for an architecture with training-free proxies, then report its benchmark accuracy."""
    from zeronas.cli.progress import SearchProgress
    from zeronas.study import SearchConfig, Study

    config = SearchConfig(
        space=space,
        dataset=dataset,
        strategy=strategy,
        strategy_options=parse_settings(strategy_option),
        budget=budget,
        seconds=time_budget,
        seed=seed,
        inits=inits,
        proxies=tuple(split_list(proxies)) or None,
        combine=combine,
        objectives=tuple(split_list(objectives)),
        max_flops=max_flops,
        max_params=max_params,
        max_latency=max_latency,
        max_latency_ms=max_latency_ms,
        latency=latency,
        latency_batch=latency_batch,
        latency_threads=latency_threads,
        latency_runs=latency_runs,
        images=images,
        resolution=resolution,
        top=top,
        tabular=tabular,
        store=store,
        data_root=data_root,
        table=table,
        workers=workers,
        backend=backend,
        address=address,
        device=device,
    )
    for folder in (export_dir, out_dir):
        if folder:
            writable_folder(folder)  # before the search, so a finished search is never lost to a bad folder
    with Study(config) as study, SearchProgress(err, budget, time_budget) as progress:
        result = study.run(on_progress=progress.update)
    if export_dir:
        from zeronas.export import export

        images = study.images[0] if study.images else None  # the user's images check the ONNX file
        written = export(space, result.arch, dataset, export_dir, True, study.info, images=images, data_root=data_root)
        if written.check:
            result.export_check = dict(written.check)
        result.exported = {k: str(v) for k, v in written.items()}
    if out_dir:
        from zeronas.report import write_result

        result.written = {k: str(v) for k, v in write_result(result, out_dir).items()}
    if as_json:
        out.print_json(json.dumps(result.to_dict(), default=str))
    else:
        _print_report(result)
    if result.interrupted:
        err.print(f"zeronas: interrupted: the best of the {result.scored} architectures scored so far", highlight=False)
        raise typer.Exit(130)


def parse_settings(items: list[str]) -> dict:
    """KEY=VALUE pairs; values read as JSON numbers/booleans where they parse, else kept as text."""
    settings = {}
    for item in split_list(items):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ZeronasError(f"cannot read strategy setting {item!r}: use KEY=VALUE, e.g. population=30")
        try:
            settings[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            settings[key.strip()] = value.strip()
    return settings


def split_list(values: list[str]) -> list[str]:
    """A repeatable option's values, each of which may also be comma-separated."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _print_report(r) -> None:
    rows = [("architecture", r.arch)]
    if r.images:
        rows.append(("images", f"{r.images} (custom images: no benchmark accuracy)"))
    if r.benchmark_index is not None:
        rows.append(("benchmark index", str(r.benchmark_index)))
    rows += [
        ("proxy scores", ", ".join(f"{k}={v:.6g}" for k, v in r.scores.items())),
        ("params", f"{r.params_m:.6f} M"),
        ("flops", f"{r.flops_m:.2f} M multiply-adds (the benchmarks' 'FLOPs')"),
        ("scored", f"{r.scored} architectures, {r.scoring_s_per_arch:.2f} s each"),
        (
            "wall time",
            f"{r.wall_s:.1f} s"
            + (f" (search clock {r.clock_s:.1f} s, simulated)" if r.clock_s > r.wall_s * 1.5 + 1 else ""),
        ),
    ]
    if r.nonfinite:
        why = {
            p: "; ".join(f"{n}× {reason}" for reason, n in r.nonfinite_reasons.get(p, {}).items()) for p in r.nonfinite
        }
        rows.append(
            (
                "non-finite",
                ", ".join(f"{k}: {v}" + (f" ({why[k]})" if why[k] else "") for k, v in r.nonfinite.items())
                + " (ranked last)",
            )
        )
    if r.test_acc is not None:
        rows.append(("test accuracy", f"{r.test_acc:.2f} % ({r.dataset}, {r.benchmark})"))
        scope = "feasible optimum" if r.constraints else "optimum"
        rows.append((scope, f"{r.optimum_acc:.2f} %  regret {r.regret:.2f}"))
    if len(r.objectives) > 1:
        for c in r.pareto:
            values = ", ".join(f"{k}={v:.6g}" for k, v in c.objectives.items())
            acc = f"  test {c.test_acc:.2f} %" if c.test_acc is not None else ""
            rows.append(("pareto", f"{c.arch}  {values}{acc}"))
    for name, value in r.best.measured.items():
        if name.startswith("latency:"):
            limit = f"limit {r.constraints[name]:g} ms, " if name in r.constraints else ""
            rows.append((name, f"{value:.3f} ms ({limit}{r.latency_source})"))
    if len(r.top) > 1:
        for rank, c in enumerate(r.top, start=1):
            acc = f"  test {c.test_acc:.2f} %" if c.test_acc is not None else ""
            rows.append((f"top {rank}", f"{c.arch}  score={c.combined:.6g}{acc}"))
    rows += [(f"{kind} model", path) for kind, path in r.exported.items()]
    if r.export_check:
        c = r.export_check
        rows.append(("onnx check", f"max |Δ| = {c['max_abs_diff']:.2g} on {c['images']} images vs PyTorch"))
        rows.append(("onnx latency", f"{c['ort_latency_ms']:.3f} ms (ONNX Runtime, batch 1, 1 thread)"))
    rows += [(kind, path) for kind, path in r.written.items()]
    for key, value in rows:  # one line each, never wrapped: architecture strings are copied and piped
        out.print(f"{key:<17}{value}", soft_wrap=True, highlight=False, markup=False)


@app.callback()
def _root() -> None:
    """Training-free neural architecture search."""


# Further commands live in their own modules, each with register(app); one line each.
COMMAND_MODULES: tuple[str, ...] = (
    "zeronas.cli.correlate",
    "zeronas.cli.export",
    "zeronas.cli.precompute",
    "zeronas.cli.bench",
    "zeronas.cli.runs",
    "zeronas.cli.train",
)


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


def main() -> None:
    """Every user error ends in one line on stderr and exit code 2; Ctrl-C in 130, wherever it lands."""
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    try:
        _register_commands()
        code = app(standalone_mode=False)
    except ZeronasError as exc:
        _fail(str(exc))
    except NoArgsIsHelpError as exc:  # `zeronas` alone: the help, as before
        exc.ctx and print(exc.ctx.get_help())
        sys.exit(0)
    except UsageError as exc:  # a bad or missing option or value: one line, not a usage box
        command = exc.ctx.command_path if exc.ctx else "zeronas"
        _fail(f"{command}: {exc.format_message()} (see {command} --help)")
    except KeyboardInterrupt:
        err.print("zeronas: interrupted", highlight=False)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str) -> None:
    err.print(f"zeronas: error: {message}", highlight=False, markup=False, soft_wrap=True)
    sys.exit(2)


if __name__ == "__main__":
    main()
