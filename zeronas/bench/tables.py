"""Compact score tables: one row per benchmark cell with each proxy's value and seconds, read from a store.

Every one of the benchmark's rows gets the scores of its canonical class's representative, so a table
answers any architecture of the space without the store (or the shared images) being present.
"""

from __future__ import annotations

import glob
import json
from pathlib import Path

import numpy as np
import pandas as pd

import zeronas
from zeronas.errors import ZeronasError
from zeronas.scoring.scores import Scores

TABLES_DIR = Path(zeronas.__file__).resolve().parent / "resources" / "tables"


def table_file(space: str, dataset: str, folder: str | Path | None = None, part: str | None = None) -> Path:
    """<space>-<dataset>.csv.gz, or its part <space>-<dataset>.<part>.csv.gz (see table_parts)."""
    return Path(folder or TABLES_DIR) / f"{space}-{dataset}{'.' + part if part else ''}.csv.gz"


def table_parts(path: str | Path) -> list[Path]:
    """A score table and its parts: files <stem>.<part>.csv.gz beside it hold more proxies for the same cells,
    each with its own sidecar (scoring settings, versions), so proxies added later, with other settings, never
    force the first ones to be recomputed."""
    path = Path(path)
    if not path.name.endswith(".csv.gz"):
        return [path]
    stem = path.name[: -len(".csv.gz")]
    return [path, *sorted(path.parent.glob(f"{glob.escape(stem)}.*.csv.gz"))]


def proxy_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("index", "arch") and not c.endswith("_s")]


def read_tables(path: str | Path) -> tuple[pd.DataFrame, dict[str, Path]]:
    """A score table with its parts' columns joined on, and the file each proxy column came from."""
    frame = read_table(path)
    owner = {c: Path(path) for c in proxy_columns(frame)}
    for part in table_parts(path)[1:]:
        extra = read_table(part)
        if len(extra) != len(frame) or not (extra["arch"].to_numpy() == frame["arch"].to_numpy()).all():
            raise ZeronasError(f"{part} does not list the same cells, in the same order, as {path}")
        new = [c for c in extra.columns if c not in frame.columns]
        frame = pd.concat([frame, extra[new]], axis=1)
        owner.update({c: part for c in proxy_columns(extra) if c not in owner})
    return frame, owner


def fit_time_model(scores: dict[str, Scores], proxies: list[str], flops: dict[str, float]) -> dict[str, list[float]]:
    """Per proxy, seconds ≈ a + b·MFLOPs by least squares over the given (measured) networks."""
    keys = [k for k in scores if k in flops]
    if len(keys) < 2:
        raise ZeronasError("the time model needs at least 2 measured networks")
    x = np.array([flops[k] for k in keys])
    design = np.column_stack([np.ones_like(x), x])
    model = {}
    for p in proxies:
        y = np.array([scores[k].seconds[p] for k in keys])
        (a, b), *_ = np.linalg.lstsq(design, y, rcond=None)
        model[p] = [float(a), float(b)]
    return model


def export_table(
    space,
    rows: pd.DataFrame,
    scores: dict[str, Scores],
    proxies: list[str],
    out: Path,
    time_model: dict[str, list[float]] | None = None,
    meta: dict | None = None,
) -> pd.DataFrame:
    """Write `index, arch, <proxy>, <proxy>_s...` for every benchmark row (rows: columns index, arch).

    With a time model (fit_time_model; needs the 'flops' proxy), `<proxy>_s` is its prediction for the
    row's network instead of the measured seconds, so all rows are priced on one machine's scale."""
    keys = [space.canonical_key(space.parse(a)) for a in rows["arch"]]
    missing = sorted({k for k in keys if k not in scores})
    if missing:
        raise ZeronasError(
            f"{len(missing)} of {len(set(keys))} networks are not scored yet (finish `zeronas precompute` first)"
        )
    table = pd.DataFrame({"index": rows["index"].to_numpy(), "arch": rows["arch"].to_numpy()})
    for p in proxies:
        table[p] = [scores[k].values[p] for k in keys]
    for p in proxies:
        if time_model:
            a, b = time_model[p]
            table[f"{p}_s"] = [max(0.0, a + b * scores[k].values["flops"]) for k in keys]
        else:
            table[f"{p}_s"] = [scores[k].seconds[p] for k in keys]
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.7g", compression={"method": "gzip", "mtime": 0})
    from zeronas.proxies import proxy_versions

    info = dict(
        meta or {},
        rows=len(table),
        networks=len(set(keys)),
        proxies=proxies,
        proxy_versions=proxy_versions(proxies),
        seconds="time model a + b*MFLOPs" if time_model else "measured",
        time_model=time_model,
    )
    sidecar(out).write_text(json.dumps(info, indent=1) + "\n")
    return table


def sidecar(path: Path) -> Path:
    """The .json beside a table: how it was made, with each proxy's version."""
    return path.with_name(path.name.replace(".csv.gz", "") + ".json")


def check_versions(path: str | Path, proxies: list[str]) -> dict:
    """A table's metadata, after checking that it was computed by the current version of each proxy asked for."""
    from zeronas.proxies import proxy_versions

    meta_path = sidecar(Path(path))
    try:
        meta = json.loads(meta_path.read_text())
    except FileNotFoundError:
        raise ZeronasError(
            f"{meta_path} not found: without it the proxy versions of {path} are unknown "
            "(regenerate the table with `zeronas export-table`)"
        ) from None
    except (OSError, ValueError) as exc:
        raise ZeronasError(f"cannot read {meta_path}: {exc}") from None
    stored = meta.get("proxy_versions", {})
    for name, version in proxy_versions(proxies).items():
        if stored.get(name) != version:
            raise ZeronasError(
                f"{path} holds {name} version {stored.get(name, 'unknown')}, this zeronas computes "
                f"version {version}: regenerate it with `zeronas precompute` and `zeronas export-table`"
            )
    return meta


def read_table(path: str | Path) -> pd.DataFrame:
    """A score table, checked at load: CSV text (plain or .gz), index/arch columns, numbers in every other column
    (NaN is kept: a proxy that failed on a network)."""
    from zeronas.paths import read_csv_table

    path = Path(path)
    if not path.is_file():
        raise ZeronasError(f"score table not found: {path} (run `zeronas precompute` then `zeronas export-table`)")
    frame = read_csv_table(path, "score")  # binary, empty, truncated or foreign file: one line
    if not {"index", "arch"} <= set(frame.columns):
        raise ZeronasError(f"{path} is not a zeronas score table (no index/arch columns)")
    for col in frame.columns.drop(["index", "arch"]):
        if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            continue
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            pos = int(bad.to_numpy().argmax())
            raise ZeronasError(
                f"score table {path}: {col} of the row with index {frame['index'].iloc[pos]} (line {pos + 2}) "
                f"is {str(frame[col].iloc[pos])!r}, not a number"
            )
        frame[col] = values.astype("float64")
    return frame
