"""Where the shared (read-only) data lives: ../shared beside the repository by default."""

from __future__ import annotations

import os
from pathlib import Path

from zeronas.errors import ZeronasError

DATA_ENV = "ZERONAS_DATA"


def data_root(override: str | os.PathLike | None = None) -> Path:
    """The shared data folder: an explicit override, $ZERONAS_DATA, or ../shared beside the checkout."""
    if override:
        return Path(override)
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    candidates = [
        Path(__file__).resolve().parents[1].parent / "shared",  # source checkout: <repo>/../shared
        Path.cwd().parent / "shared",
        Path.cwd() / "shared",
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def require_file(path: Path, what: str, hint: str = "") -> Path:
    """Return path if it is a file, else raise a one-line error naming what is missing."""
    if not path.is_file():
        extra = f" ({hint})" if hint else ""
        raise ZeronasError(f"{what} not found: {path}{extra}")
    return path


def read_csv_table(path: str | os.PathLike, what: str):
    """A benchmark CSV as a DataFrame; an unreadable file is a one-line error naming what it should be."""
    import pandas as pd

    try:
        return pd.read_csv(path)
    except Exception as exc:
        raise ZeronasError(f"cannot read {what} table {path}: {str(exc).splitlines()[0]}") from None
