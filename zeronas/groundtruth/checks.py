"""Load-time checks shared by the benchmark tables: each failure is one line naming the file, row and value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zeronas.errors import ZeronasError


def row_name(frame: pd.DataFrame, position: int) -> str:
    """How a message names a row: by the benchmark's index where the table has one, and its CSV line."""
    if "index" in frame.columns:
        return f"the row with index {frame['index'].iloc[position]} (line {position + 2})"
    return f"line {position + 2}"


def shown(value) -> str:
    """A cell's value as the user wrote it; an empty or NA cell (pandas reads both as NaN) says so."""
    return "missing" if pd.api.types.is_scalar(value) and pd.isna(value) else repr(str(value))


def finite_column(label: str, path: str, frame: pd.DataFrame, col: str) -> pd.Series:
    """The column as float64, or one line naming the first row that is not a finite number."""
    values = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    ok = np.isfinite(values.to_numpy())
    if not ok.all():
        pos = int((~ok).argmax())
        raise ZeronasError(
            f"{label} table {path}: {col} of {row_name(frame, pos)} is {shown(frame[col].iloc[pos])}, "
            "not a finite number"
        )
    return values


def first_duplicate(values: pd.Series) -> tuple[int, int] | None:
    """CSV lines (header = line 1) of the first repeated value and of its first occurrence, or None."""
    twice = values.duplicated()
    if not twice.any():
        return None
    pos = int(twice.to_numpy().argmax())
    first = int((values.iloc[:pos] == values.iloc[pos]).to_numpy().argmax())
    return first + 2, pos + 2
