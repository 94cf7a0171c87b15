"""`zeronas runs`: browse the searches a store recorded; `zeronas runs show ID` prints one with its trajectory
and plots it.

The trajectory's scores are never recomputed by training or by scoring a network again: a tabular (or
training-signal) run looks its networks up in the table it replayed, a live run reads the values its search
cached in the store. A value that is not there is reported as missing, in one line, and left out.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import typer

from zeronas.errors import ZeronasError

STORE_HELP = "SQLite store the runs were recorded in (default $ZERONAS_STORE, else runs/zeronas.sqlite)."
RUNNING = "running or killed"  # no result recorded: still running, or the process died before it could record one

runs_app = typer.Typer(
    help="List the searches recorded in a store: id, start time, space, dataset, strategy, seed, budget, networks "
    "scored, the best architecture and its test accuracy, and the status (done; failed: reason; running or "
    "killed: no result yet). "
    "`zeronas runs show ID` prints one with its trajectory and plots it.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# -- reading the store -------------------------------------------------------------------------------------------
def open_existing_store(store: Optional[str]):
    """The store at --store / $ZERONAS_STORE / runs/zeronas.sqlite; an absent file is an error, never created."""
    from zeronas.store import default_store_path, open_store

    path = default_store_path(store)
    if not path.exists():
        raise ZeronasError(f"no store at {path}: pass --store FILE (a search records into it with --store)")
    if not path.is_file():
        raise ZeronasError(f"{path} is not a file: pass --store FILE, a zeronas store")
    return open_store(path)


def parse_run_id(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ZeronasError(f"a run id is a number (see `zeronas runs`), not {text!r}") from None


def status(run: dict) -> str:
    result = run["result"]
    if result is None:
        return RUNNING
    if "error" in result:
        return f"failed: {result['error']}"
    return "done (interrupted: the best of what it scored)" if result.get("interrupted") else "done"


def _started(run: dict) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(run["started"])))
    except (TypeError, ValueError, OverflowError, OSError):
        return str(run["started"])


def _budget(config: dict) -> str:
    parts = []
    if config.get("budget") is not None:
        parts.append(str(config["budget"]))
    if config.get("seconds") is not None:
        parts.append(
            f"{config['seconds']:g}s" if isinstance(config["seconds"], (int, float)) else str(config["seconds"])
        )
    return "/".join(parts) or "-"


def _scored(run: dict) -> int:
    result = run["result"] or {}
    return int(result["scored"]) if isinstance(result.get("scored"), int) else run["steps"]


def _acc(value) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) and math.isfinite(value) else "-"


def _num(value, digits: int = 4) -> str:
    if not isinstance(value, (int, float)):
        return "-"
    return f"{value:.{digits}f}" if math.isfinite(value) else str(value)


def _g(value) -> str:
    return f"{value:.6g}" if isinstance(value, (int, float)) else str(value)


def _aligned(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """Plain columns; the last one is never padded (architecture strings and reasons stay whole, unwrapped)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            (c.rjust(w) if i in right else c.ljust(w)) if i < len(row) - 1 else c
            for i, (c, w) in enumerate(zip(row, widths))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _print(lines: list[str]) -> None:
    for line in lines:
        print(line)
    sys.stdout.flush()


# -- `zeronas runs` ------------------------------------------------------------------------------------------------
def summary_row(run: dict) -> dict:
    result = run["result"] or {}
    config = run["config"]
    return {
        "run_id": run["run_id"],
        "started": _started(run),
        "space": run["space"],
        "dataset": run["dataset"],
        "strategy": run["strategy"],
        "seed": run["seed"],
        "budget": config.get("budget"),
        "seconds": config.get("seconds"),
        "status": status(run).split(":")[0].split(" (")[0],
        "interrupted": bool(result.get("interrupted")),
        "error": result.get("error"),
        "scored": _scored(run),
        "arch": result.get("arch"),
        "test_acc": result.get("test_acc"),
        "regret": result.get("regret"),
    }


@runs_app.callback(invoke_without_command=True)
def runs(
    ctx: typer.Context,
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the runs as JSON (a list of objects)."),
):
    """List the searches recorded in a store (the group's help text is runs_app's)."""
    if ctx.invoked_subcommand is not None:
        return
    db = open_existing_store(store)
    try:
        recorded = db.run_summaries()
    finally:
        db.close()
    if as_json:
        print(json.dumps([summary_row(r) for r in recorded], default=str, indent=2))
        return
    if not recorded:
        print(f"no runs in {db.path}")
        return
    header = ["id", "started", "space", "dataset", "strategy", "seed", "budget", "scored", "test_acc", "arch", "status"]
    rows = [
        [
            str(r["run_id"]),
            _started(r),
            r["space"],
            r["dataset"],
            r["strategy"],
            str(r["seed"]),
            _budget(r["config"]),
            str(_scored(r)),
            _acc((r["result"] or {}).get("test_acc")),
            str((r["result"] or {}).get("arch") or "-"),
            status(r),
        ]
        for r in recorded
    ]
    _print(_aligned(header, rows, right={0, 5, 6, 7, 8}))


# -- `zeronas runs show` -----------------------------------------------------------------------------------------
@dataclass
class Trajectory:
    """A run's scored networks in order, with what can be known of each without scoring anything again."""

    steps: list[dict]
    fitness: list[str] = field(default_factory=list)  # proxies combined into the score
    combine: str = ""
    benchmark: str | None = None  # ground-truth label, when test accuracies are known
    notes: list[str] = field(default_factory=list)  # one line each: what is unavailable, and why

    @property
    def has_scores(self) -> bool:
        return any(s["score"] is not None for s in self.steps)

    @property
    def has_accuracy(self) -> bool:
        return any(s["test_acc"] is not None for s in self.steps)


def _finite(x) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def analyse(db, run: dict, steps: list[dict], data_root: Optional[str] = None) -> Trajectory:
    """Each step's combined score (normalised over the whole run, as the run's result reports it), the best so far
    by that score, and the benchmark test accuracy of both where the space has one."""
    traj = Trajectory(
        [dict(s, score=None, best_score=None, best_arch=None, test_acc=None, best_test_acc=None) for s in steps]
    )
    if not steps:
        traj.notes.append("no network was recorded for this run")
        return traj
    try:
        study, config = _rebuild(run, data_root, traj.notes)
    except (ZeronasError, TypeError, ValueError) as exc:
        traj.notes.append(
            f"cannot rebuild the run's settings in this version of zeronas ({exc}): no scores, no accuracy"
        )
        return traj
    try:
        _combined_scores(db, study, config, run, traj)
        _accuracies(study, config, traj)
    finally:
        study.close()
    return traj


def _rebuild(run: dict, data_root, notes: list[str]):
    from dataclasses import fields

    from zeronas.study import SearchConfig, Study

    names = {f.name for f in fields(SearchConfig)}
    skip = {"store", "data_root", "address", "images", "resolution", "workers", "backend"}  # nothing is scored again
    known = {k: v for k, v in run["config"].items() if k in names and k not in skip}
    known.setdefault("space", run["space"])
    known.setdefault("dataset", run["dataset"])
    known.setdefault("strategy", run["strategy"])
    known.setdefault("seed", run["seed"])
    config = SearchConfig(**known, data_root=data_root)
    if run["config"].get("images"):
        notes.append("scored on custom --images: no benchmark test accuracy")
        config.ground_truth = False
    elif not config.ground_truth:
        notes.append("the run did not look its networks up in a benchmark: no test accuracy")
    try:
        return Study(config), config
    except ZeronasError as exc:
        if not config.ground_truth:
            raise
        notes.append(f"no test accuracy: {exc}")
        config.ground_truth = False
        return Study(config), config


def _combined_scores(db, study, config, run: dict, traj: Trajectory) -> None:
    import numpy as np

    from zeronas.strategies import get_strategy
    from zeronas.strategies.combine import get_combiner

    try:
        strategy = get_strategy(config.strategy, **dict(config.strategy_options or {}))
        fitness = list(getattr(strategy, "fitness", None) or config.proxies)
        combiner = get_combiner(config.combine)
        values = _values(db, study, config, fitness, traj)
    except (ZeronasError, TypeError, ValueError) as exc:
        traj.notes.append(f"no combined score: {exc}")
        return
    except KeyError as exc:  # a network or a proxy the replayed table does not hold
        traj.notes.append(f"no combined score: the run's score source has no value for {exc}")
        return
    if values is None:
        return
    traj.fitness, traj.combine = fitness, config.combine
    matrix = np.array(values, dtype=np.float64).reshape(len(values), len(fitness))
    combined = np.asarray(combiner(matrix))  # normalised over the whole run, as the result's `combined`
    for i, step in enumerate(traj.steps):
        # what the search would have returned after i+1 networks: normalised over that prefix (problem.best)
        prefix = np.asarray(combiner(matrix[: i + 1]))
        best = int(np.argmax(prefix))
        step["score"] = _finite(combined[i])
        step["best_score"] = _finite(combined[best])
        step["best_arch"] = traj.steps[best]["arch"]
    result = run["result"] or {}
    last = traj.steps[-1]
    if (
        result.get("arch")
        and list(config.objectives)[:1] == ["score"]
        and result.get("scored") == len(traj.steps)
        and last["best_arch"] != result["arch"]
    ):
        traj.notes.append(
            f"the best recomputed here ({last['best_arch']}) is not the one the run recorded ({result['arch']})"
        )


def _values(db, study, config, fitness: list[str], traj: Trajectory) -> list[list[float]] | None:
    """The fitness proxies of every step: from the replayed table, or (live runs) from the store's cache."""
    if config.tabular or config.signal == "training":
        source = study.source(config)
        scores = source.score_many([study.space.parse(s["arch"]) for s in traj.steps])
        return [[s.values[p] for p in fitness] for s in scores]
    tag, found = _stored_scores(db, study, config, fitness, {s["arch_key"] for s in traj.steps})
    missing = sum(s["arch_key"] not in found for s in traj.steps)
    if missing:
        where = f"under settings {tag}" if tag else "under this run's scoring settings"
        traj.notes.append(
            f"{missing} of {len(traj.steps)} scored networks have no complete {', '.join(fitness)} values in the "
            f"store {where}: no combined score (nothing is scored again)"
        )
        return None
    return [[found[s["arch_key"]].values[p] for p in fitness] for s in traj.steps]


def _stored_scores(db, study, config, fitness: list[str], keys: set[str]) -> tuple[str | None, dict]:
    """(settings tag, key -> Scores) of the store's values this live run cached. A run on custom --images is
    keyed by a fingerprint of them: the tag with that seed and device that holds every network is taken."""
    from zeronas.scoring.scorer import ScoringSettings

    if not config.images:
        tag = ScoringSettings(seed=config.seed, device=config.device).tag()
        return tag, db.all_scores(study.space.name, study.info.name, tag, fitness)
    base = re.escape(ScoringSettings(seed=config.seed).tag()) + r",images=[^,]+"
    pattern = re.compile(base + ("" if config.device == "cpu" else re.escape(f",device={config.device}")) + "$")
    best: tuple[str | None, dict] = (None, {})
    for tag in db.settings_tags(study.space.name, study.info.name):
        if pattern.match(tag):
            found = db.all_scores(study.space.name, study.info.name, tag, fitness)
            if len(keys & found.keys()) > len(keys & best[1].keys()):
                best = (tag, found)
    return best


def _accuracies(study, config, traj: Trajectory) -> None:
    if study.ground_truth is None:
        if config.ground_truth:
            traj.notes.append(f"{study.space.name} has no benchmark: no test accuracy")
        return
    known: dict[str, float | None] = {}
    absent = 0

    def acc(arch: str) -> float | None:
        nonlocal absent
        if arch not in known:
            try:
                known[arch] = _finite(study.ground_truth.test_acc(arch, study.info))
            except ZeronasError:
                known[arch], absent = None, absent + 1
        return known[arch]

    for step in traj.steps:
        step["test_acc"] = acc(step["arch"])
        if step["best_arch"] is not None:
            step["best_test_acc"] = acc(step["best_arch"])
    traj.benchmark = getattr(study.ground_truth, "label", study.space.name)
    if absent:
        traj.notes.append(f"{absent} scored networks are not in the benchmark table: their test accuracy is unknown")


