"""A search result as files: result.json, and for a multi-objective search the front as CSV and a plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from zeronas.paths import writable_folder

UNITS = {"params": 1e-6, "flops": 1e-6}  # reported in millions
LABELS = {
    "score": "combined score (higher is better)",
    "params": "parameters (M)",
    "flops": "multiply-adds (M)",
    "latency": "latency (ms)",
}


def front_frame(result):
    """The Pareto front, one row per network, sorted by the first cost objective."""
    import pandas as pd

    rows = []
    for c in result.pareto:
        row = {"arch": c.arch, **{k: v for k, v in c.objectives.items()}, "params_m": c.params_m, "flops_m": c.flops_m}
        row.update({k: v for k, v in c.measured.items() if k.startswith("latency:")})
        if c.test_acc is not None:
            row["test_acc"] = c.test_acc
            row["benchmark_index"] = c.benchmark_index
        rows.append(row)
    frame = pd.DataFrame(rows)
    costs = [o for o in result.objectives if o != "score"]
    return frame.sort_values(costs[0] if costs else "score", kind="stable").reset_index(drop=True)


def plot_front(result, path: Path) -> Path:
    """Every scored network (grey) and the front (red), the score against each cost objective."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problem = result.problem
    objectives = list(result.objectives)
    sign = np.array([-1.0 if o.maximise else 1.0 for o in problem.objectives])
    values = problem.objective_matrix(problem.history) * sign
    on_front = {c.arch for c in result.pareto}
    mask = np.array([problem.space.format(e.arch) in on_front for e in problem.history])
    y = objectives.index("score") if "score" in objectives else 0
    xs = [i for i in range(len(objectives)) if i != y] or [y]
    fig, axes = plt.subplots(1, len(xs), figsize=(5 * len(xs), 4), squeeze=False)
    for ax, x in zip(axes[0], xs):
        scale_x, scale_y = UNITS.get(objectives[x], 1.0), UNITS.get(objectives[y], 1.0)
        ax.scatter(values[~mask, x] * scale_x, values[~mask, y] * scale_y, s=8, c="0.7", label="scored")
        order = np.argsort(values[mask, x])
        ax.plot(values[mask, x][order] * scale_x, values[mask, y][order] * scale_y, "o-", c="tab:red", label="front")
        ax.set_xlabel(LABELS.get(objectives[x], objectives[x]))
        ax.set_ylabel(LABELS.get(objectives[y], objectives[y]))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(
        f"{result.strategy} on {result.space} / {result.dataset}: {result.scored} networks, seed {result.seed}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_result(result, folder) -> dict[str, Path]:
    out = writable_folder(folder)
    written = {"result": out / "result.json"}
    if len(result.objectives) > 1:
        written["front"] = out / "front.csv"
        front_frame(result).to_csv(written["front"], index=False)
        written["plot"] = plot_front(result, out / "front.png")
    written["result"].write_text(json.dumps(result.to_dict(), indent=1, default=str))
    return written
