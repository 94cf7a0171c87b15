"""Anytime curves: test accuracy of the network each strategy would return so far, against search time."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from zeronas.bench.report import DATASET_TITLES  # noqa: E402


def _on_grid(curve, grid) -> np.ndarray:
    """A run's step function sampled on the grid (NaN before its first scored network)."""
    t = np.array([c[0] for c in curve])
    a = np.array([c[1] for c in curve])
    idx = np.searchsorted(t, grid, side="right") - 1
    return np.where(idx >= 0, a[np.clip(idx, 0, None)], np.nan)


def anytime_figure(rows: list[dict], dataset: str, path: Path, optimum: float | None = None) -> Path:
    runs = [r for r in rows if r["section"] == "table3" and r["dataset"] == dataset and r["curve"]]
    t_all = [c[0] for r in runs for c in r["curve"] if c[0] > 0]
    grid = np.geomspace(max(min(t_all), 1e-3), max(t_all), 200)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for method in dict.fromkeys(r["method"] for r in runs):
        curves = np.array([_on_grid(r["curve"], grid) for r in runs if r["method"] == method])
        with warnings.catch_warnings():  # grid points before a run's first network are NaN on purpose
            warnings.simplefilter("ignore", RuntimeWarning)
            end = max(r["curve"][-1][0] for r in runs if r["method"] == method)
            started = ~np.isnan(curves).any(axis=0) & (grid <= end)  # from every run's start to the last end
            mean, std = np.nanmean(curves, axis=0), np.nanstd(curves, axis=0)
        (line,) = ax.plot(grid[started], mean[started], label=method)
        ax.fill_between(grid[started], (mean - std)[started], (mean + std)[started], alpha=0.2, color=line.get_color())
    if optimum is not None:
        ax.axhline(optimum, color="k", ls=":", lw=1, label="optimum")
    ax.set_xscale("log")
    ax.set_xlabel("search time (simulated seconds)")
    ax.set_ylabel("test accuracy of current best (%)")
    ax.set_title(f"NATS-Bench TSS, {DATASET_TITLES.get(dataset, dataset)}")
    lo = min(np.nanmin(_on_grid(r["curve"], grid)) for r in runs)
    ax.set_ylim(max(lo, (optimum or lo) - 8), (optimum or ax.get_ylim()[1]) + 0.5)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
