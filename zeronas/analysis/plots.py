"""Scatter plots of accuracy against each proxy (FreeREA Fig. 1), one PNG per proxy, headless."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def scatter_plots(
    scores: pd.DataFrame, summary: pd.DataFrame, proxies: list[str], out_dir: Path, title: str
) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    taus = dict(zip(summary["proxy"], summary["kendall_tau"]))
    paths = []
    for p in proxies:
        x = scores[p].to_numpy(dtype=np.float64)
        ok = np.isfinite(x)
        fig, ax = plt.subplots(figsize=(4.5, 3.5), dpi=120)
        ax.scatter(x[ok], scores["test_acc"].to_numpy()[ok], s=6, alpha=0.5, linewidths=0)
        positive = x[ok] > 0
        if positive.all() and ok.sum() > 1 and x[ok].max() > 1e3 * x[ok].min():
            ax.set_xscale("log")  # synflow-like proxies span many decades
        ax.set_xlabel(p)
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(f"{title}  τ={taus.get(p, float('nan')):.3f}", fontsize=9)
        fig.tight_layout()
        path = out_dir / f"scatter_{p}.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths
