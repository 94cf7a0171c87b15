"""Combining several proxies into one fitness, relative to a population.

Rows are architectures, columns proxies (higher = better). A row with any NaN (a proxy that failed or
returned inf) gets -inf: ranked last, explicitly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from zeronas.registry import Registry


def _finite_rows(matrix) -> tuple[np.ndarray, np.ndarray]:
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim == 1:
        m = m[:, None]
    return m, np.isfinite(m).all(axis=1)


def freerea(matrix) -> np.ndarray:
    """FreeREA: each proxy divided by its max |value| over the population; sum minus std across proxies."""
    m, ok = _finite_rows(matrix)
    out = np.full(len(m), -np.inf)
    if ok.any():
        good = m[ok]
        norm = good / (np.abs(good).max(axis=0) + 1e-12)
        out[ok] = norm.sum(axis=1) - norm.std(axis=1)
    return out


def freerea_sum(matrix) -> np.ndarray:
    """FreeREA's reference code (`nas_utils.return_top_k`): each proxy divided by its max |value| over the
    population, then the plain sum (no std term)."""
    m, ok = _finite_rows(matrix)
    out = np.full(len(m), -np.inf)
    if ok.any():
        good = m[ok]
        out[ok] = (good / (np.abs(good).max(axis=0) + 1e-9)).sum(axis=1)
    return out


def rank_average(matrix) -> np.ndarray:
    """Mean of per-proxy ranks (1 = worst) over the population: scale-free ensemble."""
    m, ok = _finite_rows(matrix)
    out = np.full(len(m), -np.inf)
    if ok.any():
        from scipy.stats import rankdata  # scipy.stats takes a second to import: only when ranks are asked for

        out[ok] = np.mean([rankdata(col) for col in m[ok].T], axis=0)
    return out


def log_rank(matrix) -> np.ndarray:
    """AZ-NAS's non-linear rule: Σ over proxies of log(rank / N), ranks 1 (worst) .. N (best) among the N rows
    with finite values (ties share their average rank). A network must rank well on every proxy: one poor rank
    costs more than a good one earns."""
    m, ok = _finite_rows(matrix)
    out = np.full(len(m), -np.inf)
    if ok.any():
        from scipy.stats import rankdata

        n = int(ok.sum())
        out[ok] = np.sum([np.log(rankdata(col) / n) for col in m[ok].T], axis=0)
    return out


COMBINERS: Registry[Callable[[np.ndarray], np.ndarray]] = Registry("score combination")
# pool: what a search normalises over — 'group' (the networks compared, FreeREA's choice) or 'history' (every
# network scored so far: ranks need a fixed pool so that evolution compares like with like)
COMBINERS.add("freerea", freerea, summary="FreeREA: max-|value| normalised sum minus std across proxies", pool="group")
COMBINERS.add("freerea-sum", freerea_sum, summary="FreeREA's code: max-|value| normalised plain sum", pool="group")
COMBINERS.add("rank", rank_average, summary="mean of per-proxy ranks over everything scored so far", pool="history")
COMBINERS.add("log-rank", log_rank, summary="AZ-NAS: Σ log(rank/N) over everything scored so far", pool="history")


def get_combiner(name: str) -> Callable[[np.ndarray], np.ndarray]:
    return COMBINERS.get(name)


def combiner_pool(name: str) -> str:
    return COMBINERS.entry(name).meta.get("pool", "group")
