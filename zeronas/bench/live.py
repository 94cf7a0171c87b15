"""Live benchmark for spaces too large to precompute (NAS-Bench-101): seeded searches that score every
cell they visit, one JSON line per finished run, every score in a store beside it, so a rerun resumes.

A search moves to cells outside any precomputed sample, so these runs cannot be replayed from a table;
they cost real scoring time (about 45 min per FreeREA run on 2 CPU cores, 4 min on a GPU).
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import time
from pathlib import Path

import pandas as pd

from zeronas.bench.plan import score_label
from zeronas.recipes import FREEREA_PROXIES
from zeronas.scoring.scorer import ScoringSettings

LOG, STORE = "runs.jsonl", "scores.sqlite"
DEFAULT_INITS = ScoringSettings.inits  # also what runs logged before --inits averaged over


def machine(device: str) -> str:
    """What scored the cells, for the log: timings only compare between runs on the same machine."""
    import torch

    where = torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else _cpu_model()
    return f"{where}, {len(os.sched_getaffinity(0))} usable CPUs, torch {torch.__version__}"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []


def run_live_bench(
    out_dir: str | Path,
    space: str,
    dataset: str,
    strategies: list[str],
    seeds: list[int],
    budget: int,
    workers: int = 1,
    device: str = "cpu",
    fitness: tuple[str, ...] = FREEREA_PROXIES,
    console=None,
    combine: str = "freerea",
    inits: int = DEFAULT_INITS,
) -> Path:
    """Run every (seed, strategy) not yet in <out>/runs.jsonl, seed by seed (an interrupted batch still
    has paired runs), then write <out>/<space>.md. A half-finished run restarts and reuses its stored cells."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from zeronas.study import SearchConfig, search

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = {logged_key(r) for r in read_log(out / LOG)}  # a run on another score is another run
    todo = [
        (seed, s) for seed in seeds for s in strategies if run_key(s, seed, budget, fitness, combine, inits) not in done
    ]
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        for seed, strategy in todo:
            task = bar.add_task(f"{strategy} seed {seed}", total=budget)
            load, t0 = os.getloadavg()[0], time.perf_counter()
            config = SearchConfig(
                space=space,
                dataset=dataset,
                budget=budget,
                strategy=strategy,
                seed=seed,
                proxies=tuple(fitness),
                combine=combine,
                inits=inits,
                workers=workers,
                store=str(out / STORE),
                device=device,
            )
            report = search(config, on_progress=lambda p, task=task: bar.update(task, completed=p.scored))
            bar.remove_task(task)
            row = dict(
                strategy=strategy,
                seed=seed,
                budget=budget,
                arch=report.arch,
                test_acc=report.test_acc,
                regret=report.regret,
                wall_s=report.wall_s,
                process_s=time.perf_counter() - t0,
                s_per_cell=report.scoring_s_per_arch,
                scored=report.scored,
                workers=workers,
                load_before=load,
                device=device,
                machine=machine(device),
                fitness=list(fitness),
                combine=combine,
                inits=inits,
            )
            with (out / LOG).open("a") as f:
                f.write(json.dumps(row) + "\n")
            if console is not None:
                console.print(
                    f"{strategy} seed {seed}: test {report.test_acc:.2f} % (regret {report.regret:.2f}), "
                    f"wall {report.wall_s:.0f} s, {report.scoring_s_per_arch:.2f} s per cell computed, "
                    f"{report.arch}",
                    soft_wrap=True,
                )
    runs = load_runs([out], budget)
    optimum = next((r["test_acc"] + r["regret"] for rows in runs.values() for r in rows), float("nan"))
    head = [f"{space} on {dataset}: {budget} cells scored per search, benchmark optimum {optimum:.2f} %", ""]
    path = out / f"{space}.md"
    path.write_text("\n".join(head + run_table(runs) + [""] + summary(runs)) + "\n")
    return path


def run_key(strategy: str, seed: int, budget, proxies, combine: str | None, inits: int | None) -> tuple:
    """What makes two runs the same run; runs logged before --fitness, --combine or --inits used the defaults."""
    return strategy, seed, budget, tuple(proxies or FREEREA_PROXIES), combine or "freerea", inits or DEFAULT_INITS