def plot(run: dict, traj: Trajectory, path: Path) -> Path | None:
    """Best combined score so far and (where known) test accuracy against architectures scored; None if there is
    nothing to plot."""
    if not (traj.has_scores or traj.has_accuracy):
        return None
    from matplotlib.figure import Figure

    nan = float("nan")
    x = [s["step"] + 1 for s in traj.steps]
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    handles = []
    if traj.has_scores:
        y = [nan if s["best_score"] is None else s["best_score"] for s in traj.steps]
        handles += ax.step(x, y, where="post", color="C0", label="best combined score so far")
        ax.set_ylabel("best combined score (normalised over the run)", color="C0")
    if traj.has_accuracy:
        acc_ax = ax.twinx() if traj.has_scores else ax
        each = [nan if s["test_acc"] is None else s["test_acc"] for s in traj.steps]
        handles.append(acc_ax.scatter(x, each, s=9, color="C1", alpha=0.35, label="test accuracy of each network"))
        if traj.has_scores:
            best = [nan if s["best_test_acc"] is None else s["best_test_acc"] for s in traj.steps]
            handles += acc_ax.step(x, best, where="post", color="C1", label="test accuracy of the best so far")
        acc_ax.set_ylabel(f"test accuracy (%, {traj.benchmark})", color="C1")
    ax.set_xlabel("architectures scored")
    title = f"run {run['run_id']}: {run['strategy']} on {run['space']} {run['dataset']}, seed {run['seed']}"
    if traj.has_scores:
        title += f"\nscore: {traj.combine} of {', '.join(traj.fitness)}"
    ax.set_title(title, fontsize=10)
    ax.legend(handles=handles, loc="best", fontsize=8)
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise ZeronasError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _default_plot(store_path: Path, run_id: int) -> Path:
    """run-<id>.png beside the store (runs/run-<id>.png for the default store)."""
    return store_path.parent / f"run-{run_id}.png"


def _result_lines(run: dict) -> list[tuple[str, str]]:
    result = run["result"]
    if result is None:
        return [("status", f"{RUNNING}: no result recorded yet (a search records one when it ends)")]
    if "error" in result:
        return [("status", "failed"), ("error", str(result["error"])), ("scored", str(result.get("scored", "-")))]
    rows = [("status", "done"), ("architecture", str(result.get("arch")))]
    if result.get("benchmark_index") is not None:
        rows.append(("benchmark index", str(result["benchmark_index"])))
    scores = result.get("scores") or {}
    if scores:
        rows.append(("proxy scores", ", ".join(f"{k}={_g(v)}" for k, v in scores.items())))
    if isinstance(result.get("params_m"), (int, float)):
        rows.append(("params", f"{result['params_m']:.6f} M"))
    if isinstance(result.get("flops_m"), (int, float)):
        rows.append(("flops", f"{result['flops_m']:.2f} M multiply-adds"))
    if isinstance(result.get("test_acc"), (int, float)):
        rows.append(("test accuracy", f"{result['test_acc']:.2f} % ({run['dataset']}, {result.get('benchmark')})"))
    if isinstance(result.get("optimum_acc"), (int, float)):
        scope = "feasible optimum" if result.get("constraints") else "optimum"
        rows.append((scope, f"{result['optimum_acc']:.2f} %  regret {_num(result.get('regret'), 2)}"))
    rows.append(("scored", str(result.get("scored"))))
    clock = f"wall {_num(result.get('wall_s'), 1)} s, search clock {_num(result.get('clock_s'), 1)} s"
    rows.append(("time", clock))
    if result.get("nonfinite"):
        rows.append(("non-finite", ", ".join(f"{k}: {v}" for k, v in result["nonfinite"].items()) + " (ranked last)"))
    objectives = result.get("objectives") or ["score"]
    if len(objectives) > 1:
        for c in result.get("pareto") or []:
            values = ", ".join(f"{k}={_g(v)}" for k, v in (c.get("objectives") or {}).items())
            rows.append(("pareto", f"{c.get('arch')}  {values}  test {_acc(c.get('test_acc'))}"))
    return rows


def _config_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return json.dumps(value) if isinstance(value, dict) else str(value)


def _json_step(s: dict) -> dict:
    keys = ("step", "clock", "cached", "arch", "arch_key", "score", "best_score", "best_arch", "test_acc")
    return {k: s.get(k) for k in (*keys, "best_test_acc")}


@runs_app.command("show", short_help="Show one run with its trajectory, and plot it.")
def show(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., metavar="ID", help="The run's id, as `zeronas runs` lists it."),
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    plot_path: Optional[str] = typer.Option(
        None,
        "--plot",
        help="PNG to write: best combined score and test accuracy against architectures scored "
        "(default: run-ID.png beside the store, i.e. runs/run-ID.png for the default store).",
    ),
    no_plot: bool = typer.Option(False, "--no-plot", help="Write no plot."),
    as_json: bool = typer.Option(False, "--json", help="Print the run, its trajectory and notes as JSON."),
    data_root: Optional[str] = typer.Option(
        None, "--data-root", envvar="ZERONAS_DATA", help="Data folder for the benchmark table (test accuracies)."
    ),
):
    """Show one run: its settings, its result, and its trajectory (every network scored, in order, with the search
    clock, whether it came from the cache, the combined score, the best so far, and test accuracy when known);
    plot the best combined score and test accuracy against architectures scored."""
    import sqlite3

    number = parse_run_id(run_id)
    parent = ctx.parent.params.get("store") if ctx.parent is not None else None
    db = open_existing_store(store or parent)
    try:
        run = db.run(number)
        if run is None:
            ids = [r["run_id"] for r in db.run_summaries()]
            have = f"its runs: {_id_ranges(ids)}" if ids else "it has no runs"
            raise ZeronasError(f"no run {number} in {db.path} ({have})")
        steps = db.run_trajectory(number)
        traj = analyse(db, run, steps, data_root)
        written = None
        if not no_plot:
            target = Path(plot_path) if plot_path else _default_plot(db.path, number)
            from zeronas.paths import writable_folder

            writable_folder(target.parent)
            written = plot(run, traj, target)
            if written is None:
                traj.notes.append("no plot: neither combined scores nor test accuracies are known for this run")
    except sqlite3.DatabaseError as exc:
        raise ZeronasError(f"cannot read {db.path} ({exc}); is it a damaged zeronas store?") from None
    finally:
        db.close()
    if as_json:
        payload = {
            **summary_row(run),
            "config": run["config"],
            "result": run["result"],
            "combined": {"proxies": traj.fitness, "combine": traj.combine, "normalised_over": "the whole run"},
            "benchmark": traj.benchmark,
            "trajectory": [_json_step(s) for s in traj.steps],
            "notes": traj.notes,
            "plot": str(written) if written else None,
        }
        print(json.dumps(payload, default=str, indent=2))
        return
    lines = [
        f"run {run['run_id']}: {run['strategy']} on {run['space']} {run['dataset']}, seed {run['seed']}, "
        f"started {_started(run)}",
        "",
        "config",
    ]
    lines += [f"  {k:<17}{_config_value(v)}" for k, v in run["config"].items() if v is not None and v != {}]
    lines += ["", "result"]
    lines += [f"  {k:<17}{v}" for k, v in _result_lines(run)]
    lines += ["", f"trajectory ({len(traj.steps)} networks)"]
    if traj.has_scores:
        lines.append(
            f"  score: {traj.combine} of {', '.join(traj.fitness)}, normalised over the whole run; "
            "best: the best score so far; acc / best_acc: test accuracy (%) of the network / of the best so far"
        )
    header = ["step", "clock_s", "cached", "score", "best", "acc", "best_acc", "arch"]
    rows = [
        [
            str(s["step"]),
            _num(s["clock"], 2),
            "yes" if s["cached"] else "no",
            _num(s["score"]),
            _num(s["best_score"]),
            _acc(s["test_acc"]),
            _acc(s["best_test_acc"]),
            s["arch"],
        ]
        for s in traj.steps
    ]
    if rows:
        lines += ["  " + line for line in _aligned(header, rows, right={0, 1, 3, 4, 5, 6})]
    lines += [""] + [f"note: {n}" for n in traj.notes]
    if written:
        lines.append(f"plot: {written}")
    _print(lines)


def _id_ranges(ids: list[int]) -> str:
    """1-3, 5, 7-9."""
    parts: list[str] = []
    for i in sorted(ids):
        if parts and parts[-1].split("-")[-1] == str(i - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{i}"
        else:
            parts.append(str(i))
    return ", ".join(parts)


def register(app: typer.Typer) -> None:
    if not any(g.typer_instance is runs_app for g in app.registered_groups):
        app.add_typer(runs_app, name="runs")