def logged_key(row: dict) -> tuple:
    """run_key of a runs.jsonl line."""
    score = row.get("fitness"), row.get("combine"), row.get("inits")
    return run_key(row["strategy"], row["seed"], row["budget"], *score)


def fresh_cells(folder: Path) -> dict[tuple, int]:
    """Cells each finished run computed itself: fewer than it scored when it reused cells stored earlier
    (a resumed run, or another strategy's run with the same seed)."""
    store = folder / STORE
    if not store.is_file():
        return {}
    db = sqlite3.connect(store)
    try:
        rows = db.execute(
            "SELECT r.strategy, r.seed, r.config, SUM(t.cached = 0) FROM runs r JOIN trajectory t USING (run_id) "
            "WHERE r.result IS NOT NULL AND json_extract(r.result, '$.error') IS NULL "
            "GROUP BY r.run_id ORDER BY r.run_id"
        ).fetchall()
    finally:
        db.close()
    fresh = {}
    for strategy, seed, config, count in rows:
        c = json.loads(config)
        key = run_key(strategy, seed, c.get("budget"), c.get("proxies"), c.get("combine"), c.get("inits"))
        fresh[key] = count  # the last finished run wins
    return fresh


def load_runs(dirs: list[Path], budget: int | None = None) -> dict[tuple[str, int], list[dict]]:
    """(strategy, seed) -> its finished runs, one per folder (machine) that ran it."""
    runs: dict[tuple[str, int], list[dict]] = {}
    for folder in dirs:
        fresh = fresh_cells(folder)
        for row in read_log(folder / LOG):
            if budget is not None and row["budget"] != budget:
                continue
            row["where"] = row.get("machine") or f"{folder.name}: device {row.get('device', 'cpu')}, machine not logged"
            key = logged_key(row)
            row["fresh"] = fresh.get(key)
            *_, proxies, combine, inits = key
            suffix = f" ({inits} init{'s' * (inits > 1)})" if inits != DEFAULT_INITS else ""
            label = row["strategy"] + score_label(proxies, combine) + suffix
            runs.setdefault((label, row["seed"]), []).append(row)
    return runs


def run_table(runs: dict[tuple[str, int], list[dict]]) -> list[str]:
    rows = []
    for (strategy, seed), found in sorted(runs.items()):
        for row in found:
            rows.append(
                {
                    "strategy": strategy,
                    "seed": seed,
                    "test acc. %": f"{row['test_acc']:.2f}",
                    "regret": f"{row['regret']:.2f}",
                    "wall s": f"{row['wall_s']:.0f}",
                    "cells computed in that wall time": f"{'?' if row['fresh'] is None else row['fresh']} "
                    f"of {row['scored']}",
                    "s per cell computed": f"{row['s_per_cell']:.2f}" if row["fresh"] != 0 else "–",
                    "scored on": row["where"],
                    "cell": f"`{row['arch']}`".replace("|", "\\|"),  # a bare | splits a cell
                }
            )
    return [
        pd.DataFrame(rows).to_markdown(
            index=False, colalign=("left", "right", "right", "right", "right", "right", "right", "left", "left")
        )
    ]


def summary(runs: dict[tuple[str, int], list[dict]]) -> list[str]:
    rows = []
    for strategy in sorted({s for s, _ in runs}):
        keys = sorted(k for k in runs if k[0] == strategy)
        acc = [runs[k][0]["test_acc"] for k in keys]
        spread = statistics.stdev(acc) if len(acc) > 1 else 0.0
        twice = [k for k in keys if len(runs[k]) > 1]
        same = (
            ", ".join(f"seed {k[1]}: {'yes' if len({r['arch'] for r in runs[k]}) == 1 else 'no'}" for k in twice) or "–"
        )
        rows.append(
            {
                "strategy": strategy,
                "seeds": ",".join(str(k[1]) for k in keys),
                "test acc. % (mean ± std over seeds)": f"{statistics.mean(acc):.2f} ± {spread:.2f}",
                "same cell where run twice": same,
            }
        )
    return [pd.DataFrame(rows).to_markdown(index=False)]
